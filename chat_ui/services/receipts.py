"""Read receipts of direct conversations, from the members' read marks (``conversation_members.last_read_id``).

A person who switched receipts off (``users.read_receipts``) shares none and sees none: the peer's mark is given
out only when both people have them on.
"""

from __future__ import annotations

from sqlmodel import Session

from chat_ui.core.views import SessionInfo
from chat_ui.live.events import ReceiptMoved
from chat_ui.live.hub import user_topic
from db import conversations as conversation_queries
from db import users as user_queries

from .access import Access, access_conversation
from .work import Work, read


def _peer_id(access: Access) -> int | None:
    conversation = access.conversation
    if conversation.kind != 'direct':
        return None
    return conversation.direct_hi if conversation.direct_lo == access.member.user_id else conversation.direct_lo


def _both_share(db: Session, user_id: int, peer_id: int) -> bool:
    settings = user_queries.read_receipts(db, user_ids=[user_id, peer_id])
    return settings.get(user_id, False) and settings.get(peer_id, False)


def share_read(work: Work, access: Access, message_id: int) -> None:
    """Inside the unit of work that moved the actor's read mark: tell the peer's pages, when both share receipts."""
    peer_id = _peer_id(access)
    if peer_id is None or access.conversation.id is None or not _both_share(work.db, access.member.user_id, peer_id):
        return
    event = ReceiptMoved(conversation_id=access.conversation.id, reader_id=access.member.user_id, message_id=message_id)
    work.emit(event, [user_topic(peer_id)])


def _peer_read(db: Session, user_id: int, conversation_id: int) -> int | None:
    access = access_conversation(db, user_id, conversation_id)
    peer_id = _peer_id(access)
    if peer_id is None or not _both_share(db, user_id, peer_id):
        return None
    return conversation_queries.last_read_ids(db, conversation_id=conversation_id).get(peer_id, 0)


async def peer_read(actor: SessionInfo, *, conversation_id: int) -> int | None:
    """How far the peer of a direct conversation has read, or None (a room, or receipts off on either side)."""
    return await read(_peer_read, actor.user_id, conversation_id)
