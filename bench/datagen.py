"""Fast data generator: users and messages inserted in bulk (one password hash reused for every user).

The layout (all sizes come from a :class:`Dataset`):

- ``u0000`` … chat users that the latency clients log in as, paired (u0000, u0001), (u0002, u0003), …
- ``hist`` and ``h<size>``: one conversation per history size (``hist`` opens each of them);
- ``open<i>`` and ``openpeer<i>``: the conversations the "heavy openers" open again and again;
- filler messages spread over the chat pairs until the database holds ``total_messages`` rows.

Message bodies mix English and Chinese so that a Latin word (``meeting``) is in ~25 % of them and one
Chinese character (``苹``) in ~19 % (the figures of ../shared/NOTES.md), and the no-match keyword never occurs.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from chat_ui.services.rules.passwords import hash_password
from chat_ui.services.rules.usernames import username_key
from db import search_text
from db.models import Conversation, ConversationMember, Message, MessageText, User

PASSWORD = 'bench-pass-1'
LATIN_WORD = 'meeting'
CJK_CHAR = '苹'
NO_MATCH = 'zqxjvkw'

_EN = [
    'hello',
    'see you',
    'lunch at noon?',
    'the report is done',
    'call me later',
    'ok',
    'thanks!',
    'where are you',
    'great idea',
    'let us try again',
    'homework 3 is due friday',
    'good night',
]
_ZH = [
    '你好',
    '明天见',
    '中午一起吃饭吗',
    '报告写完了',
    '等会儿给我打电话',
    '好的',
    '谢谢',
    '你在哪里',
    '好主意',
    '我们再试一次',
    '作业周五交',
    '晚安',
]


@dataclass(frozen=True)
class Dataset:
    chat_users: int
    history_sizes: tuple[int, ...]
    opener_conversations: int
    opener_size: int
    total_messages: int
    seed: int = 7

    @property
    def search_size(self) -> int:
        return max(self.history_sizes)


@dataclass
class Generated:
    user_ids: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    conversations: dict[tuple[int, int], int] = field(default_factory=dict)
    seconds: float = 0.0
    users_seconds: float = 0.0
    messages_seconds: float = 0.0


def chat_name(index: int) -> str:
    return f'u{index:04d}'


def history_name(size: int) -> str:
    return f'h{size}'


def body(rng: random.Random) -> str:
    """One message body: Latin word in ~25 %, the CJK character in ~19 %, never the no-match keyword."""
    parts = [rng.choice(_EN) if rng.random() < 0.5 else rng.choice(_ZH)]
    if rng.random() < 0.25:
        parts.append(rng.choice(['meeting at 3', 'the Meeting moved', 'team meeting']))
    if rng.random() < 0.19:
        parts.append(rng.choice(['买了苹果', '苹果很甜', '红苹果']))
    if rng.random() < 0.3:
        parts.append(str(rng.randrange(1000)))
    rng.shuffle(parts)
    return ' '.join(parts)


def user_names(dataset: Dataset) -> list[str]:
    names = [chat_name(i) for i in range(dataset.chat_users)]
    names += ['hist'] + [history_name(s) for s in dataset.history_sizes]
    for i in range(dataset.opener_conversations):
        names += [f'open{i}', f'openpeer{i}']
    return names


def insert_users(engine: Engine, names: list[str]) -> dict[str, int]:
    password_hash = hash_password(PASSWORD)  # hashed once (argon2 costs ~20 ms), shared by every bench user
    now = datetime.utcnow()
    rows = [
        {
            'username': n,
            'name_key': username_key(n),
            'password_hash': password_hash,
            'is_admin': False,
            'is_muted': False,
            'is_banned': False,
            'created_at': now,
        }
        for n in names
    ]
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(User.__table__), rows[start : start + 5000])  # type: ignore[attr-defined]
        result = connection.execute(text('SELECT id, username FROM users'))
        return {name: user_id for user_id, name in result}


def _conversations(dataset: Dataset, ids: dict[str, int]) -> list[tuple[int, int, int]]:
    """(user_a, user_b, message count) for every conversation to fill."""
    convs = [(ids['hist'], ids[history_name(s)], s) for s in dataset.history_sizes]
    convs += [(ids[f'open{i}'], ids[f'openpeer{i}'], dataset.opener_size) for i in range(dataset.opener_conversations)]
    used = sum(c for *_, c in convs)
    pairs = [(ids[chat_name(i)], ids[chat_name(i + 1)]) for i in range(0, dataset.chat_users - 1, 2)]
    rest = max(0, dataset.total_messages - used)
    if pairs and rest:
        each, extra = divmod(rest, len(pairs))
        convs += [(a, b, each + (1 if k < extra else 0)) for k, (a, b) in enumerate(pairs)]
    return convs


def insert_messages(engine: Engine, dataset: Dataset, ids: dict[str, int], *, batch: int = 10_000) -> Generated:
    """Bulk insert of direct conversations (both people members, everything read) and their messages with explicit
    ids, each text also into the search index (``message_texts``, folded as ``db.search_text`` does; on SQLite the
    triggers fill the trigram table). SQLite in one transaction, MariaDB in executemany batches of ``batch`` rows."""
    rng = random.Random(dataset.seed)
    bodies = [body(rng) for _ in range(4096)]
    folded = [search_text.fold(b) for b in bodies]
    start = datetime.utcnow() - timedelta(days=60)
    tables = {name: model.__table__ for name, model in (('m', Message), ('t', MessageText))}  # type: ignore[attr-defined]
    out = Generated()
    total = 0
    messages: list[dict] = []
    texts: list[dict] = []
    with engine.begin() as connection:
        next_conversation = int(connection.execute(text('SELECT COALESCE(MAX(id), 0) FROM conversations')).scalar_one())
        next_message = int(connection.execute(text('SELECT COALESCE(MAX(id), 0) FROM messages')).scalar_one())
        for a, b, count in _conversations(dataset, ids):
            lo, hi = (a, b) if a < b else (b, a)
            next_conversation += 1
            cid = next_conversation
            last = next_message + count
            connection.execute(
                insert(Conversation.__table__),  # type: ignore[attr-defined]
                {
                    'id': cid,
                    'kind': 'direct',
                    'visibility': 'private',
                    'direct_lo': lo,
                    'direct_hi': hi,
                    'created_at': start,
                    'last_message_id': last,
                    'revision': 0,
                },
            )
            connection.execute(
                insert(ConversationMember.__table__),  # type: ignore[attr-defined]
                [
                    {'conversation_id': cid, 'user_id': u, 'role': 'member', 'joined_at': start, 'last_read_id': last}
                    for u in (lo, hi)
                ],
            )
            out.conversations[(lo, hi)] = cid
            for k in range(count):
                next_message += 1
                pick = (total * 2654435761) % 4096
                messages.append(
                    {
                        'id': next_message,
                        'conversation_id': cid,
                        'sender_id': lo if k % 2 == 0 else hi,
                        'kind': 'text',
                        'body': bodies[pick],
                        'created_at': start + timedelta(milliseconds=total),
                    }
                )
                texts.append({'conversation_id': cid, 'message_id': next_message, 'folded': folded[pick]})
                total += 1
                if len(messages) >= batch:
                    connection.execute(insert(tables['m']), messages)
                    connection.execute(insert(tables['t']), texts)
                    messages.clear()
                    texts.clear()
        if messages:
            connection.execute(insert(tables['m']), messages)
            connection.execute(insert(tables['t']), texts)
    out.messages = total
    return out


def conversation_of(generated: Generated, a: str, b: str) -> int:
    """The id of the direct conversation of two generated users (by name)."""
    x, y = generated.user_ids[a], generated.user_ids[b]
    return generated.conversations[(min(x, y), max(x, y))]


def generate(engine: Engine, dataset: Dataset) -> Generated:
    """Fill an empty, migrated database."""
    out = Generated()
    began = time.perf_counter()
    out.user_ids = insert_users(engine, user_names(dataset))
    out.users_seconds = time.perf_counter() - began
    mid = time.perf_counter()
    filled = insert_messages(engine, dataset, out.user_ids)
    out.messages, out.conversations = filled.messages, filled.conversations
    out.messages_seconds = time.perf_counter() - mid
    out.seconds = time.perf_counter() - began
    if engine.dialect.name in {'mysql', 'mariadb'}:
        with engine.begin() as connection:
            connection.execute(
                text('ANALYZE TABLE messages, message_texts, conversations, conversation_members, users')
            )
    else:
        with engine.begin() as connection:
            connection.execute(text('ANALYZE'))
        with engine.connect() as connection:  # as a server that has run a while: the WAL written back to the file
            connection.execute(text('PRAGMA wal_checkpoint(TRUNCATE)'))
    return out
