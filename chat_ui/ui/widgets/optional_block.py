"""A piece of server-built HTML that exists only while it is shown (a page keeps no hidden elements for it)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from chat_ui.ui.safe_html import html_block


class OptionalBlock:
    """``show(content)`` creates the block inside ``parent`` at ``position()`` (or updates it); ``hide()`` deletes it.

    ``position`` is evaluated when the block is created, so it can name a sibling's current index.
    """

    def __init__(
        self, parent: ui.element, *, classes: str, position: Callable[[], int] | None = None, marker: str = ''
    ) -> None:
        self.parent = parent
        self.classes = classes
        self.position = position
        self.marker = marker
        self.element: ui.html | None = None

    def show(self, content: str) -> None:
        if self.element is None:
            with self.parent:
                self.element = html_block().classes(self.classes).mark(self.marker)
            if self.position is not None:
                self.element.move(self.parent, target_index=self.position())
        self.element.set_content(content)

    def hide(self) -> None:
        if self.element is not None:
            self.parent.remove(self.element)
            self.element = None


def before(parent: ui.element, sibling: Callable[[], ui.element]) -> Callable[[], int]:
    """A position: right before what ``sibling()`` returns at that moment."""
    return lambda: parent.default_slot.children.index(sibling())
