"""Messages become HTML on the server: every user value is escaped, then sanitized again."""

from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from chat_ui.core import clock
from chat_ui.core.views import Attachment, MessageView
from chat_ui.ui import timefmt
from chat_ui.ui.safe_html import clean
from chat_ui.ui.widgets.message_html import message_html

HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>" onmouseover="x'


def view(kind: str = 'text', body: str | None = HOSTILE, file_name: str | None = None, **extra: object) -> MessageView:
    fields: dict = dict(
        id=7,
        conversation_id=3,
        sender_id=1,
        sender_name=HOSTILE,
        kind=kind,
        body=body,
        attachment=Attachment(key='abc', name=file_name, mime='image/png', size=10) if file_name else None,
        created_at=datetime(2026, 11, 22, 9, 5),
    )
    fields.update(extra)
    return MessageView(**fields)


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are formatted against a fixed 'now' in UTC, whatever today is and wherever the machine is."""
    monkeypatch.setattr(clock, 'now', lambda: datetime(2026, 11, 22, 18, 0))
    timefmt.set_display_zone(UTC)
    yield
    timefmt.set_display_zone(None)


class Tags(HTMLParser):
    """Every tag and attribute name in a fragment, as a browser would parse it."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.feed(fragment)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes |= {name for name, _ in attrs}


def test_text_is_escaped_and_survives_the_sanitizer_unchanged() -> None:
    fragment = message_html(view(), mine=True)
    assert '<script>' not in fragment and '<img' not in fragment
    assert '&lt;script&gt;alert(2)&lt;/script&gt;' in fragment
    assert 'data-mine="true"' in fragment and 'data-kind="text"' in fragment and 'data-time="09:05"' in fragment
    assert Tags(fragment).tags == Tags(clean(fragment)).tags == ['div']


def test_search_highlight_escapes_first_then_marks() -> None:
    fragment = message_html(view(body='<b>Meeting</b> meeting'), mine=False, keyword='meeting')
    assert '&lt;b&gt;<mark>Meeting</mark>&lt;/b&gt; <mark>meeting</mark>' in fragment
    assert 'data-mine="false"' in fragment


def test_file_names_are_escaped_in_pictures_and_audio() -> None:
    picture = message_html(view('image', None, file_name=HOSTILE), mine=False)
    audio = message_html(view('audio', None, file_name=HOSTILE), mine=False)
    assert Tags(picture).tags == Tags(clean(picture)).tags == ['div', 'a', 'img']
    assert Tags(audio).tags == Tags(clean(audio)).tags == ['div', 'div', 'i', 'span', 'audio']
    for fragment in (picture, audio):
        assert not {name for name in Tags(fragment).attributes if name.startswith('on')}
    assert 'href="/files/abc" target="_blank"' in picture and 'src="/files/abc/thumb"' in picture
    assert '<audio controls' in audio and 'src="/files/abc"' in audio


def test_the_sanitizer_removes_what_the_chat_never_renders() -> None:
    dirty = '<div class="x" onclick="evil()"><a href="javascript:alert(1)">x</a><iframe src="/"></iframe></div>'
    cleaned = clean(dirty)
    assert 'onclick' not in cleaned and 'javascript:' not in cleaned and 'iframe' not in cleaned
    assert cleaned.startswith('<div class="x">')


def test_room_bubbles_of_others_name_the_sender_as_text() -> None:
    theirs = message_html(view(body='hi'), mine=False, show_sender=True)
    mine = message_html(view(body='hi'), mine=True, show_sender=True)
    assert 'data-testid="message-sender"' in theirs and 'message-sender' not in mine
    assert '&lt;script&gt;' in theirs and '<script>' not in theirs
    assert Tags(theirs).tags == Tags(clean(theirs)).tags == ['div', 'div', 'span', 'span']
    assert f'data-sender="{HOSTILE.replace("<", "&lt;").replace(">", "&gt;").replace(chr(34), "&quot;")}"' in theirs


def test_bubble_rows_carry_user_text_as_data_for_a_template_that_only_interpolates() -> None:
    from chat_ui.ui.widgets.message_rows import BUBBLE_TEMPLATE, message_row

    row = message_row(view(), mine=False, show_sender=True)
    assert row['b'] == HOSTILE and row['n'] == HOSTILE and row['s'] == HOSTILE
    assert row['m'] is False and row['k'] == 'text' and row['t'] == '09:05'
    picture = message_row(view('image', None, file_name=HOSTILE), mine=True, show_sender=True)
    assert picture['fn'] == HOSTILE and picture['f'] == 'abc' and 'n' not in picture and 'b' not in picture
    assert 'v-html' not in BUBBLE_TEMPLATE and 'innerHTML' not in BUBBLE_TEMPLATE
