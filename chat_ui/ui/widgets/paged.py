"""Shared behaviour of the admin's paged lists: a filter box and page buttons, both answered by the database."""

from __future__ import annotations

from nicegui import ui


class Paged:
    """Subclasses create ``self.pagination`` and implement ``refresh()`` for ``self.page``."""

    page = 1
    pagination: ui.pagination

    async def refresh(self) -> None:
        raise NotImplementedError

    def show_page(self, page: int, pages: int) -> None:
        self.page = page
        self.pagination.max = pages
        self.pagination.set_value(page)

    async def filter_changed(self) -> None:
        self.page = 1
        await self.refresh()

    async def page_changed(self) -> None:
        if self.pagination.value != self.page:
            self.page = self.pagination.value
            await self.refresh()
