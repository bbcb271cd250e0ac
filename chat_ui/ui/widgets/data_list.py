"""A list drawn by the browser from plain row data: one Quasar table and a row template of property bindings.

Every connected page keeps its lists for as long as it is open, so a row costs a small dict instead of several
NiceGUI elements. The template only binds row properties (text is interpolated, so always shown as text) and
reports clicks with the row's id (``$parent.$emit(name, props.row.id)``, NiceGUI's documented pattern for table
slots); the server acts only on ids of rows it is showing, whatever the browser sends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import events, ui

from chat_ui.ui.testid import testid

COLUMNS = [{'name': 'row', 'field': 'id', 'label': '', 'align': 'left'}]
RowHandler = Callable[[Any], Awaitable[None] | None]


def quasar_table(*, grid: bool = False) -> ui.element:
    """A bare Quasar table of plain rows keyed by ``id``, without header, footer or paging.

    A plain element, not ``ui.table``: it costs about 6 KB of server memory per page instead of about 10 KB, and
    every connected page holds a few of them for as long as it is open.
    """
    table = ui.element('q-table').props('flat hide-header hide-bottom row-key=id')
    if grid:
        table.props('grid')
    table.props['columns'] = COLUMNS
    table.props['pagination'] = {'rowsPerPage': 0}
    dict.__setitem__(table.props, 'rows', [])
    return table


class DataList:
    """``set_rows(rows)`` with dicts that have an ``id``; ``on(name, handler)`` gets the id of an emitted row."""

    def __init__(self, testid_name: str, template: str, *, classes: str = '') -> None:
        self.table = testid(quasar_table(), testid_name).classes(f'data-list {classes}')
        self.table.add_slot('body-cell-row', f'<q-td :props="props" class="data-list-cell">{template}</q-td>')
        self.ids: set[Any] = set()

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        """Send the rows as plain data: assigning ``table.rows`` would wrap each row in an observable dict (about
        1 KB per row and page, kept for as long as the page is open); rows are only ever replaced, never changed."""
        if rows == self.table.props.get('rows'):
            return  # the browser redraws every row on an update (and a click on a redrawn row is lost): only changes
        self.ids = {row['id'] for row in rows}
        dict.__setitem__(self.table.props, 'rows', rows)
        self.table.update()

    @property
    def rows(self) -> list[dict[str, Any]]:
        return list(self.table.props.get('rows', []))

    def on(self, name: str, handler: RowHandler) -> None:
        """Run ``handler(row id)`` when the template emits ``name`` for a row that is shown."""

        async def forward(event: events.GenericEventArguments) -> None:
            row_id = event.args if not isinstance(event.args, list) else (event.args[0] if event.args else None)
            if isinstance(row_id, (int, str)) and not isinstance(row_id, bool) and row_id in self.ids:
                result = handler(row_id)
                if result is not None:
                    await result

        self.table.on(name, forward)

    def on_row_click(self, handler: RowHandler) -> None:
        """A click anywhere on a row (Quasar's ``rowClick``, whose second argument is the row)."""

        async def forward(event: events.GenericEventArguments) -> None:
            args = event.args if isinstance(event.args, list) else []
            row = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
            row_id = row.get('id')
            if isinstance(row_id, (int, str)) and not isinstance(row_id, bool) and row_id in self.ids:
                result = handler(row_id)
                if result is not None:
                    await result

        self.table.on('rowClick', forward, [[], ['id']])
