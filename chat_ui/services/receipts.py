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

from .access import Access, access_conversation
from .work import Work, read


def _sharing_peer(access: Access) -> int | None:
    """The peer of a direct conversation when both people share receipts (the access check read both rows)."""
    peer = access.peer
    if access.conversation.kind != 'direct' or peer is None or peer.id is None:
        return None
    return peer.id if access.user.read_receipts and peer.read_receipts else None


def share_read(work: Work, access: Access, message_id: int) -> None:
    """Inside the unit of work that moved the actor's read mark: tell the peer's pages, when both share receipts."""
    peer_id = _sharing_peer(access)
    if peer_id is None or access.conversation.id is None:
        return
    event = ReceiptMoved(conversation_id=access.conversation.id, reader_id=access.member.user_id, message_id=message_id)
    work.emit(event, [user_topic(peer_id)])


def _peer_read(db: Session, user_id: int, conversation_id: int) -> int | None:
    access = access_conversation(db, user_id, conversation_id)
    peer_id = _sharing_peer(access)
    if peer_id is None:
        return None
    return conversation_queries.last_read_ids(db, conversation_id=conversation_id).get(peer_id, 0)


async def peer_read(actor: SessionInfo, *, conversation_id: int) -> int | None:
    """How far the peer of a direct conversation has read, or None (a room, or receipts off on either side)."""
    return await read(_peer_read, actor.user_id, conversation_id)
