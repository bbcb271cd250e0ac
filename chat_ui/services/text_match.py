"""The one rule for "this text contains that keyword": literal, case-insensitive by Unicode full case folding.

The search index's candidates, the match count and the ``<mark>``s all come from here, so they cannot disagree
(before, candidates used ``lower()`` and the marks ``re.IGNORECASE``: ``ΟΔΟΣ`` was marked but not found by ``Σ``).
Folding is ``str.casefold`` with one addition: ``İ`` folds to plain ``i`` (as ``re.IGNORECASE`` and MariaDB's
``unicode_ci`` treat it), so ``istanbul`` finds ``İstanbul``. Folding works character by character and may make a
character longer (``ß`` -> ``ss``, ``ﬁ`` -> ``fi``); a match in the folded text is mapped back to the whole original
characters it touches, so ``SS`` marks the ``ß`` of ``Straße``.

``fold`` (the comparison form of a text, the same whether folded whole or character by character) lives in
``db.search_text``, because the database's search index stores folded texts and ``db`` imports nothing of
``chat_ui``; it is re-exported here.
"""

from __future__ import annotations

from db.search_text import fold

__all__ = ['contains', 'fold', 'spans']


def contains(folded_text: str, folded_keyword: str) -> bool:
    """Whether a folded text contains a folded keyword (what the search index asks of every message)."""
    return bool(folded_keyword) and folded_keyword in folded_text


def spans(text: str, keyword: str) -> list[tuple[int, int]]:
    """``(start, end)`` in ``text`` of every match of ``keyword``, left to right and not overlapping; each span
    covers whole characters of ``text``. Empty exactly when ``contains(fold(text), fold(keyword))`` is false."""
    needle = fold(keyword)
    if not needle:
        return []
    parts = [fold(char) for char in text]
    folded = ''.join(parts)
    origin = range(len(text)) if len(folded) == len(text) else [i for i, part in enumerate(parts) for _ in part]
    found: list[tuple[int, int]] = []
    at = folded.find(needle)
    while at != -1:
        end = at + len(needle)
        start, stop = origin[at], origin[end - 1] + 1
        if found and start < found[-1][1]:
            found[-1] = (found[-1][0], max(stop, found[-1][1]))
        else:
            found.append((start, stop))
        at = folded.find(needle, end)
    return found
