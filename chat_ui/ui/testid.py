"""Stable hooks for tests (SPEC section 4): ``data-testid`` for browsers plus a NiceGUI marker of the same name."""

from __future__ import annotations

from typing import TypeVar

from nicegui import ui

E = TypeVar('E', bound=ui.element)


def testid(element: E, name: str) -> E:
    element.props(f'data-testid={name}')
    element.mark(name)
    return element
