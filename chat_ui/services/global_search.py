"""Search across all of a user's conversations, and the window of messages around one message (where a result
opens). Matching is the in-conversation search's (``search_index`` + ``text_match``: literal, Unicode case folding);
only conversations the user is a member of now are searched."""

from __future__ import annotations

from sqlmodel import Session

from chat_ui.core.errors import ChatError
from chat_ui.core.views import DIRECT, AroundWindow, GlobalSearchResult, SearchGroup, SessionInfo
from db import conversations as conversation_queries
from db import messages as message_queries

from .access import access_conversation, active_user
from .messaging import KEYWORD_MAX, message_views
from .search_index import search_index
from .work import read

GROUPS_SHOWN = 20  # conversations with matches shown, the most recent match first
PER_GROUP = 5  # matches shown per conversation (its count says how many there are)
AROUND_BEFORE = 25  # older messages loaded with the one a result opens
AROUND_AFTER = 5  # newer ones: few, so the opened message is in view at the bottom of the window


def _search_everywhere(db: Session, user_id: int, keyword: str) -> GlobalSearchResult:
    active_user(db, user_id)
    rows = conversation_queries.sidebar(
        db, user_id=user_id, limit=len(conversation_queries.conversation_ids_of(db, user_id=user_id)) or 1
    )
    matches = search_index.by_conversation(db, conversation_ids=[row.conversation_id for row in rows], keyword=keyword)
    found = [(row, matches[row.conversation_id]) for row in rows if row.conversation_id in matches]
    found.sort(key=lambda item: item[1][0], reverse=True)
    total = sum(len(ids) for _, ids in found)
    found = found[:GROUPS_SHOWN]
    shown = message_views(db, message_queries.by_ids(db, ids=[i for _, ids in found for i in ids[:PER_GROUP]]))
    by_conversation: dict[int, list] = {}
    for view in shown:
        by_conversation.setdefault(view.conversation_id, []).append(view)
    groups = [
        SearchGroup(
            conversation_id=row.conversation_id,
            kind=row.kind,
            title=(row.peer_name or '?') if row.kind == DIRECT else (row.title or ''),
            count=len(ids),
            messages=by_conversation.get(row.conversation_id, []),
        )
        for row, ids in found
    ]
    return GlobalSearchResult(keyword=keyword, count=total, groups=groups)


async def search_everywhere(actor: SessionInfo, *, keyword: str) -> GlobalSearchResult | None:
    """Text messages containing ``keyword`` in every conversation of the actor, grouped by conversation (the most
    recent match first), at most ``GROUPS_SHOWN`` groups of ``PER_GROUP``; None for an empty keyword."""
    keyword = keyword.strip()
    if not keyword:
        return None
    if len(keyword) > KEYWORD_MAX:
        raise ChatError('keyword_too_long', max=KEYWORD_MAX)
    return await read(_search_everywhere, actor.user_id, keyword)


def _around(db: Session, user_id: int, conversation_id: int, message_id: int) -> AroundWindow:
    access_conversation(db, user_id, conversation_id)
    rows, more_older, more_newer = message_queries.around(
        db, conversation_id=conversation_id, message_id=message_id, before=AROUND_BEFORE, after=AROUND_AFTER
    )
    if not rows:
        raise ChatError('message_not_found')
    return AroundWindow(
        message_id=message_id, messages=message_views(db, rows), more_older=more_older, more_newer=more_newer
    )


async def load_around(actor: SessionInfo, *, conversation_id: int, message_id: int) -> AroundWindow:
    """The message with the ones before and after it (oldest first), for a member of its conversation; a message
    of another conversation is refused like a missing one."""
    return await read(_around, actor.user_id, conversation_id, message_id)
