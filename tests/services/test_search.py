"""Conversation search and the admin's records filter on SQLite and MariaDB: candidates, count and marks agree."""

import pytest
from sqlalchemy.engine import Engine

from chat_ui.services import accounts, messaging, moderation
from chat_ui.services.search_index import search_index
from chat_ui.ui.highlight import highlight

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


async def people(*names: str) -> list[int]:
    return [await accounts.register(name, 'secret123', 'secret123') for name in names]


@pytest.mark.parametrize(('keyword', 'expected'), CASES.items())
async def test_candidates_count_and_marks_agree(engine: Engine, keyword: str, expected: list[str]) -> None:
    a, b = await people('alice', 'bob')
    for body in BODIES:
        await messaging.send_text(sender_id=a, peer_id=b, text=body)
    result = await messaging.search(user_id=b, peer_id=a, keyword=keyword)
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
    a, b, c = await people('alice', 'bob', 'carol')
    for index, body in enumerate(BODIES):
        await messaging.send_text(sender_id=a if index % 2 else b, peer_id=b if index % 2 else a, text=body)
    await messaging.send_text(sender_id=a, peer_id=c, text='ὈΔΌΣ to carol, οδος again')
    await messaging.send_text(sender_id=b, peer_id=c, text='ΟΔΟΣ not alice')
    for keyword, expected in CASES.items():
        page = await moderation.user_records(token, user_id=a, keyword=keyword)
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
    a, b, c = await people('alice', 'bob', 'carol')
    for index in range(5):
        await messaging.send_text(sender_id=a, peer_id=b if index % 2 else c, text=f'Straße {index}')
        await messaging.send_text(sender_id=a, peer_id=b, text=f'other {index}')
    first = await moderation.user_records(token, user_id=a, keyword='STRASSE')
    last = await moderation.user_records(token, user_id=a, keyword='STRASSE', page=3)
    assert (first.total, first.pages) == (5, 3)
    assert [r.body for r in first.rows] == ['Straße 4', 'Straße 3']
    assert [(r.body, r.peer_name) for r in last.rows] == [('Straße 0', 'carol')]


async def test_name_filters_fold_like_the_name_key(engine: Engine) -> None:
    """Names are matched on their key (NFKC, case-folded): full-width letters, ß and final sigma included."""
    await accounts.init_admin(
        secret='s', expected_secret='s', username='root', password='admin123', password2='admin123'
    )
    token, _ = await accounts.login('root', 'admin123')
    me, *_ = await people('me', 'alice', 'Straße', 'ΟΔΟΣ')
    for name_filter, expected in [('ＡＬＩ', ['alice']), ('SS', ['Straße']), ('ς', ['ΟΔΟΣ']), ('%', [])]:
        contacts = await messaging.list_contacts(user_id=me, name_filter=name_filter)
        assert [c.username for c in contacts] == expected, name_filter
        page = await moderation.users_page(token, name_filter=name_filter)
        assert [r.username for r in page.rows] == expected, name_filter


async def test_search_after_clear_sees_only_new_messages(engine: Engine) -> None:
    """SQLite reuses the ids of deleted rows, so a cleared and refilled conversation can look unchanged by its
    (newest id, count): clearing must drop the cached texts."""
    a, b = await people('alice', 'bob')
    await messaging.send_text(sender_id=a, peer_id=b, text='apple')
    first = await messaging.search(user_id=a, peer_id=b, keyword='apple')
    assert first is not None and first.count == 1
    await messaging.clear_history(user_id=a, peer_id=b)
    await messaging.send_text(sender_id=b, peer_id=a, text='banana')
    for keyword, expected in [('apple', []), ('banana', ['banana'])]:
        result = await messaging.search(user_id=a, peer_id=b, keyword=keyword)
        assert result is not None and [v.body for v in result.messages] == expected, keyword
        assert result.count == len(expected)
