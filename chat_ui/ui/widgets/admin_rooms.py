"""The admin's rooms table: title, owner, members, messages, created; filter and pages answered by the database;
view the records, rename or delete any room."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from nicegui import ui

from chat_ui.services.moderation import RoomRow, RoomsPage
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.timefmt import short_time
from chat_ui.ui.widgets.paged import Paged

GRID = 'w-full grid grid-cols-[minmax(0,1fr)_8rem_5rem_5rem_7rem_15rem] items-center gap-2 px-3'
Handler = Callable[[RoomRow], Awaitable[None]]


class RoomsTable(Paged):
    def __init__(
        self,
        *,
        load: Callable[[str, int], Awaitable[RoomsPage | None]],
        on_view: Handler,
        on_rename: Handler,
        on_delete: Handler,
    ) -> None:
        self._load = load
        self._on_view, self._on_rename, self._on_delete = on_view, on_rename, on_delete
        self.page = 1
        with ui.row().classes('w-full items-center gap-3'):
            self.filter = testid(ui.input(placeholder=t('admin_rooms_filter')), 'admin-rooms-filter')
            self.filter.props('dense outlined rounded clearable debounce=300 maxlength=64').classes('w-64')
            self.filter.on_value_change(self.filter_changed)
            ui.space()
            self.total = ui.label().classes('text-sm text-gray-500')
        with ui.element('div').classes('w-full overflow-x-auto'):
            with testid(ui.column(), 'admin-rooms').classes('min-w-[52rem] w-full gap-0'):
                with ui.element('div').classes(GRID + ' py-2 text-xs uppercase tracking-wide text-gray-500 border-b'):
                    for key in ('col_room', 'col_owner', 'col_members', 'col_messages', 'col_created', ''):
                        ui.label(t(key) if key else '')
                self.rows = ui.column().classes('w-full gap-0')
        with ui.row().classes('w-full justify-center'):
            self.pagination = ui.pagination(1, 1, direction_links=True, on_change=self.page_changed)

    async def refresh(self) -> None:
        page = await self._load(self.filter.value or '', self.page)
        if page is None:
            return
        self.show_page(page.page, page.pages)
        self.total.set_text(t('admin_rooms_total', count=page.total))
        self.rows.clear()
        with self.rows:
            for row in page.rows:
                self._row(row)
            if not page.rows:
                ui.label(t('admin_no_rooms')).classes('w-full text-center text-gray-400 py-6')

    def _row(self, row: RoomRow) -> None:
        with testid(ui.element('div'), f'admin-room-{row.title}').classes(
            GRID + ' py-2 border-b border-gray-100 hover:bg-gray-50'
        ):
            with ui.row().classes('items-center gap-1 no-wrap min-w-0'):
                ui.icon('lock' if row.visibility == 'private' else 'tag').classes('text-gray-500')
                ui.label(row.title).classes('font-medium truncate')
            ui.label(row.owner_name or t('no_owner')).classes('text-sm truncate')
            ui.label(str(row.members)).classes('text-sm')
            ui.label(str(row.messages)).classes('text-sm')
            ui.label(short_time(row.created_at)).classes('text-sm text-gray-600')
            with ui.row().classes('gap-1 no-wrap'):
                view = testid(
                    ui.button(t('view_records'), icon='forum', on_click=partial(self._on_view, row)),
                    f'view-room-{row.title}',
                )
                view.props('no-caps dense size=sm outline color=primary').classes('px-2')
                rename = testid(
                    ui.button(icon='edit', on_click=partial(self._on_rename, row)), f'rename-room-{row.title}'
                )
                rename.props('dense flat round size=sm')
                rename.props['title'] = t('rename_room')
                delete = testid(
                    ui.button(icon='delete_forever', on_click=partial(self._on_delete, row)), f'delete-room-{row.title}'
                )
                delete.props('dense flat round size=sm color=negative')
                delete.props['title'] = t('delete_room')
