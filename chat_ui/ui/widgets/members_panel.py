"""The members panel of an open room: who is in it (role, online), adding by username, removing and promoting
(only the buttons this person may use), and the room's own actions: rename, delete, leave.

It exists only while it is open; the rows are data of one ``DataList``. Every action is checked again by the
server, whatever the browser sends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from nicegui import ui

from chat_ui.core.views import MemberView
from chat_ui.services.access import outranks
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.widgets.avatar import colour_index, initial
from chat_ui.ui.widgets.data_list import DataList

ROW_TEMPLATE = """
<div class="member-row" :data-testid="'member-' + props.row.name" :data-role="props.row.role"
     :data-online="props.row.on">
  <div :class="'chat-avatar av-' + props.row.c" :data-online="props.row.on"><img v-if="props.row.av"
       class="avatar-img" alt="" :src="'/avatars/' + props.row.av + '/small'"><template
       v-else>{{ props.row.i }}</template></div>
  <div class="member-name">{{ props.row.dn }}<span v-if="props.row.dn != props.row.name" class="member-login">
    @{{ props.row.name }}</span>
    <span v-if="props.row.rl" class="member-role">{{ props.row.rl }}</span></div>
  <q-btn v-if="props.row.p" flat dense round size="sm" :icon="props.row.role == 'admin' ? 'remove_moderator' : 'add_moderator'"
         :title="props.row.pt" :data-testid="'promote-' + props.row.name" :data-state="props.row.role == 'admin' ? 'on' : 'off'"
         @click.stop="$parent.$emit('promote', props.row.id)"></q-btn>
  <q-btn v-if="props.row.x" flat dense round size="sm" icon="person_remove" :title="props.row.xt"
         :data-testid="'remove-' + props.row.name" @click.stop="$parent.$emit('remove', props.row.id)"></q-btn>
