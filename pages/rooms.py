"""/rooms: the lobby: every public room with its member count and how many members are online, a filter by title,
one click to join (or to open a room you are in). Private rooms are reachable only by being added."""

from __future__ import annotations

from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import context, ui

from chat_ui.core.errors import ChatError
from chat_ui.core.views import RoomSummary
from chat_ui.services import accounts, conversations
from chat_ui.ui.chrome import SignedInChrome
from chat_ui.ui.guard import PageSession, forget_token
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.widgets.avatar import colour_index, initial
from chat_ui.ui.widgets.data_list import DataList
from chat_ui.ui.widgets.room_dialog import RoomDialog

ROW_TEMPLATE = """
<div class="lobby-row" :data-testid="'lobby-' + props.row.name" :data-members="props.row.m" :data-online="props.row.o">
  <div :class="'chat-avatar room-avatar av-' + props.row.c">{{ props.row.i }}</div>
  <div class="min-w-0 flex-1">
    <div class="contact-name">{{ props.row.name }}</div>
    <div class="text-xs text-gray-500">{{ props.row.s }}</div>
  </div>
  <q-btn :data-testid="'join-' + props.row.name" unelevated rounded no-caps dense size="md" class="px-4"
         :color="props.row.j ? 'grey-3' : 'primary'" :text-color="props.row.j ? 'grey-9' : 'white'"
         :label="props.row.b" @click.stop="$parent.$emit('join', props.row.id)"></q-btn>
</div>
"""


def register() -> None:
    @ui.page('/rooms')
    async def rooms_page() -> RedirectResponse | None:
        session = await PageSession.open(admin=False)
        if isinstance(session, RedirectResponse):
            return session
        await Lobby(session).build()
        return None


class Lobby:
    def __init__(self, session: PageSession) -> None:
        self.session = session
        self.rooms: dict[int, RoomSummary] = {}

    async def build(self) -> None:
        guard = self.session.guarded
        found = await conversations.lobby(self.session.info)
        chrome = await SignedInChrome.load(self.session)
        context.client.content.classes('p-0')
        with chrome.frame('lobby_title', on_logout=guard(self.logout)):
            with ui.column().classes('w-full max-w-3xl mx-auto p-4 md:p-6 gap-4') as self.body:
                with ui.row().classes('w-full items-center gap-2 no-wrap'):
                    back = ui.button(icon='arrow_back', on_click=lambda: ui.navigate.to('/'))
                    back.props('flat round dense')
                    back.props['title'] = t('back_to_chats')
                    ui.label(t('lobby_title')).classes('text-2xl font-semibold flex-1')
                    create = testid(
                        ui.button(t('new_room'), icon='group_add', on_click=guard(self.ask_new_room)), 'new-room'
                    )
                    create.props('unelevated rounded no-caps color=primary')
                with ui.card().classes('w-full rounded-2xl p-3 gap-2'):
                    search = testid(ui.input(placeholder=t('lobby_search')), 'lobby-search').classes('w-full')
                    search.props('dense outlined rounded clearable debounce=250 maxlength=64')
                    search.on_value_change(guard(lambda e: self.refresh(e.value or '')))
                    self.list = DataList('room-directory', ROW_TEMPLATE, classes='lobby-table')
                    self.list.on('join', guard(self.join))
                    self.note = ui.label().classes('w-full text-center text-gray-400 text-sm py-6')
        self.dialog = RoomDialog(self.body)
        self.show(found)

    def show(self, rooms: list[RoomSummary]) -> None:
        self.rooms = {room.conversation_id: room for room in rooms}
        self.list.set_rows([self._row(room) for room in rooms])
        self.note.set_text(t('lobby_empty'))
        self.note.set_visibility(not rooms)

    def _row(self, room: RoomSummary) -> dict[str, Any]:
        return {
            'id': room.conversation_id,
            'name': room.title,
            'i': initial(room.title),
            'c': colour_index(room.conversation_id),
            'm': room.members,
            'o': room.online,
            's': t('lobby_counts', members=room.members, online=room.online),
            'j': room.joined,
            'b': t('open_room') if room.joined else t('join_room'),
        }

    async def refresh(self, title_filter: str) -> None:
        self.show(await conversations.lobby(self.session.info, title_filter=title_filter))

    async def join(self, conversation_id: Any) -> None:
        room = self.rooms.get(conversation_id)
        if room is None:
            return
        try:
            view = await conversations.join(self.session.info, conversation_id=room.conversation_id)
        except ChatError as refusal:
            ui.notify(t(refusal.key, **refusal.params), type='negative', position='top')
            return
        ui.navigate.to(f'/?c={view.id}')

    def ask_new_room(self) -> None:
        async def create(title: str, private: bool) -> None:
            view = await conversations.create_room(self.session.info, title=title, private=private)
            ui.navigate.to(f'/?c={view.id}')

        self.dialog.ask(heading=t('new_room'), button=t('room_create'), on_submit=create)

    async def logout(self) -> None:
        await accounts.logout(self.session.token)
        forget_token()
        ui.navigate.to('/login?notice=logout')
