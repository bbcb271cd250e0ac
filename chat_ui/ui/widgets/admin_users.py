"""The admin's users table: filter and pages answered by the database, toggles for mute and ban."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from nicegui import ui

from chat_ui.services.moderation import UserRow, UsersPage
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import set_props, testid
from chat_ui.ui.timefmt import short_time
from chat_ui.ui.widgets.paged import Paged

GRID = 'w-full grid grid-cols-[minmax(0,1fr)_4rem_7rem_7rem_16rem_6rem_9rem] items-center gap-2 px-3'
Handler = Callable[[UserRow], Awaitable[None]]


def state_button(name: str, *, on: bool, text: str, icon: str, color: str, handler: Callable[[], Any]) -> ui.button:
    """A toggle shown as a button; ``data-state`` says whether it is on."""
    button = testid(ui.button(text, icon=icon, on_click=handler), name).props('no-caps dense size=sm')
    if on:
        button.props('unelevated')
    else:
        button.props('outline')
    return set_props(button, {'data-state': 'on' if on else 'off', 'color': color if on else 'grey-7'}).classes('px-2')


class UsersTable(Paged):
    def __init__(
        self,
        *,
        load: Callable[[str, int], Awaitable[UsersPage | None]],
        on_mute: Handler,
        on_ban: Handler,
        on_view: Handler,
        on_reset: Handler | None = None,
    ) -> None:
        self._load = load
        self._on_mute, self._on_ban, self._on_view = on_mute, on_ban, on_view
        self._on_reset = on_reset
        self.page = 1
        self.viewing: int | None = None
        self.dots: dict[int, ui.element] = {}
        with ui.row().classes('w-full items-center gap-3'):
            self.filter = testid(ui.input(placeholder=t('admin_filter')), 'admin-filter')
            self.filter.props('dense outlined rounded clearable debounce=300 maxlength=64').classes('w-64')
            with self.filter.add_slot('prepend'):
                ui.icon('search').classes('text-gray-400')
            self.filter.on_value_change(self.filter_changed)
            ui.space()
            self.total = ui.label().classes('text-sm text-gray-500')
        with ui.element('div').classes('w-full overflow-x-auto'):
            with testid(ui.column(), 'admin-users').classes('min-w-[62rem] w-full gap-0'):
                with ui.element('div').classes(GRID + ' py-2 text-xs uppercase tracking-wide text-gray-500 border-b'):
                    for key in (
                        'col_user',
                        'col_online',
                        'col_muted',
                        'col_banned',
                        'col_last_login',
                        'col_created',
                        '',
                    ):
                        ui.label(t(key) if key else '')
                self.rows = ui.column().classes('w-full gap-0')
        with ui.row().classes('w-full justify-center'):
            self.pagination = ui.pagination(1, 1, direction_links=True, on_change=self.page_changed)

    async def refresh(self) -> None:
        page = await self._load(self.filter.value or '', self.page)
        if page is None:
            return
        self.show_page(page.page, page.pages)
        self.total.set_text(t('admin_total', count=page.total))
        self.rows.clear()
        self.dots.clear()
        with self.rows:
            for row in page.rows:
                self._row(row)
            if not page.rows:
                ui.label(t('admin_no_users')).classes('w-full text-center text-gray-400 py-6')

    def set_online(self, user_id: int, online: bool) -> None:
        if dot := self.dots.get(user_id):
            set_props(dot.classes(replace=_dot_classes(online)), {'data-online': 'true' if online else 'false'})

    def _row(self, row: UserRow) -> None:
        with ui.element('div').classes(GRID + ' py-2 border-b border-gray-100 hover:bg-gray-50'):
            with ui.column().classes('gap-0 min-w-0'):
                ui.label(row.username).classes('font-medium truncate min-w-0')
                if row.display_name and row.display_name != row.username:
                    testid(ui.label(row.display_name), f'display-name-{row.username}').classes(
                        'text-xs text-gray-500 truncate min-w-0'
                    )
            self.dots[row.user_id] = set_props(
                ui.element('span').classes(_dot_classes(row.online)), {'data-online': 'true' if row.online else 'false'}
            )
            state_button(
                f'mute-{row.username}',
                on=row.muted,
                text=t('muted_state') if row.muted else t('mute'),
                icon='volume_off' if row.muted else 'volume_up',
                color='orange-8',
                handler=partial(self._on_mute, row),
            )
            state_button(
                f'ban-{row.username}',
                on=row.banned,
                text=t('banned_state') if row.banned else t('ban'),
                icon='block' if row.banned else 'check_circle',
                color='negative',
                handler=partial(self._on_ban, row),
            )
            with ui.column().classes('gap-0 min-w-0 w-full overflow-hidden'):
                ui.label(short_time(row.last_login_at) if row.last_login_at else t('never')).classes('text-sm')
                device = ' · '.join(x for x in (row.last_login_ip, row.last_login_device) if x)
                if device:
                    ui.label(device).classes('text-xs text-gray-500 truncate w-full').tooltip(device)
            ui.label(short_time(row.created_at)).classes('text-sm text-gray-600')
            with ui.row().classes('gap-1 no-wrap items-center'):
                state_button(
                    f'view-{row.username}',
                    on=self.viewing == row.user_id,
                    text=t('view_records'),
                    icon='forum',
                    color='primary',
                    handler=partial(self._on_view, row),
                )
                if self._on_reset is not None:
                    reset = testid(
                        ui.button(icon='lock_reset', on_click=partial(self._on_reset, row)), f'reset-{row.username}'
                    )
                    reset.props('flat round dense size=sm').classes('text-gray-600')
                    reset.props['title'] = t('reset_password')


def _dot_classes(online: bool) -> str:
    return 'w-3 h-3 rounded-full ' + ('bg-green-500' if online else 'bg-gray-300')
