"""/: the chat page: the sidebar on the left, the open conversation on the right (one at a time on phones), and the
members panel of an open room. ``/?c=<conversation id>`` reopens a conversation; the wave-1 ``/?chat=<user id>``
redirects to the direct conversation with that person."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import app, context, ui

from chat_ui.core.errors import ChatError
from chat_ui.core.views import DIRECT, ROOM, ConversationView, GlobalSearchResult, MemberView, SessionInfo
from chat_ui.live.events import (
    BusResumed,
    ContactChanged,
    HistoryCleared,
    LiveEvent,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageEdited,
    MessageRecalled,
    MuteChanged,
    PresenceChanged,
    ProfileChanged,
    ReadMarked,
    ReceiptMoved,
    ReceiptsChanged,
    RoleChanged,
    RoomDeleted,
    RoomRenamed,
    SessionEnded,
    TypingStarted,
)
from chat_ui.live.hub import EVERYONE, presence_topic
from chat_ui.live.presence import presence
from chat_ui.services import accounts, conversations, global_search
from chat_ui.services.read_marks import read_marks
from chat_ui.ui.chrome import SignedInChrome
from chat_ui.ui.drafts import drafts_of
from chat_ui.ui.guard import PageSession, browser_id, forget_token
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.widgets.confirm_dialog import ConfirmDialog
from chat_ui.ui.widgets.conversation_pane import ConversationPane
from chat_ui.ui.widgets.global_search import GlobalSearch
from chat_ui.ui.widgets.members_panel import MembersPanel
from chat_ui.ui.widgets.room_dialog import RoomDialog
from chat_ui.ui.widgets.sidebar import Sidebar

LIST_CLASSES = 'gap-0 no-wrap w-full md:w-80 md:min-w-[20rem] h-full bg-white border-r border-gray-200'
PANE_CLASSES = 'flex-1 h-full min-w-0'
TITLE_COUNT_MAX = 1000  # the tab title says "(999+)" from here on (each conversation's count stops at 1,000)


def register() -> None:
    @ui.page('/')
    async def chat_page(c: int | None = None, chat: int | None = None) -> RedirectResponse | None:
        session = await PageSession.open(admin=False)
        if isinstance(session, RedirectResponse):
            return session
        if chat is not None and c is None:
            try:
                view = await conversations.open_direct(session.info, peer_id=chat)
            except ChatError:
                return RedirectResponse('/')
            return RedirectResponse(f'/?c={view.id}')
        await ChatPage(session).build(open_id=c)
        return None


class ChatPage:
    """One signed-in chat page: builds the widgets, routes live events to them, owns the service calls they ask
    for and follows exactly the presence of the people it shows."""

    def __init__(self, session: PageSession) -> None:
        self.session = session
        self.me = session.info.user_id
        self.client = context.client
        self.watched: set[int] = set()
        self.read_reported: dict[int, int] = {}
        self.connections = 0
        self.title_total: int | None = None
        self.pending_read: tuple[int, int] | None = None

    def actor(self) -> SessionInfo:
        return self.session.info

    async def build(self, *, open_id: int | None) -> None:
        presence.attach(
            self.client, user_id=self.me, session_id=self.session.info.session_id, live=lambda: not self.session.ended
        )
        views = await conversations.sidebar(self.actor(), limit=conversations.SIDEBAR_SHOWN)
        self.receipts_on = await accounts.read_receipts(self.actor())
        chrome = await SignedInChrome.load(self.session)
        guard = self.session.guarded
        self.client.content.classes('p-0 gap-0')
        with chrome.frame('app_name', on_logout=guard(self.logout), header_tools=self.build_global_search):
            with ui.row().classes('w-full h-[calc(100dvh-3.5rem)] gap-0 no-wrap relative') as self.body:
                with ui.column().classes(LIST_CLASSES) as self.list_column:
                    with ui.row().classes('w-full items-center gap-1 px-3 pt-3 no-wrap'):
                        ui.label(t('chats')).classes('text-lg font-semibold flex-1')
                        rooms = testid(
                            ui.button(icon='travel_explore', on_click=lambda: ui.navigate.to('/rooms')), 'goto-rooms'
                        )
                        rooms.props('flat round dense').classes('text-gray-600')
                        rooms.props['title'] = t('goto_rooms')
                        new_room = testid(ui.button(icon='group_add', on_click=guard(self.ask_new_room)), 'new-room')
                        new_room.props('flat round dense').classes('text-gray-600')
                        new_room.props['title'] = t('new_room')
                    self.sidebar = Sidebar(
                        views,
                        on_open=guard(self.open),
                        search=self.session.guarded_query(self.search_sidebar, refused=[]),
                        on_change=self.sidebar_changed,
                        limit=conversations.SIDEBAR_SHOWN,
                    )
                drafts = drafts_of(browser_id(self.client.request), app.storage.user)
                self.client.on_disconnect(drafts.save)  # a reload or a closed tab keeps what was just typed
                self.pane = ConversationPane(
                    actor=self.actor,
                    guard=guard,
                    on_back=guard(self.go_back),
                    on_members=self.open_members,
                    on_read=self.read_up_to,
                    drafts=drafts,
                )
                self.pane.root.classes(PANE_CLASSES)
                self.pane.receipts_on = self.receipts_on
                self.members = MembersPanel(
                    self.body,
                    me=self.me,
                    on_add=guard(self.add_member),
                    on_remove=guard(self.remove_member),
                    on_promote=guard(self.toggle_admin),
                    on_rename=guard(self.ask_rename),
                    on_delete=guard(self.ask_delete),
                    on_leave=guard(self.ask_leave),
                    on_close=self.close_members,
                )
        self.confirm = ConfirmDialog(self.body)
        self.room_dialog = RoomDialog(self.body)
        self.show_pane(False)
        self.pane.set_muted(self.session.info.is_muted)
        self.session.listen(self.on_event)
        self.session.follow(EVERYONE)
        self.sidebar_changed()
        self.client.on_connect(self.on_connect)
        if open_id is not None:
            await self.open_by_id(open_id)

    # ------------------------------------------------------------------ header: search everywhere, settings

    def build_global_search(self) -> None:
        self.global_search = GlobalSearch(
            self.client.content,
            search=self.session.guarded_query(self.search_everywhere, refused=None),
            on_open=self.session.guarded(self.open_at),
        )

    async def search_everywhere(self, keyword: str) -> GlobalSearchResult | None:
        return await global_search.search_everywhere(self.actor(), keyword=keyword)

    async def open_at(self, conversation_id: int, message_id: int) -> None:
        """Open a conversation at one message (a search result), with the messages around it."""
        await self.open_by_id(conversation_id, at=message_id)

    # ------------------------------------------------------------------ layout

    def show_pane(self, pane_visible: bool) -> None:
        """On phones only one column shows at a time."""
        self.list_column.classes(
            add='max-md:hidden' if pane_visible else None, remove=None if pane_visible else 'max-md:hidden'
        )
        self.pane.root.classes(
            add=None if pane_visible else 'max-md:hidden', remove='max-md:hidden' if pane_visible else None
        )

    def go_back(self) -> None:
        ui.navigate.history.replace('/')
        self.sidebar.set_active(None)
        self.close_members()
        self.pane.close()
        self.show_pane(False)

    def sidebar_changed(self) -> None:
        total = self.sidebar.total_unread
        if total != self.title_total:  # the tab title shows the unread total, e.g. "(3) NiceChat"
            self.title_total = total
            shown = total if total < TITLE_COUNT_MAX else f'{TITLE_COUNT_MAX - 1}+'
            ui.page_title(f'({shown}) {t("app_name")}' if total else t('app_name'))
        self.follow_presence()

    def follow_presence(self) -> None:
        """Subscribe to the presence of exactly the people this page shows (sidebar, open chat, members panel)."""
        wanted = self.sidebar.peer_ids() | set(self.members.members if self.members.is_open else ())
        wanted.discard(self.me)
        for user_id in wanted - self.watched:
            self.session.follow(presence_topic(user_id))
        for user_id in self.watched - wanted:
            self.session.unfollow(presence_topic(user_id))
        self.watched = wanted

    def notify(self, refusal: ChatError) -> None:
        ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')

    # ------------------------------------------------------------------ opening conversations

    async def search_sidebar(self, text: str) -> list[ConversationView]:
        return await conversations.sidebar(self.actor(), name_filter=text, limit=conversations.SIDEBAR_SHOWN)

    async def open(self, view: ConversationView, *, at: int | None = None) -> None:
        if view.id is None:
            try:
                view = await conversations.open_direct(self.actor(), peer_id=view.peer_id or 0)
            except ChatError as refusal:
                self.notify(refusal)
                return
            self.sidebar.upsert(view)
        self.close_members()
        self.sidebar.set_active(view.key)
        self.show_pane(True)
        ui.navigate.history.replace(f'/?c={view.id}')
        await self.pane.open(view, at=at)

    async def open_by_id(self, conversation_id: int, *, at: int | None = None) -> None:
        view = self.sidebar.by_conversation(conversation_id)
        if view is None:
            try:
                view = await conversations.conversation(self.actor(), conversation_id=conversation_id)
            except ChatError:
                ui.navigate.history.replace('/')
                return
            self.sidebar.upsert(view, top=True)
        await self.open(view, at=at)

    def read_up_to(self, conversation_id: int, message_id: int) -> None:
        """The open conversation is seen up to ``message_id``: clear its count here and tell the server (once).

        A page whose browser is not connected reads nothing: before its first connection (a conversation opened
        while the page is built) the mark waits for it; after a disconnect (closed, navigated away, within NiceGUI's
        reconnect window) it is dropped."""
        if not self.client.has_socket_connection:
            if self.connections == 0:
                self.pending_read = (conversation_id, message_id)
            return
        row = self.sidebar.by_conversation(conversation_id)
        if row is not None and (row.unread or row.mentions):
            self.sidebar.update(row.key, unread=0, mentions=0)
        if self.read_reported.get(conversation_id, 0) >= message_id or self.session.ended:
            return
        self.read_reported[conversation_id] = message_id
        read_marks.note(self.actor(), conversation_id=conversation_id, message_id=message_id)

    async def logout(self) -> None:
        forget_token()
        await accounts.logout(self.session.token)
        self.session.leave('logout')

    # ------------------------------------------------------------------ rooms

    def ask_new_room(self) -> None:
        async def create(title: str, private: bool) -> None:
            view = await conversations.create_room(self.actor(), title=title, private=private)
            self.sidebar.upsert(view, top=True)
            await self.open(view)

        self.room_dialog.ask(heading=t('new_room'), button=t('room_create'), on_submit=create)

    async def open_members(self) -> None:
        view = self.pane.view
        if view is None or view.id is None or not view.is_room:
            return
        if self.members.is_open:
            self.close_members()
            return
        try:
            members = await conversations.members(self.actor(), conversation_id=view.id)
        except ChatError as refusal:
            self.notify(refusal)
            return
        self.members.open(view.id, members)
        self.follow_presence()

    def close_members(self) -> None:
        self.members.close()
        self.follow_presence()

    async def reload_members(self, conversation_id: int) -> None:
        if self.members.conversation_id != conversation_id:
            return
        try:
            members = await conversations.members(self.actor(), conversation_id=conversation_id)
        except ChatError:
            self.close_members()
            return
        if self.members.conversation_id == conversation_id:
            self.members.set_members(members)
            self.follow_presence()

    async def add_member(self, username: str) -> None:
        conversation_id = self.members.conversation_id
        if conversation_id is None:
            return
        try:
            await conversations.add_member(self.actor(), conversation_id=conversation_id, username=username)
        except ChatError as refusal:
            self.members.show_error(t(refusal.key, **refusal.params))
            return
        self.members.clear_input()

    async def remove_member(self, member: MemberView) -> None:
        conversation_id = self.members.conversation_id
        if conversation_id is not None:
            try:
                await conversations.remove_member(self.actor(), conversation_id=conversation_id, user_id=member.user_id)
            except ChatError as refusal:
                self.members.show_error(t(refusal.key, **refusal.params))

    async def toggle_admin(self, member: MemberView) -> None:
        conversation_id = self.members.conversation_id
        if conversation_id is not None:
            try:
                await conversations.set_admin(
                    self.actor(), conversation_id=conversation_id, user_id=member.user_id, admin=member.role != 'admin'
                )
            except ChatError as refusal:
                self.members.show_error(t(refusal.key, **refusal.params))

    def ask_rename(self) -> None:
        view = self.pane.view
        if view is None or view.id is None:
            return
        conversation_id = view.id

        async def rename(title: str, _private: bool) -> None:
            await conversations.rename(self.actor(), conversation_id=conversation_id, title=title)

        self.room_dialog.ask(
            heading=t('rename_room'), button=t('rename'), on_submit=rename, title=view.title, with_privacy=False
        )

    def ask_delete(self) -> None:
        view = self.pane.view
        if view is not None and view.id is not None:
            conversation_id = view.id
            self.confirm.ask(
                t('confirm_delete_room', title=view.title),
                self.session.guarded(
                    lambda: self._refusal_safe(conversations.delete_room(self.actor(), conversation_id=conversation_id))
                ),
                ok=t('delete_room'),
            )

    def ask_leave(self) -> None:
        view = self.pane.view
        if view is not None and view.id is not None:
            conversation_id = view.id
            self.confirm.ask(
                t('confirm_leave_room', title=view.title),
                self.session.guarded(
                    lambda: self._refusal_safe(conversations.leave(self.actor(), conversation_id=conversation_id))
                ),
                ok=t('leave_room'),
            )

    async def _refusal_safe(self, call: Any) -> None:
        try:
            await call
        except ChatError as refusal:
            self.notify(refusal)

    def leave_conversation(self, key: str, conversation_id: int, notice: str) -> None:
        """A conversation is gone for this user: its row leaves the sidebar, an open pane closes with a notice."""
        self.sidebar.remove(key)
        if self.pane.conversation_id == conversation_id:
            self.go_back()
            ui.notify(notice, type='warning', position='top')

    # ------------------------------------------------------------------ live events

    async def on_connect(self) -> None:
        self.connections += 1
        if self.pending_read is not None:
            pending, self.pending_read = self.pending_read, None
            self.read_up_to(*pending)
        if self.connections > 1:  # a reconnect: catch up from the database
            await self.catch_up()

    async def catch_up(self) -> None:
        """Events may have been lost (a reconnect, a gap in the link between processes): reload from the database,
        after asking it about the session too (its end may have been among the lost events)."""
        if await self.session.check(fresh=True):
            await self.pane.resync()
            if not self.sidebar.filtering:
                self.sidebar.show(await conversations.sidebar(self.actor(), limit=conversations.SIDEBAR_SHOWN))

    def on_event(self, event: LiveEvent) -> Any:
        match event:
            case MessageCreated(message=message):
                return self.message_created(message.conversation_id, message)
            case MessageEdited(message=message) | MessageRecalled(message=message):
                if self.pane.conversation_id == message.conversation_id:
                    self.pane.message_changed(message)
            case ReadMarked(conversation_id=conversation_id, message_id=message_id):
                row = self.sidebar.by_conversation(conversation_id)
                if row is None:
                    pass
                elif message_id >= row.last_message_id or self.pane.conversation_id == conversation_id:
                    self.sidebar.update(row.key, unread=0, mentions=0)  # the open pane reads everything it shows
                else:  # another tab read part of it: count again
                    return self.refresh_row(conversation_id)
            case HistoryCleared(conversation_id=conversation_id):
                if self.pane.conversation_id == conversation_id:
                    self.pane.history_cleared()
                row = self.sidebar.by_conversation(conversation_id)
                if row is not None:
                    self.sidebar.update(row.key, unread=0, mentions=0)
            case MemberJoined(conversation_id=conversation_id, user_id=user_id) if user_id == self.me:
                view = ConversationView(
                    id=conversation_id, kind=ROOM, title=event.title, visibility=event.visibility, role=event.role
                )
                if self.sidebar.by_conversation(conversation_id) is None:
                    self.sidebar.upsert(view, top=True)
            case MemberJoined(conversation_id=conversation_id) | RoleChanged(conversation_id=conversation_id):
                if isinstance(event, RoleChanged) and event.user_id == self.me and self.pane.view is not None:
                    self.pane.show_header(replace(self.pane.view, role=event.role))
                return self.reload_members(conversation_id)
            case MemberLeft(conversation_id=conversation_id, user_id=user_id) if user_id == self.me:
                removed = event.by_user_id is not None and event.by_user_id != self.me
                notice = t('room_removed', title=event.title) if removed else t('room_left', title=event.title)
                self.leave_conversation(f'r{conversation_id}', conversation_id, notice)
            case MemberLeft(conversation_id=conversation_id):
                return self.reload_members(conversation_id)
            case RoomRenamed(conversation_id=conversation_id, title=title):
                self.sidebar.update(f'r{conversation_id}', title=title)
                if self.pane.view is not None and self.pane.conversation_id == conversation_id:
                    self.pane.show_header(replace(self.pane.view, title=title))
            case RoomDeleted(conversation_id=conversation_id, title=title):
                self.leave_conversation(f'r{conversation_id}', conversation_id, t('room_deleted', title=title))
            case PresenceChanged(user_id=user_id, online=online):
                self.sidebar.set_online(user_id, online)
                self.members.set_online(user_id, online)
                shown = self.pane.view
                if shown is not None and shown.kind == DIRECT and shown.peer_id == user_id:
                    self.pane.show_header(replace(shown, online=online))
            case ContactChanged(user_id=user_id) if user_id != self.me:
                self.contact_changed(event)
            case MuteChanged(muted=muted):
                self.pane.set_muted(muted)
            case TypingStarted(conversation_id=conversation_id, user_id=user_id, username=username):
                self.pane.someone_typing(conversation_id, user_id, username)
            case ReceiptMoved(conversation_id=conversation_id, message_id=message_id):
                self.pane.receipt_moved(conversation_id, message_id)
            case ReceiptsChanged(user_id=user_id, enabled=enabled):
                if user_id == self.me:
                    self.receipts_on = enabled
                return self.pane.set_receipts(self.receipts_on)
            case ProfileChanged(user_id=user_id, display_name=display_name, username=username, avatar=avatar):
                self.person_renamed(user_id, display_name or username, avatar)
            case BusResumed():
                return self.catch_up()
            case SessionEnded() | ContactChanged():
                pass
        return None

    def message_created(self, conversation_id: int, message: Any) -> Awaitable[None] | None:
        """A new message: shown at once (no task per page and message); only a conversation this page does not list
        yet is fetched, and that is returned to be awaited."""
        is_open = self.pane.conversation_id == conversation_id
        if is_open:
            self.pane.receive(message)
        row = self.sidebar.by_conversation(conversation_id)
        if row is None:
            return self.refresh_row(conversation_id, top=True)
        unread = not is_open and message.sender_id != self.me
        mentioned = unread and self.me in (message.mentions or [])[2::3]
        mentions = row.mentions + (1 if mentioned else 0)
        self.sidebar.note_message(row.key, unread=unread, last_message_id=message.id, mentions=mentions)
        return None

    async def refresh_row(self, conversation_id: int, *, top: bool = False) -> None:
        """Fetch one conversation's row again (its unread count from the server, or a newcomer to the window)."""
        try:
            view = await conversations.conversation(self.actor(), conversation_id=conversation_id)
        except ChatError:
            return
        if not self.session.ended:
            self.sidebar.upsert(view, top=top)

    def person_renamed(self, user_id: int, shown: str, avatar: str) -> None:
        """Someone's profile changed: every place of this page that shows them shows the new name and picture."""
        self.sidebar.rename_person(user_id, shown, avatar)
        self.members.rename_person(user_id, shown, avatar)
        self.pane.rename_person(user_id, shown, avatar)

    def contact_changed(self, event: ContactChanged) -> None:
        key = f'u{event.user_id}'
        if event.visible:
            if key not in self.sidebar.rows:
                self.sidebar.upsert(
                    ConversationView(
                        id=None,
                        kind=DIRECT,
                        title=event.username,
                        login=event.username,
                        peer_id=event.user_id,
                        online=presence.is_online(event.user_id),
                    ),
                    top=True,
                )
            return
        self.sidebar.remove(key)
        view = self.pane.view
        if view is not None and view.kind == DIRECT and view.peer_id == event.user_id:
            self.go_back()
            ui.notify(t('contact_left', name=event.username), type='warning', position='top')
