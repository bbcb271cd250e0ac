"""Typed errors whose key is looked up in the translation catalogs by the UI."""

from __future__ import annotations

from typing import Any


class ChatError(Exception):
    """A refusal with a user-facing message key and its parameters."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
