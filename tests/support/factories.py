"""Users and actors straight in the database (no password hashing: tests that sign in use the accounts service)."""

from __future__ import annotations

from chat_ui.core.views import SessionInfo
from chat_ui.services import conversations
from chat_ui.services.rules.usernames import username_key
from db import users as user_queries
from db.engine import session_scope


def make_users(*names: str) -> list[SessionInfo]:
    """Chat users with these names, as the actors services receive."""
    actors = []
    with session_scope() as db:
        for name in names:
            user = user_queries.create_user(db, username=name, name_key=username_key(name), password_hash='x')
            assert user.id is not None
            actors.append(SessionInfo(session_id=0, user_id=user.id, username=name, is_admin=False, is_muted=False))
    return actors


async def make_room(owner: SessionInfo, *members: SessionInfo, title: str = 'Room') -> int:
    """A public room of ``owner`` with ``members`` added; its id."""
    view = await conversations.create_room(owner, title=title, private=False)
    assert view.id is not None
    for member in members:
        await conversations.add_member(owner, conversation_id=view.id, username=member.username)
    return view.id


def set_flags(user_id: int, *, muted: bool | None = None, banned: bool | None = None) -> None:
    with session_scope() as db:
        user_queries.set_flags(db, user_id=user_id, muted=muted, banned=banned)
