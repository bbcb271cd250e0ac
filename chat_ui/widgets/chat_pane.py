"""The chat pane: header, search, a window of messages (older on demand) and the composer.

Live messages are appended one bubble at a time; the history is never rebuilt for a new message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import events, ui

from .. import messaging, uploads
from ..errors import ChatError
from ..hub import MessageView
from ..i18n import t
from ..messaging import ContactView
from ..testid import testid
from .avatar import avatar
from .confirm_dialog import ConfirmDialog
from .file_picker import FilePicker
from .message_bubble import message_bubble

Guard = Callable[[Callable[..., Any]], Callable[..., Awaitable[None]]]


class ChatPane:
    def __init__(self, *, user_id: int, guard: Guard, on_back: Callable[[], Any]) -> None:
        self.user_id = user_id
        self.guard = guard
        self._send_guarded = guard(self._send_text)
        self.peer: ContactView | None = None
        self.shown: set[int] = set()
        self.oldest_id: int | None = None
        self.newest_id = 0
        self._generation = 0
        self.confirm = ConfirmDialog()
        with ui.column().classes('h-full gap-0 no-wrap bg-[#e7ebf0] relative') as self.root:
            with ui.column().classes(
                'w-full h-full items-center justify-center gap-3 text-gray-500'
            ) as self.placeholder:
                ui.icon('forum').classes('text-7xl text-gray-300')
                ui.label(t('chat_placeholder')).classes('bg-black/10 text-gray-700 rounded-full px-4 py-1 text-sm')
            with ui.column().classes('w-full h-full gap-0 no-wrap') as self.active:
                self._build_header(guard, on_back)
                with ui.scroll_area().classes('w-full flex-1') as self.scroll:
                    with ui.row().classes('w-full justify-center py-2') as self.older_row:
                        testid(
                            ui.button(t('load_older'), icon='history', on_click=guard(self.load_older)), 'load-older'
                        ).props('flat no-caps rounded dense size=sm').classes('bg-white/70 text-gray-700 px-3')
                    self.list = testid(ui.column(), 'message-list').classes('w-full gap-1.5 pb-2')
                    with ui.row().classes('w-full justify-center py-4') as self.cleared_note:
                        ui.label(t('history_cleared')).classes(
                            'bg-black/10 text-gray-700 rounded-full px-4 py-1 text-sm'
                        )
                    self.cleared_note.set_visibility(False)
                    self.empty_note = ui.label(t('no_messages_yet')).classes(
                        'w-full text-center text-gray-500 text-sm py-6'
                    )
                with ui.scroll_area().classes('w-full flex-1') as self.results_area:
                    self.results = ui.column().classes('w-full gap-1.5 py-2')
                self.results_area.set_visibility(False)
                self._build_composer(guard)
        self.active.set_visibility(False)

    def _build_header(self, guard: Guard, on_back: Callable[[], Any]) -> None:
        with ui.row().classes('w-full items-center gap-2 px-3 py-2 bg-white border-b border-gray-200 no-wrap'):
            ui.button(icon='arrow_back', on_click=on_back).props('flat round dense').classes('md:hidden')
            self.avatar_slot = ui.element('div')
            with ui.column().classes('gap-0 flex-1 min-w-0'):
                self.peer_label = testid(ui.label(), 'chat-peer').classes('font-semibold truncate')
                self.peer_status = ui.label().classes('text-xs text-gray-500')
            self.search_input = testid(ui.input(placeholder=t('search_placeholder')), 'search-input')
            self.search_input.props('dense outlined rounded clearable maxlength=100').classes('w-36 sm:w-56 md:w-72')
            self.search_input.on('keydown.enter', guard(self.run_search))
            self.search_input.on_value_change(lambda e: None if e.value else self.close_search())
            testid(ui.button(icon='search', on_click=guard(self.run_search)), 'search-submit').props(
                'flat round dense'
            ).classes('text-gray-600')
            testid(
                ui.button(icon='delete_sweep', on_click=guard(self.ask_clear)).props('flat round dense'),
                'clear-history',
            ).tooltip(t('clear_history')).classes('text-gray-600')
        with ui.row().classes(
            'w-full px-4 py-1.5 bg-amber-50 border-b border-amber-100 text-sm no-wrap'
        ) as self.search_bar:
            ui.icon('manage_search').classes('text-amber-700 text-lg')
            self.search_count = testid(ui.label(), 'search-count').classes('text-gray-700')
            self.search_empty = testid(ui.label(), 'search-empty').classes('text-gray-700')
        self.search_bar.set_visibility(False)

    def _build_composer(self, guard: Guard) -> None:
        with ui.row().classes(
            'w-full px-4 py-2 bg-orange-50 border-t border-orange-200 text-sm no-wrap'
        ) as self.muted_bar:
            ui.icon('volume_off').classes('text-orange-700 text-lg')
            testid(ui.label(t('muted_banner')), 'muted-banner').classes('text-orange-900')
        self.muted_bar.set_visibility(False)
        with ui.row().classes('w-full items-end gap-2 px-3 py-2 bg-white border-t border-gray-200 no-wrap'):
            with ui.row().classes('gap-0 no-wrap items-end'):
                FilePicker(on_file=guard(self.send_file))
            self.input = testid(ui.textarea(placeholder=t('type_message')), 'chat-input')
            self.input.props('autogrow dense outlined rounded rows=1').classes('flex-1').style('max-height: 40vh')
            self.input.on('keydown.enter.exact.prevent', self.send)
            testid(ui.button(icon='send', on_click=self.send), 'chat-send').props('round unelevated color=primary')

    async def open(self, contact: ContactView) -> None:
        """Show the conversation with ``contact``: its newest window of messages."""
        self._generation += 1
        generation = self._generation
        self.peer = contact
        self.peer_label.set_text(contact.username)
        self.set_peer_online(contact.online)
        self.avatar_slot.clear()
        with self.avatar_slot:
            avatar(contact.username, contact.user_id)
        self.placeholder.set_visibility(False)
        self.active.set_visibility(True)
        self.search_input.value = ''
        self.close_search()
        self._reset_list()
        views = await messaging.load_window(user_id=self.user_id, peer_id=contact.user_id)
        if generation != self._generation:
            return
        self._show_window(views)
        self.scroll.scroll_to(percent=1.0, duration=0)

    def set_muted(self, muted: bool) -> None:
        """Show (or hide) that the admin has muted this user; sending is refused by the server either way."""
        self.muted_bar.set_visibility(muted)

    def close(self) -> None:
        self.peer = None
        self.active.set_visibility(False)
        self.placeholder.set_visibility(True)

    def set_peer_online(self, online: bool) -> None:
        self.peer_status.set_text(t('online') if online else t('offline'))

    def _reset_list(self) -> None:
        self.list.clear()
        self.shown.clear()
        self.oldest_id = None
        self.newest_id = 0
        self.cleared_note.set_visibility(False)
        self.older_row.set_visibility(False)
        self.empty_note.set_visibility(False)

    def _show_window(self, views: list[MessageView]) -> None:
        with self.list:
            for view in views:
                self._add_bubble(view)
        self.older_row.set_visibility(len(views) >= messaging.WINDOW)
        self.empty_note.set_visibility(not views)

    def _add_bubble(self, view: MessageView) -> ui.element:
        self.shown.add(view.id)
        self.oldest_id = view.id if self.oldest_id is None else min(self.oldest_id, view.id)
        self.newest_id = max(self.newest_id, view.id)
        return message_bubble(view, mine=view.sender_id == self.user_id)

    async def load_older(self) -> None:
        if self.peer is None or self.oldest_id is None:
            return
        generation = self._generation
        views = await messaging.load_window(user_id=self.user_id, peer_id=self.peer.user_id, before_id=self.oldest_id)
        if generation != self._generation:
            return
        with self.list:
            for index, view in enumerate(v for v in views if v.id not in self.shown):
                self._add_bubble(view).move(self.list, target_index=index)
        self.older_row.set_visibility(len(views) >= messaging.WINDOW)

    def receive(self, view: MessageView) -> None:
        """A new message of the open conversation (sent here, in another tab, or by the peer)."""
        if view.id in self.shown:
            return
        self.cleared_note.set_visibility(False)
        self.empty_note.set_visibility(False)
        with self.list:
            self._add_bubble(view)
        self.scroll.scroll_to(percent=1.0, duration=0.2)

    async def resync(self) -> None:
        """After a reconnect, redraw the open conversation from the database: the browser may have missed updates
        that were sent while its connection was dying, and this shows every message exactly once."""
        if self.peer is None:
            return
        self._generation += 1
        generation = self._generation
        views = await messaging.load_window(user_id=self.user_id, peer_id=self.peer.user_id)
        if generation != self._generation:
            return
        self._reset_list()
        self._show_window(views)
        self.scroll.scroll_to(percent=1.0, duration=0)

    async def send(self) -> None:
        """Take the typed text at once (before any await, so a quick second send cannot read it again or lose
        it), then send it under the session guard."""
        if self.peer is None:
            return
        text = self.input.value or ''
        self.input.value = ''
        await self._send_guarded(self.peer.user_id, text)

    async def _send_text(self, peer_id: int, text: str) -> None:
        try:
            await messaging.send_text(sender_id=self.user_id, peer_id=peer_id, text=text)
        except ChatError as refusal:
            if not self.input.value:
                self.input.value = text
            ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')

    async def send_file(self, event: events.UploadEventArguments) -> None:
        if self.peer is None:
            return
        try:
            await uploads.send_file(
                sender_id=self.user_id,
                peer_id=self.peer.user_id,
                name=event.file.name,
                size=event.file.size(),
                save=event.file.save,
            )
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')

    async def run_search(self) -> None:
        if self.peer is None:
            return
        keyword = (self.search_input.value or '').strip()
        try:
            result = await messaging.search(user_id=self.user_id, peer_id=self.peer.user_id, keyword=keyword)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='warning', position='top')
            return
        if result is None:
            self.close_search()
            return
        self.results.clear()
        with self.results:
            for view in result.messages:
                message_bubble(view, mine=view.sender_id == self.user_id, keyword=result.keyword)
        self.search_count.set_text(t('search_count', count=result.count, keyword=result.keyword))
        self.search_empty.set_text(t('search_empty', keyword=result.keyword))
        self.search_count.set_visibility(result.count > 0)
        self.search_empty.set_visibility(result.count == 0)
        self.search_bar.set_visibility(True)
        self.scroll.set_visibility(False)
        self.results_area.set_visibility(True)

    def close_search(self) -> None:
        self.search_bar.set_visibility(False)
        self.results_area.set_visibility(False)
        self.results.clear()
        self.scroll.set_visibility(True)

    def ask_clear(self) -> None:
        if self.peer is not None:
            peer = self.peer
            self.confirm.ask(t('confirm_clear', name=peer.username), self.guard(lambda: self._clear(peer)))

    async def _clear(self, peer: ContactView) -> None:
        try:
            await messaging.clear_history(user_id=self.user_id, peer_id=peer.user_id)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')

    def history_cleared(self) -> None:
        """The open conversation was cleared (here or by the peer)."""
        self.close_search()
        self._reset_list()
        self.cleared_note.set_visibility(True)
        ui.notify(t('history_cleared'), type='info', position='top')
