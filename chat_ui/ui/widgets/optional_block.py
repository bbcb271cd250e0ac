"""A piece of server-built HTML that exists only while it is shown (a page keeps no hidden elements for it), or,
for one that comes and goes all the time (the typing notice), that is created when first shown and then kept."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from chat_ui.ui.safe_html import html_block


class OptionalBlock:
    """``show(content)`` creates the block inside ``parent`` at ``position()`` (or updates it); ``hide()`` deletes it.

    ``position`` is evaluated when the block is created, so it can name a sibling's current index. With ``keep``,
    ``hide()`` empties and hides the block instead: showing it again is one small update, not a new element and a
    redrawn parent (a room of 200 members draws a typing notice for every message).
    """

    def __init__(
        self,
        parent: ui.element,
        *,
        classes: str,
        position: Callable[[], int] | None = None,
        marker: str = '',
        keep: bool = False,
    ) -> None:
        self.parent = parent
        self.classes = classes
        self.position = position
        self.marker = marker
        self.keep = keep
        self.element: ui.html | None = None

    def show(self, content: str) -> None:
        if self.element is None:
            with self.parent:
                self.element = html_block().classes(self.classes).mark(self.marker)
            if self.position is not None:
                self.element.move(self.parent, target_index=self.position())
        self.element.set_content(content)
        self.element.set_visibility(True)

    def hide(self) -> None:
        if self.element is None:
            return
        if self.keep:
            self.element.set_content('')
            self.element.set_visibility(False)
        else:
            self.parent.remove(self.element)
            self.element = None


def before(parent: ui.element, sibling: Callable[[], ui.element]) -> Callable[[], int]:
    """A position: right before what ``sibling()`` returns at that moment."""
    return lambda: parent.default_slot.children.index(sibling())
