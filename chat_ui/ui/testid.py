"""Stable hooks for tests (SPEC section 4): ``data-testid`` for browsers plus a NiceGUI marker of the same name.

Hooks often hold a username (``mute-<u>``), so they are set as a prop *value*. A props string such as
``data-testid=mute-<u>`` goes through NiceGUI's parser, which splits at characters it does not know (emoji,
combining marks) and turns the rest of the name into props of its own (``evil😍disable`` disabled the button).
"""

from __future__ import annotations

from typing import Any, TypeVar

from nicegui import ui

E = TypeVar('E', bound=ui.element)


def testid(element: E, name: str) -> E:
    element.props['data-testid'] = name
    element.mark(name)
    return element


def set_props(element: E, values: dict[str, Any]) -> E:
    """Set props (HTML attributes) to these values as they are, without NiceGUI's props-string parser: for any
    value that is not a constant of the code (names, titles, translations, numbers)."""
    element.props.update(values)
    return element
