"""The newest admin actions: who did what to whom, when."""

from __future__ import annotations

from nicegui import ui

from chat_ui.services.moderation import AuditRow
from chat_ui.ui.i18n import t
from chat_ui.ui.testid import testid
from chat_ui.ui.timefmt import short_time


class AuditLog:
    def __init__(self) -> None:
        with testid(ui.card(), 'admin-audit').classes('w-full rounded-2xl p-4 gap-2'):
            with ui.row().classes('items-center gap-2'):
                ui.icon('history').classes('text-2xl text-primary')
                ui.label(t('audit_title')).classes('text-lg font-semibold')
            self.list = ui.column().classes('w-full gap-1')

    def show(self, rows: list[AuditRow]) -> None:
        self.list.clear()
        with self.list:
            for row in rows:
                with ui.row().classes('w-full gap-3 text-sm no-wrap'):
                    ui.label(short_time(row.created_at)).classes('text-gray-500 w-28 shrink-0')
                    ui.label(t(f'audit_{row.action}', admin=row.admin_name, target=row.target_name))
            if not rows:
                ui.label(t('audit_empty')).classes('text-gray-400 text-sm')
