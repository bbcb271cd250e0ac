"""The server-side send limit: at most ``count`` messages (text and files) per ``seconds`` per user, across all
their tabs and processes.

The count is read from the database (the user's messages with a recent ``created_at``) in the same unit of work as
the write, under the user's row lock, so two tabs sending at once are counted one after the other and can never
pass the limit together. ``check_send_limit`` is the one place that decides; a Redis counter can replace its body
(issue 6) without touching the callers. ``configure`` sets the limit from ``CHAT_SEND_LIMIT`` (0 turns it off; the
test suite does that by default so unrelated tests can send quickly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from chat_ui.core.errors import ChatError
from db import messages as message_queries
from db import users as user_queries

DEFAULT_COUNT = 10
DEFAULT_SECONDS = 10


@dataclass
class SendLimit:
    count: int = DEFAULT_COUNT
    seconds: int = DEFAULT_SECONDS

    @property
    def enabled(self) -> bool:
        return self.count > 0 and self.seconds > 0


send_limit = SendLimit()


def configure(count: int, seconds: int = DEFAULT_SECONDS) -> None:
    send_limit.count = count
    send_limit.seconds = seconds


def check_send_limit(db: Session, *, user_id: int, now: datetime, lock: bool = True) -> None:
    """Refuse (``slow_down``) when the user has already sent ``count`` messages in the last ``seconds``.

    With ``lock`` (the default, for the transaction that then writes the message) the user's row stays locked until
    that transaction ends; without it, a cheap early check (before an upload is received).
    """
    if not send_limit.enabled:
        return
    if lock:
        user_queries.lock_user(db, user_id=user_id)
    since = now - timedelta(seconds=send_limit.seconds)
    if message_queries.sent_since(db, sender_id=user_id, since=since) >= send_limit.count:
        raise ChatError('slow_down', count=send_limit.count, seconds=send_limit.seconds)