</div>
"""


class MembersPanel:
    """Callbacks: ``on_add(username)``, ``on_remove(member)``, ``on_promote(member)``, ``on_rename()``,
    ``on_delete()``, ``on_leave()``, ``on_close()``; each may raise nothing (the page shows refusals)."""

    def __init__(
        self,
        parent: ui.element,
        *,
        me: int,
        on_add: Callable[[str], Any],
        on_remove: Callable[[MemberView], Any],
        on_promote: Callable[[MemberView], Any],
        on_rename: Callable[[], Any],
        on_delete: Callable[[], Any],
        on_leave: Callable[[], Any],
        on_close: Callable[[], Any],
    ) -> None:
        self.parent = parent
        self.me = me
        self._on_add = on_add
        self._on_remove = on_remove
        self._on_promote = on_promote
        self._on_rename = on_rename
        self._on_delete = on_delete
        self._on_leave = on_leave
        self._on_close = on_close
        self.root: ui.column | None = None
        self.conversation_id: int | None = None
        self.members: dict[int, MemberView] = {}
        self.error: ui.label | None = None

    @property
    def is_open(self) -> bool:
        return self.root is not None

    @property
    def my_role(self) -> str:
        mine = self.members.get(self.me)
        return mine.role if mine else 'member'

    def open(self, conversation_id: int, members: list[MemberView]) -> None:
        """Build the panel for this room (replacing any open one)."""
        self.close()
        self.conversation_id = conversation_id
        self.members = {m.user_id: m for m in members}
        manager = self.my_role in {'owner', 'admin'}
        with self.parent, ui.column().classes('members-panel gap-2 no-wrap') as self.root:
            with ui.row().classes('w-full items-center no-wrap px-3 pt-3'):
                self.heading = ui.label().classes('font-semibold flex-1')
                close = testid(ui.button(icon='close', on_click=self._on_close), 'members-close')
                close.props('flat round dense')
            if manager:
                with ui.row().classes('w-full items-center gap-2 no-wrap px-3'):
                    self.name_input = testid(ui.input(placeholder=t('add_member_placeholder')), 'add-member-input')
                    self.name_input.props('dense outlined rounded maxlength=64').classes('flex-1')
                    self.name_input.on('keydown.enter', self._add)
                    add = testid(ui.button(icon='person_add', on_click=self._add), 'add-member-submit')
                    add.props('round unelevated dense color=primary')
                    add.props['title'] = t('add_member')
            self.error = testid(ui.label(), 'member-error').classes('text-negative text-sm px-3')
            self.error.set_visibility(False)
            self.list = DataList('room-members', ROW_TEMPLATE, classes='members-table')
            self.list.on('remove', self._remove)
            self.list.on('promote', self._promote)
            with ui.column().classes('w-full gap-1 p-3 border-t border-gray-200'):
                if manager:
                    self._action('rename-room', 'edit', t('rename_room'), self._on_rename)
                if self.my_role == 'owner':
                    self._action('delete-room', 'delete_forever', t('delete_room'), self._on_delete, negative=True)
                self._action('leave-room', 'logout', t('leave_room'), self._on_leave, negative=True)
        self._render()

    def _action(self, name: str, icon: str, label: str, handler: Callable[[], Any], *, negative: bool = False) -> None:
        button = testid(ui.button(label, icon=icon, on_click=handler), name)
        button.props('flat no-caps align=left').classes('w-full')
        if negative:
            button.props('color=negative')

    def close(self) -> None:
        if self.root is not None:
            self.root.delete()
        self.root = None
        self.conversation_id = None
        self.error = None

    def show_error(self, text: str | None) -> None:
        if self.error is not None:
            self.error.set_text(text or '')
            self.error.set_visibility(bool(text))

    def clear_input(self) -> None:
        if self.is_open and hasattr(self, 'name_input'):
            self.name_input.value = ''

    def set_members(self, members: list[MemberView]) -> None:
        """Everyone again (after a change); rebuilds the panel if my own role changed what I may do."""
        if self.conversation_id is None:
            return
        old_role = self.my_role
        self.members = {m.user_id: m for m in members}
        if self.my_role != old_role:
            self.open(self.conversation_id, members)
        else:
            self._render()

    def set_online(self, user_id: int, online: bool) -> None:
        member = self.members.get(user_id)
        if member is not None and member.online != online:
            self.members[user_id] = replace(member, online=online)
            self._render()

    def rename_person(self, user_id: int, display: str, avatar: str = '') -> None:
        member = self.members.get(user_id)
        if member is not None and (member.shown_name, member.avatar) != (display, avatar):
            self.members[user_id] = replace(member, display_name=display, avatar=avatar)
            self._render()

    def _row(self, member: MemberView) -> dict[str, Any]:
        mine = self.my_role
        return {
            'id': member.user_id,
            'name': member.username,
            'role': member.role,
            'rl': t(f'role_{member.role}') if member.role != 'member' else '',
            'on': 'true' if member.online else 'false',
            'dn': member.shown_name,
            'av': member.avatar,
            'i': initial(member.shown_name),
            'c': colour_index(member.user_id),
            'p': mine == 'owner' and member.role != 'owner',
            'pt': t('demote_admin') if member.role == 'admin' else t('promote_admin'),
            'x': member.user_id != self.me and outranks(mine, member.role),
            'xt': t('remove_member'),
        }

    def _render(self) -> None:
        if self.root is None:
            return
        self.heading.set_text(t('room_members_count', count=len(self.members)))
        self.list.set_rows([self._row(m) for m in self.members.values()])

    async def _add(self) -> None:
        name = (self.name_input.value or '').strip()
        self.show_error(None)
        result = self._on_add(name)
        if result is not None:
            await result

    async def _remove(self, user_id: Any) -> None:
        member = self.members.get(user_id)
        if member is not None:
            result = self._on_remove(member)
            if result is not None:
                await result

    async def _promote(self, user_id: Any) -> None:
        member = self.members.get(user_id)
        if member is not None:
            result = self._on_promote(member)
            if result is not None:
                await result
