"""The conversation pane: header, search, a window of messages (older on demand) and the composer; the same for a
direct conversation and a room (rooms name the sender above others' bubbles and open the members panel).

Every connected page holds its pane for as long as it is open, so the pane is built from few elements: the messages
live in a ``MessageWindow`` (row data of a few chunks), and the search results, notes, banner and dialog exist only while shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from nicegui import background_tasks, events, ui

from chat_ui.core.errors import ChatError
from chat_ui.core.views import ConversationView, MessageView, SearchResult, SessionInfo
from chat_ui.services import global_search, message_actions, messaging, receipts, typing, uploads
from chat_ui.ui.drafts import Drafts
from chat_ui.ui.i18n import t
from chat_ui.ui.safe_html import esc, html_block
from chat_ui.ui.testid import testid
from chat_ui.ui.widgets.avatar import avatar_inner, colour_index, initial
from chat_ui.ui.widgets.composer_input import ComposerInput
from chat_ui.ui.widgets.confirm_dialog import ConfirmDialog
from chat_ui.ui.widgets.file_picker import DropZone, FilePicker
from chat_ui.ui.widgets.message_html import message_html
from chat_ui.ui.widgets.message_menu import ComposeBanner, MessageMenu
from chat_ui.ui.widgets.message_rows import excerpt_of
from chat_ui.ui.widgets.message_window import MessageWindow, note_html
from chat_ui.ui.widgets.optional_block import OptionalBlock, before

Guard = Callable[[Callable[..., Any]], Callable[..., Awaitable[None]]]
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A text taken from the input and not yet stored."""

    conversation_id: int
    title: str
    text: str
    reply_to_id: int | None = None


def joined(*texts: str) -> str:
    return '\n'.join(text for text in texts if text)


def header_html(view: ConversationView, *, members: int | None = None) -> str:
    """Avatar, title (hook ``chat-peer``) and a status line: online/offline, or the room's member count."""
    if view.is_room:
        status = t('room_members_count', count=members) if members is not None else t('room')
        avatar = (
            f'<div class="chat-avatar room-avatar av-{colour_index(view.id or 0)}">{esc(initial(view.title))}</div>'
        )
    else:
        status = t('online') if view.online else t('offline')
        inner = avatar_inner(view.title, view.avatar)
        avatar = f'<div class="chat-avatar av-{colour_index(view.peer_id or 0)}">{inner}</div>'
    return (
        f'{avatar}<div class="min-w-0">'
        f'<div data-testid="chat-peer" class="font-semibold truncate">{esc(view.title)}</div>'
        f'<div class="text-xs text-gray-500">{esc(status)}</div></div>'
    )


def results_html(result: SearchResult, *, user_id: int, room: bool) -> str:
    """The search bar (hook ``search-count`` or ``search-empty``) above the highlighted matches."""
    if result.count:
        summary = f'<span data-testid="search-count">{esc(t("search_count", count=result.count, keyword=result.keyword))}</span>'
    else:
        summary = f'<span data-testid="search-empty">{esc(t("search_empty", keyword=result.keyword))}</span>'
    bubbles = ''.join(
        message_html(view, mine=view.sender_id == user_id, keyword=result.keyword, show_sender=room)
        for view in result.messages
    )
    return (
        f'<div class="chat-search-bar"><i class="material-icons">manage_search</i>{summary}</div>'
        f'<div class="chat-messages">{bubbles}</div>'
    )


