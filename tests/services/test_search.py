"""Conversation search and the admin's records filter on SQLite and MariaDB: candidates, count and marks agree."""

import pytest
from sqlalchemy.engine import Engine

from chat_ui.core.views import SessionInfo
from chat_ui.services import accounts, conversations, messaging, moderation
from chat_ui.services.search_index import search_index
from chat_ui.ui.highlight import highlight
from tests.support.factories import make_users

BODIES = [
    'ΟΔΟΣ',
    'Straße',
    'MiXeD Case',
    '我爱苹果',
    'party 🎉 time',
    '50% off',
    'a_b',
    'back\\slash',
    'ﬁne',
    'İstanbul',
    'plain words',
]
CASES = {
    'σ': ['ΟΔΟΣ'],
    'Σ': ['ΟΔΟΣ'],
    'ς': ['ΟΔΟΣ'],
    'SS': ['Straße'],
    'strasse': ['Straße'],
    'mixed case': ['MiXeD Case'],
    'MIXED': ['MiXeD Case'],
    '苹': ['我爱苹果'],
    '🎉': ['party 🎉 time'],
    '%': ['50% off'],
    '_': ['a_b'],
    '\\': ['back\\slash'],
    'FI': ['ﬁne'],
    'istanbul': ['İstanbul'],
    'zebra': [],
}


@pytest.fixture(autouse=True)
def fresh_index() -> None:
    """The in-memory index is per process; each test starts it empty (ids repeat across test databases)."""
    search_index.clear()


async def chat(a: SessionInfo, b: SessionInfo) -> int:
    view = await conversations.open_direct(a, peer_id=b.user_id)
    assert view.id is not None
    return view.id


async def write(sender: SessionInfo, to: SessionInfo, text: str) -> None:
    await messaging.send_text(sender, conversation_id=await chat(sender, to), text=text)


@pytest.mark.parametrize(('keyword', 'expected'), CASES.items())
async def test_candidates_count_and_marks_agree(engine: Engine, keyword: str, expected: list[str]) -> None:
    a, b = make_users('alice', 'bob')
    for body in BODIES:
        await write(a, b, body)
    result = await messaging.search(b, conversation_id=await chat(b, a), keyword=keyword)
    assert result is not None
    found = [view.body or '' for view in result.messages]
    assert found == expected
    assert result.count == len(expected)
    for body in BODIES:
        assert ('<mark>' in highlight(body, keyword)) == (body in found), body


async def test_admin_records_filter_uses_the_same_rule(engine: Engine) -> None:
    await accounts.init_admin(
        secret='s', expected_secret='s', username='root', password='admin123', password2='admin123'
    )
    token, _ = await accounts.login('root', 'admin123')
    a, b, c = make_users('alice', 'bob', 'carol')
    for index, body in enumerate(BODIES):
        await write(a if index % 2 else b, b if index % 2 else a, body)
    await write(a, c, 'ὈΔΌΣ to carol, οδος again')
    await write(b, c, 'ΟΔΟΣ not alice')
    room = await conversations.create_room(b, title='Greek', private=True)
    assert room.id is not None
    await conversations.add_member(b, conversation_id=room.id, username='alice')
    await messaging.send_text(b, conversation_id=room.id, text="ΟΔΟΣ from bob in a room: not alice's")
    for keyword, expected in CASES.items():
        page = await moderation.user_records(token, user_id=a.user_id, keyword=keyword)
        bodies = [row.body for row in page.rows]
        extra = ['ὈΔΌΣ to carol, οδος again'] if keyword in {'σ', 'Σ', 'ς'} else []
        assert bodies == extra + list(reversed(expected)), keyword
        assert page.total == len(bodies)


async def test_admin_records_filter_pages_newest_first(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moderation, 'PAGE_SIZE', 2)
    await accounts.init_admin(
        secret='s', expected_secret='s', username='root', password='admin123', password2='admin123'
    )
    token, _ = await accounts.login('root', 'admin123')
    a, b, c = make_users('alice', 'bob', 'carol')
    for index in range(5):
        await write(a, b if index % 2 else c, f'Straße {index}')
        await write(a, b, f'other {index}')
    first = await moderation.user_records(token, user_id=a.user_id, keyword='STRASSE')
    last = await moderation.user_records(token, user_id=a.user_id, keyword='STRASSE', page=3)
    assert (first.total, first.pages) == (5, 3)
    assert [r.body for r in first.rows] == ['Straße 4', 'Straße 3']
    assert [(r.body, r.conversation) for r in last.rows] == [('Straße 0', 'carol')]


async def test_name_filters_fold_like_the_name_key(engine: Engine) -> None:
    """Names are matched on their key (NFKC, case-folded): full-width letters, ß and final sigma included."""
    await accounts.init_admin(
        secret='s', expected_secret='s', username='root', password='admin123', password2='admin123'
    )
    token, _ = await accounts.login('root', 'admin123')
    me, *_ = make_users('me', 'alice', 'Straße', 'ΟΔΟΣ')
    for name_filter, expected in [('ＡＬＩ', ['alice']), ('SS', ['Straße']), ('ς', ['ΟΔΟΣ']), ('%', [])]:
        rows = await conversations.sidebar(me, name_filter=name_filter)
        assert [row.title for row in rows] == expected, name_filter
        page = await moderation.users_page(token, name_filter=name_filter)
        assert [r.username for r in page.rows] == expected, name_filter


async def test_search_after_clear_sees_only_new_messages(engine: Engine) -> None:
    """A cleared and refilled conversation must not look unchanged to the index (its revision moves; SQLite ids
    never go back)."""
    a, b = make_users('alice', 'bob')
    conversation = await chat(a, b)
    await write(a, b, 'apple')
    first = await messaging.search(a, conversation_id=conversation, keyword='apple')
    assert first is not None and first.count == 1
    await messaging.clear_history(a, conversation_id=conversation)
    await write(b, a, 'banana')
    for keyword, expected in [('apple', []), ('banana', ['banana'])]:
        result = await messaging.search(a, conversation_id=conversation, keyword=keyword)
        assert result is not None and [v.body for v in result.messages] == expected, keyword
        assert result.count == len(expected)
