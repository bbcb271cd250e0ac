"""The admin's view of one user's or one room's chat records, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from chat_ui.services.moderation import RecordRow, RecordsPage
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.timefmt import short_time
from chat_ui.ui.widgets.paged import Paged

GRID = 'w-full grid grid-cols-[7rem_10rem_5rem_minmax(0,1fr)_2.5rem] items-start gap-3 px-3'


Target = tuple[str, int]  # ('user', user id) or ('room', conversation id)


class RecordsPanel(Paged):
    def __init__(
        self,
        *,
        load: Callable[[Target, str, int], Awaitable[RecordsPage | None]],
        on_remove: Callable[[int], Any] | None = None,
    ) -> None:
        self._load = load
        self._on_remove = on_remove
        self.target: Target | None = None
        self.page = 1
        with testid(ui.card(), 'admin-messages').classes('w-full rounded-2xl p-4 gap-3') as self.card:
            with ui.row().classes('w-full items-center gap-3'):
                ui.icon('forum').classes('text-2xl text-primary')
                self.title = ui.label().classes('text-lg font-semibold')
                ui.space()
                self.keyword = ui.input(placeholder=t('admin_records_filter'))
                self.keyword.props('dense outlined rounded clearable debounce=300 maxlength=64').classes('w-64')
                self.keyword.on_value_change(self.filter_changed)
                ui.button(icon='close', on_click=self.hide).props('flat round dense')
            self.total = ui.label().classes('text-sm text-gray-500')
            with ui.element('div').classes('w-full overflow-x-auto'):
                with ui.column().classes('min-w-[44rem] w-full gap-0'):
                    with ui.element('div').classes(
                        GRID + ' py-2 text-xs uppercase tracking-wide text-gray-500 border-b'
                    ):
                        for key in ('col_time', 'col_peer', 'col_kind', 'col_content'):
                            ui.label(t(key))
                        ui.label('')
                    self.rows = ui.column().classes('w-full gap-0')
            with ui.row().classes('w-full justify-center'):
                self.pagination = ui.pagination(1, 1, direction_links=True, on_change=self.page_changed)
        self.card.set_visibility(False)

    async def show(self, target: Target) -> None:
        self.target = target
        self.page = 1
        self.keyword.value = ''
        await self.refresh()
        self.card.set_visibility(True)

    def hide(self) -> None:
        self.target = None
        self.card.set_visibility(False)

    async def refresh(self) -> None:
        if self.target is None:
            return
        page = await self._load(self.target, self.keyword.value or '', self.page)
        if page is None:
            return
        self.title.set_text(t('admin_room_records_of' if page.is_room else 'admin_records_of', name=page.title))
        self.total.set_text(t('admin_records_total', count=page.total))
        self.show_page(page.page, page.pages)
        self.rows.clear()
        with self.rows:
            for row in page.rows:
                self._row(row)
            if not page.rows:
                ui.label(t('admin_no_records')).classes('w-full text-center text-gray-400 py-6')

    def _row(self, row: RecordRow) -> None:
        with ui.element('div').classes(GRID + ' py-2 border-b border-gray-100'):
            ui.label(short_time(row.created_at)).classes('text-sm text-gray-600')
            with ui.row().classes('items-center gap-1 no-wrap min-w-0'):
                if self.target is not None and self.target[0] == 'room':
                    ui.icon('person').classes('text-base text-gray-500')
                    ui.label(row.sender_name).classes('truncate')
                else:
                    ui.icon('north_east' if row.outgoing else 'south_west').classes(
                        'text-base ' + ('text-primary' if row.outgoing else 'text-green-600')
                    )
                    ui.label(('# ' if row.is_room else '') + row.conversation).classes('truncate')
            ui.label(t(f'kind_{row.kind}')).classes('text-sm')
            with ui.column().classes('gap-1 min-w-0'):
                self._content(row)
                self._history(row)
            if row.recalled_at is None and self._on_remove is not None:
                on_remove = self._on_remove
                remove = testid(
                    ui.button(icon='delete', on_click=lambda: on_remove(row.message_id)),
                    f'remove-message-{row.message_id}',
                )
                remove.props('flat round dense size=sm color=negative')
                remove.props['title'] = t('remove_message')
            else:
                ui.label('')

    def _content(self, row: RecordRow) -> None:
        if row.recalled_at is not None:
            key = 'record_removed' if row.removed else 'record_recalled'
            ui.label(t(key, time=short_time(row.recalled_at))).classes(
                'text-xs font-semibold text-red-700 bg-red-50 rounded px-2 py-0.5 self-start'
            ).mark('record-recalled')
            if row.kind != 'text':
                ui.label(f'{row.file_name or ""} {t("record_file_gone")}').classes('text-sm text-gray-500')
            return
        if row.edited_at is not None:
            ui.label(t('record_edited', time=short_time(row.edited_at))).classes(
                'text-xs text-amber-700 bg-amber-50 rounded px-2 py-0.5 self-start'
            )
        if row.kind == 'image' and row.file_key:
            with ui.link(target=f'/files/{row.file_key}', new_tab=True):
                ui.image(f'/files/{row.file_key}/thumb').classes('w-32 rounded').props('fit=contain no-spinner')
        elif row.kind == 'audio' and row.file_key:
            ui.audio(f'/files/{row.file_key}').classes('w-64').props('preload=none')
        else:
            ui.label(row.body or '').classes('text-sm whitespace-pre-wrap break-words')

    def _history(self, row: RecordRow) -> None:
        """Every earlier text, oldest first, with the time it was replaced or withdrawn."""
        for version in row.history:
            if version.body is None:
                continue
            ui.label(t('record_earlier', time=short_time(version.at), text=version.body)).classes(
                'text-xs text-gray-500 whitespace-pre-wrap break-words border-l-2 border-gray-200 pl-2'
            ).mark('record-history')