class ConversationPane:
    """``open(view)`` shows a conversation; the page forwards live events (``receive``, ``history_cleared``, …).

    ``actor()`` is the page's current session; ``on_members()`` opens the members panel of the open room;
    ``on_read(conversation_id, message_id)`` reports what the user has now seen.
    """

    def __init__(
        self,
        *,
        actor: Callable[[], SessionInfo],
        guard: Guard,
        on_back: Callable[[], Any],
        on_members: Callable[[], Any],
        on_read: Callable[[int, int], Any],
        drafts: Drafts,
    ) -> None:
        self.actor = actor
        self.user_id = actor().user_id
        self.guard = guard
        self._on_read = on_read
        self.view: ConversationView | None = None
        self.outbox: list[Outgoing] = []  # taken from the input, oldest first; stored one at a time, in order
        self.drafts = drafts  # what was typed and not sent, per conversation
        self._shown: str | None = ''  # the input's value as last set from here
        self._setting = False  # the input's value is being set from here (not typed)
        self._typed_here = False  # the user changed the input since it was last set from here
        self._generation = 0
        self.editing: MessageView | None = None  # the own message whose text is in the input
        self.replying: MessageView | None = None  # the message the next send quotes
        self.receipts_on = True  # the user shares and sees read receipts (the page keeps it current)
        self.typists: dict[int, tuple[str, asyncio.TimerHandle]] = {}  # who is typing here, until when
        self._typing_sent: tuple[int, float] | None = None  # (conversation, monotonic time) of the last notice
        with ui.column().classes('chat-pane h-full gap-0 no-wrap') as self.root:
            self._build_header(guard, on_back, on_members)
            self.drop = DropZone(on_file=self.send_file)
            with self.drop.stage:
                self.window = self._make_window(show_senders=False)
            self._build_composer(guard)
        self.confirm = ConfirmDialog(self.root)
        self.menu = MessageMenu(self.root)
        self.banner = ComposeBanner(self.root, position=before(self.root, lambda: self.composer))
        self.placeholder = OptionalBlock(self.root, classes='chat-placeholder')
        self.muted_bar = OptionalBlock(
            self.root,
            classes='chat-muted-bar',
            position=before(self.root, lambda: self.composer),
            marker='muted-banner',
        )
        self.results = OptionalBlock(
            self.root, classes='chat-results', position=before(self.root, lambda: self.drop.upload)
        )
        self.typing_bar = OptionalBlock(
            self.root, classes='chat-typing-row', position=before(self.root, lambda: self.composer), keep=True
        )
        self._set_active(False)

    @property
    def conversation_id(self) -> int | None:
        return self.view.id if self.view is not None else None

    def _build_header(self, guard: Guard, on_back: Callable[[], Any], on_members: Callable[[], Any]) -> None:
        with ui.row().classes('chat-header w-full items-center gap-2 px-3 py-2 no-wrap') as self.header:
            ui.button(icon='arrow_back', on_click=on_back).props('flat round dense').classes('md:hidden')
            self.title = html_block().classes('flex items-center gap-2 flex-1 min-w-0')
            self.search_input = testid(ui.input(placeholder=t('search_placeholder')), 'search-input')
            self.search_input.props('dense outlined rounded clearable maxlength=100').classes('w-28 sm:w-56 md:w-72')
            self.search_input.on('keydown.enter', guard(self.run_search))
            self.search_input.on_value_change(lambda e: None if e.value else self.close_search())
            search = testid(ui.button(icon='search', on_click=guard(self.run_search)), 'search-submit')
            search.props('flat round dense').classes('text-gray-600')
            search.props['title'] = t('search')
            self.members_button = testid(ui.button(icon='group', on_click=guard(on_members)), 'members-open')
            self.members_button.props('flat round dense').classes('text-gray-600')
            self.members_button.props['title'] = t('room_members')
            self.clear_button = testid(ui.button(icon='delete_sweep', on_click=guard(self.ask_clear)), 'clear-history')
            self.clear_button.props('flat round dense').classes('text-gray-600')
            self.clear_button.props['title'] = t('clear_history')

    def _build_composer(self, guard: Guard) -> None:
        with ui.row().classes('chat-composer w-full items-end gap-2 px-3 py-2 no-wrap') as self.composer:
            FilePicker(on_file=self.send_file)
            self.input = testid(ComposerInput(placeholder=t('type_message')), 'chat-input')
            self.input.props('autogrow dense outlined rounded rows=1').classes('flex-1').style('max-height: 40vh')
            self.input.on('keydown.enter.exact.prevent', self.send)
            self.input.on_value_change(self._typed)
            testid(ui.button(icon='send', on_click=self.send), 'chat-send').props('round unelevated color=primary')

    def _new_window(self) -> MessageWindow:
        """A fresh scroller (a new one starts at the newest message) in place of the current one."""
        self.close_search()
        self.drop.stage.remove(self.window.scroll)
        with self.drop.stage:
            return self._make_window(show_senders=self.view is not None and self.view.is_room)

    def _make_window(self, *, show_senders: bool) -> MessageWindow:
        return MessageWindow(
            user_id=self.user_id,
            on_older=self.guard(self.load_older),
            show_senders=show_senders,
            on_menu=self.guard(self.open_menu),
            on_quote=self.guard(self.go_to_quote),
            on_newer=self.guard(self.back_to_newest),
        )

    def _set_active(self, active: bool) -> None:
        """Header, messages and composer while a conversation is open, otherwise a placeholder."""
        for part in (self.header, self.window.scroll, self.drop.upload, self.composer):
            part.set_visibility(active)
        if active:
            self.placeholder.hide()
        else:
            self.placeholder.show('<i class="material-icons">forum</i>' + note_html(t('chat_placeholder')))

    # ------------------------------------------------------------------ opening and closing

    async def open(self, view: ConversationView, *, at: int | None = None) -> None:
        """Show the conversation: its newest window of messages, or (``at``) the window around that message."""
        assert view.id is not None
        self._keep_draft()
        self._generation += 1
        generation = self._generation
        self.clear_typists()
        self.view = view
        self.show_header(view)
        self.end_compose_state()
        self.search_input.value = ''
        self._set_input(self.drafts.get(view.id))
        self.window = self._new_window()
        self._set_active(True)
        if at is not None:
            try:
                around = await global_search.load_around(self.actor(), conversation_id=view.id, message_id=at)
            except ChatError as refusal:
                ui.notify(t(refusal.key, **refusal.params), type='warning', position='top')
            else:
                if generation == self._generation:
                    self.window.show_around(
                        around.messages, older=around.more_older, newer=around.more_newer, highlight=at
                    )
                    if not around.more_newer:
                        self._read_up_to(around.messages[-1].id)
                    await self._refresh_marker(generation)
                return
        views = await messaging.load_window(self.actor(), conversation_id=view.id)
        if generation != self._generation:
            return
        self._show_window(views)
        await self._refresh_marker(generation)

    def show_header(self, view: ConversationView, *, members: int | None = None) -> None:
        """Title, status and which buttons this person may use (a room's clear button is for its owner)."""
        if self.view is None or view.id != self.view.id:
            return
        self.view = view
        self.title.set_content(header_html(view, members=members))
        self.members_button.set_visibility(view.is_room)
        self.clear_button.set_visibility(not view.is_room or view.role == 'owner')

    def rename_person(self, user_id: int, shown: str, avatar: str = '') -> None:
        """A profile changed: the header of a direct conversation with them, and their bubbles' names."""
        view = self.view
        shows_them = view is not None and not view.is_room and view.peer_id == user_id
        if view is not None and shows_them and (view.title, view.avatar) != (shown, avatar):
            self.show_header(replace(view, title=shown, avatar=avatar))
        self.window.rename_sender(user_id, shown, avatar)

    def close(self) -> None:
        self._keep_draft()
        self._generation += 1
        self.end_compose_state()
        self.clear_typists()
        self.view = None
        self._set_input('')
        self.window = self._new_window()
        self._set_active(False)

    def set_muted(self, muted: bool) -> None:
        """Show (or hide) that the admin has muted this user; sending is refused by the server either way."""
        if muted:
            text = esc(t('muted_banner'))
            self.muted_bar.show(
                f'<i class="material-icons">volume_off</i><span data-testid="muted-banner">{text}</span>'
            )
        else:
            self.muted_bar.hide()

    # ------------------------------------------------------------------ messages

    def _show_window(self, views: list[MessageView]) -> None:
        self.window.show(views, more=len(views) >= messaging.WINDOW)
        self.window.set_note(None if views else t('no_messages_yet'))
        self._read_up_to(views[-1].id if views else None)

    def _read_up_to(self, message_id: int | None) -> None:
        if message_id is not None and self.view is not None and self.view.id is not None:
            self._on_read(self.view.id, message_id)

    async def load_older(self) -> None:
        oldest_id = self.window.oldest_id
        if self.view is None or self.view.id is None or oldest_id is None:
            return
        generation = self._generation
        views = await messaging.load_window(self.actor(), conversation_id=self.view.id, before_id=oldest_id)
        if generation != self._generation:
            return
        self.window.prepend(views, more=len(views) >= messaging.WINDOW)

    def receive(self, view: MessageView) -> None:
        """A new message of the open conversation (sent here, in another tab, or by someone else)."""
        self.stop_typing(view.sender_id)
        if self.window.append(view):
            self.window.set_note(None)
            if view.sender_id != self.user_id:
                self._read_up_to(view.id)

    async def resync(self) -> None:
        """After a reconnect, catch up from the database: the browser may have missed updates that were sent while
        its connection was dying; the window shows every message exactly once."""
        if self.view is None or self.view.id is None:
            return
        self._generation += 1
        generation = self._generation
        views = await messaging.load_window(self.actor(), conversation_id=self.view.id)
        if generation != self._generation:
            return
        self.close_search()
        self._show_window(views)
        await self._refresh_marker(generation)

    async def send(self) -> None:
        """Take the typed text at once (before any await, so a quick second send can neither read it again nor
        lose it) and queue it; the queue is stored in order, one message at a time."""
        if self.view is None or self.view.id is None:
            return
        if self.editing is not None:
            await self.save_edit()
            return
        text = self.input.value or ''
        if self._typed_here or self.drafts.get(self.view.id) == text:  # not another tab's draft
            self.drafts.put(self.view.id, '')
        self._set_input('')
        if not text.strip():
            return
        reply_to = self.replying.id if self.replying is not None else None
        self.cancel_reply()
        self.outbox.append(Outgoing(self.view.id, self.view.title, text, reply_to))
        if len(self.outbox) == 1:
            await self._send_queued()

    async def _send_queued(self) -> None:
        """Store the queue, oldest first. A message that is not stored, for any reason (a refusal, a database
        error or timeout, a cancelled call), goes back to the input together with every message queued after it
        (so nothing is sent out of order), and a notice says why. Only a stored message is ever shown: the page
        draws it from the live event that follows the commit, so it appears once."""
        try:
            while self.outbox:
                problem = await self._store(self.outbox[0])
                if problem is not None:
                    self._give_back()
                    if problem:
                        ui.notify(problem, type='negative', position='top')
                    return
                self.outbox.pop(0)
        except BaseException:
            self._give_back()
            raise

    async def _store(self, outgoing: Outgoing) -> str | None:
        """Store one message under the session guard: None once stored, else what to tell the user (nothing when
        the session has ended and the page is leaving)."""
        stored = False

        async def attempt() -> None:
            nonlocal stored
            await messaging.send_text(
                self.actor(),
                conversation_id=outgoing.conversation_id,
                text=outgoing.text,
                reply_to_id=outgoing.reply_to_id,
            )
            stored = True

        try:
            await self.guard(attempt)()
        except ChatError as refusal:
            return t(refusal.key, **refusal.params)
        except Exception:
            log.exception('message of user %s to conversation %s not stored', self.user_id, outgoing.conversation_id)
            if self.conversation_id == outgoing.conversation_id:
                return t('send_failed')
            return t('send_failed_elsewhere', name=outgoing.title)
        return None if stored else ''

    def _give_back(self) -> None:
        """Every queued text back, in order and before whatever was typed since: the open conversation's into the
        input, another conversation's kept until that conversation is opened again."""
        queued, self.outbox = self.outbox, []
        by_conversation: dict[int, list[str]] = {}
        for outgoing in queued:
            by_conversation.setdefault(outgoing.conversation_id, []).append(outgoing.text)
        for conversation_id, texts in by_conversation.items():
            if self.conversation_id == conversation_id and self.editing is None:
                self._set_input(joined(*texts, self.input.value or ''))
                self.drafts.put(conversation_id, self.input.value or '')
            else:
                self.drafts.put(conversation_id, joined(*texts, self.drafts.get(conversation_id)))

    def _keep_draft(self) -> None:
        """The open conversation's input is its draft when typed here (not while it holds a message being edited;
        an input nobody touched here must not overwrite what another tab of the browser typed)."""
        if self.view is not None and self.view.id is not None and self.editing is None and self._typed_here:
            self.drafts.put(self.view.id, self.input.value or '')

    def _restore_draft(self) -> None:
        """After an edit: the input holds the open conversation's draft again."""
        self._set_input(self.drafts.get(self.view.id) if self.view is not None and self.view.id is not None else '')

    def _set_input(self, text: str) -> None:
        """Set the input's value from the server. After each such change NiceGUI also calls the browser's
        ``updateValue``, which reports the value back when the browser's copy of it did not change (clearing an
        input that was cleared before); that report can arrive after a later change (the text put back after a
        fast failure) and overwrite it on the server while the browser still shows the text. So "empty" alternates
        between ``''`` and ``None``: the browser's copy always changes, and nothing is reported back."""
        value: str | None = text
        if not text:
            value = None if self._shown == '' else ''
        self._shown = value
        self._typed_here = False
        self._setting = True
        try:
            self.input.value = value
        finally:
            self._setting = False

    async def send_file(self, event: events.UploadEventArguments) -> None:
        """Store an uploaded file as a message under the session guard. When that fails, for any reason, a notice
        says so; the upload then leaves nothing behind (no message, no file on disk)."""
        if self.view is None or self.view.id is None:
            return
        conversation_id = self.view.id
        try:
            await self.guard(self._store_file)(conversation_id, event)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')
        except Exception:
            log.exception('file of user %s to conversation %s not stored', self.user_id, conversation_id)
            ui.notify(t('upload_failed'), type='negative', position='top')

    async def _store_file(self, conversation_id: int, event: events.UploadEventArguments) -> None:
        await uploads.send_file(
            self.actor(),
            conversation_id=conversation_id,
            name=event.file.name,
            size=event.file.size(),
            save=event.file.save,
        )

    # ------------------------------------------------------------------ message actions

    async def open_menu(self, message_id: int) -> None:
        """A bubble's ``message-menu``: ask the server what this person may do with it now, and offer only that."""
        conversation_id = self.conversation_id
        if conversation_id is None:
            return
        try:
            choices = await message_actions.choices(
                self.actor(), conversation_id=conversation_id, message_id=message_id
            )
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='warning', position='top')
            return
        if self.conversation_id != conversation_id:
            return
        self.menu.open(
            choices,
            on_reply=lambda: self.start_reply(choices.message),
            on_edit=lambda: self.start_edit(choices.message),
            on_recall=self.guard(lambda: self.recall(choices.message)),
        )

    def start_reply(self, view: MessageView) -> None:
        self.editing = None
        self.replying = view
        self.banner.show(
            title=t('replying_to', name=view.sender_name),
            excerpt=self._excerpt(view),
            marker='reply-banner',
            cancel_marker='reply-cancel',
            on_cancel=self.cancel_reply,
            editing=False,
        )
        self.input.run_method('focus')

    def _excerpt(self, view: MessageView) -> str:
        if view.kind == 'image' and view.attachment is not None:
            return t('quote_picture', name=view.attachment.name)
        if view.kind == 'audio' and view.attachment is not None:
            return t('quote_audio', name=view.attachment.name)
        return excerpt_of(view.body or '')

    def start_edit(self, view: MessageView) -> None:
        """The message's text goes into the input; ``chat-send`` saves it, ``edit-cancel`` gives the input back."""
        self.replying = None
        self.editing = view
        self.banner.show(
            title=t('editing_message'),
            excerpt=excerpt_of(view.body or ''),
            marker='edit-banner',
            cancel_marker='edit-cancel',
            on_cancel=self.cancel_edit,
            editing=True,
        )
        self._set_input(view.body or '')
        self.input.run_method('focus')

    def cancel_reply(self) -> None:
        if self.replying is not None:
            self.replying = None
            self.banner.hide()

    def cancel_edit(self) -> None:
        if self.editing is not None:
            self.editing = None
            self.banner.hide()
            self._restore_draft()

    def end_compose_state(self) -> None:
        self.editing = self.replying = None
        self.banner.hide()
        self.menu.close()

    async def save_edit(self) -> None:
        """Save the edited text; a refusal (window passed, empty, too long, …) keeps the text and says why."""
        editing = self.editing
        if editing is None:
            return
        text = self.input.value or ''
        try:
            await message_actions.edit_message(self.actor(), message_id=editing.id, text=text)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')
            return
        if self.editing is editing:
            self.editing = None
            self.banner.hide()
            self._restore_draft()

    async def recall(self, view: MessageView) -> None:
        try:
            await message_actions.recall_message(self.actor(), message_id=view.id)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')

    def message_changed(self, view: MessageView) -> None:
        """An edit or recall of a message of the open conversation (here, in another tab, or by someone else)."""
        self.window.replace(view)
        if view.recalled and self.editing is not None and self.editing.id == view.id:
            self.cancel_edit()
        if view.recalled and self.replying is not None and self.replying.id == view.id:
            self.cancel_reply()

    async def go_to_quote(self, message_id: int) -> None:
        """Scroll to the quoted message and mark it; when it is older than what is shown, load the window around
        it first (``load-newer`` then leads back to the newest messages)."""
        conversation_id = self.conversation_id
        if conversation_id is None:
            return
        if message_id not in self.window.shown:
            generation = self._generation
            try:
                around = await global_search.load_around(
                    self.actor(), conversation_id=conversation_id, message_id=message_id
                )
            except ChatError as refusal:
                ui.notify(t(refusal.key, **refusal.params), type='warning', position='top')
                return
            if generation != self._generation:
                return
            self.close_search()
            self.window.show_around(
                around.messages, older=around.more_older, newer=around.more_newer, highlight=message_id
            )
        else:
            self.window.set_highlight(message_id)
        background_tasks.create(self._scroll_to(message_id), name='scroll to message')

    async def _scroll_to(self, message_id: int) -> None:
        """Go to the bubble's anchor (``#m<id>``, the browser scrolls its scroller there) once the rows are drawn."""
        await asyncio.sleep(0.3)
        if message_id in self.window.shown and not self.root.is_deleted:
            self.root.client.open(f'#m{message_id}')

    async def back_to_newest(self) -> None:
        if self.view is None or self.view.id is None:
            return
        generation = self._generation
        views = await messaging.load_window(self.actor(), conversation_id=self.view.id)
        if generation == self._generation:
            self._show_window(views)

    # ------------------------------------------------------------------ search and clearing

    async def run_search(self) -> None:
        if self.view is None or self.view.id is None:
            return
        keyword = (self.search_input.value or '').strip()
        try:
            result = await messaging.search(self.actor(), conversation_id=self.view.id, keyword=keyword)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='warning', position='top')
            return
        if result is None:
            self.close_search()
            return
        self.results.show(results_html(result, user_id=self.user_id, room=self.view.is_room))
        self.window.scroll.set_visibility(False)
        self.drop.upload.set_visibility(False)

    def close_search(self) -> None:
        if self.results.element is not None:
            self.results.hide()
            self.window.scroll.set_visibility(self.view is not None)
            self.drop.upload.set_visibility(self.view is not None)

    def ask_clear(self) -> None:
        if self.view is not None and self.view.id is not None:
            view = self.view
            self.confirm.ask(t('confirm_clear', name=view.title), self.guard(lambda: self._clear(view)))

    async def _clear(self, view: ConversationView) -> None:
        assert view.id is not None
        try:
            await messaging.clear_history(self.actor(), conversation_id=view.id)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')

    def history_cleared(self) -> None:
        """The open conversation was cleared (here or by someone else)."""
        self.close_search()
        self.window.clear()
        self.window.set_note(t('history_cleared'))
        ui.notify(t('history_cleared'), type='info', position='top')

    # ------------------------------------------------------------------ typing

    def _typed(self, event: Any) -> None:
        """The input changed: when the user typed (not a value set from here), tell the others, at most every
        ``TYPING_EVERY`` seconds (the server holds back anything more often too)."""
        value = event.value or ''
        if self.view is None or self.view.id is None:
            return
        if self.editing is None and not self._setting:
            self._typed_here = True
            self.drafts.note(self.view.id, value)
        if not value or value == self._shown:
            return
        now = time.monotonic()
        conversation_id = self.view.id
        last = self._typing_sent
        if last is not None and last[0] == conversation_id and now - last[1] < typing.TYPING_EVERY:
            return
        self._typing_sent = (conversation_id, now)
        background_tasks.create(self.guard(self._send_typing)(conversation_id), name='typing')

    async def _send_typing(self, conversation_id: int) -> None:
        with contextlib.suppress(ChatError):  # muted or no longer a member: nobody needs to know
            await typing.typing(self.actor(), conversation_id=conversation_id)

    def someone_typing(self, conversation_id: int, user_id: int, username: str) -> None:
        """Another member is typing in the open conversation: show it until ``TYPING_SHOWN`` s of silence."""
        if conversation_id != self.conversation_id or user_id == self.user_id:
            return
        old = self.typists.pop(user_id, None)
        if old is not None:
            old[1].cancel()
        slot = self.root
        handle = asyncio.get_running_loop().call_later(typing.TYPING_SHOWN, lambda: self._expire(slot, user_id))
        self.typists[user_id] = (username, handle)
        self._draw_typists()

    def _expire(self, slot: ui.element, user_id: int) -> None:
        if not slot.is_deleted:
            with slot:
                self.stop_typing(user_id)

    def stop_typing(self, user_id: int) -> None:
        entry = self.typists.pop(user_id, None)
        if entry is not None:
            entry[1].cancel()
            self._draw_typists()

    def clear_typists(self) -> None:
        for _, handle in self.typists.values():
            handle.cancel()
        self.typists.clear()
        self._draw_typists()

    def _draw_typists(self) -> None:
        names = sorted((name for name, _ in self.typists.values()), key=str.casefold)  # steady order
        if not names:
            self.typing_bar.hide()
            return
        if len(names) == 1:
            text = t('typing_one', name=names[0])
        elif len(names) == 2:
            text = t('typing_two', first=names[0], second=names[1])
        else:
            text = t('typing_many', names=', '.join(names[:-1]), last=names[-1])
        self.typing_bar.show(
            '<span class="chat-typing-dots"><i></i><i></i><i></i></span>'
            f'<span data-testid="typing-indicator">{esc(text)}</span>'
        )

    # ------------------------------------------------------------------ read receipts

    async def _refresh_marker(self, generation: int) -> None:
        """Ask how far the peer has read (direct conversations, receipts on for both) and mark it."""
        view = self.view
        if view is None or view.id is None or view.is_room or not self.receipts_on:
            self.window.set_read_up_to(None)
            return
        try:
            peer_read = await receipts.peer_read(self.actor(), conversation_id=view.id)
        except ChatError:
            return
        if generation == self._generation:
            self.window.set_read_up_to(peer_read, t('read_marker'))

    def receipt_moved(self, conversation_id: int, message_id: int) -> None:
        if conversation_id == self.conversation_id and self.receipts_on:
            self.window.set_read_up_to(message_id, t('read_marker'))

    async def set_receipts(self, enabled: bool) -> None:
        self.receipts_on = enabled
        await self._refresh_marker(self._generation)
