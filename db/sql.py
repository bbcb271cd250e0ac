"""SQL helpers shared by the query modules."""

from __future__ import annotations

from typing import Any

from sqlmodel import col


def escape_like(keyword: str) -> str:
    return keyword.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')


def contains(column: Any, text: str) -> Any:
    """``column LIKE '%text%'`` with ``%``, ``_`` and ``\\`` in ``text`` taken literally."""
    return col(column).like(f'%{escape_like(text)}%', escape='\\')
