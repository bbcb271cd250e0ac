import pytest

from chat_ui.core.errors import ChatError
from chat_ui.services.rules.usernames import check_username, username_key


@pytest.mark.parametrize(
    ('raw', 'key'),
    [
        ('', 'username_required'),
        ('   ', 'username_required'),
        ('x' * 33, 'username_too_long'),
        ('<script>', 'username_bad_chars'),
        ("a' OR 1=1 --", 'username_bad_chars'),
        ('bad\x07name', 'username_bad_chars'),
        ('two words', 'username_bad_chars'),
        ('../etc', 'username_bad_chars'),
    ],
)
def test_refused(raw: str, key: str) -> None:
    with pytest.raises(ChatError) as info:
        check_username(raw)
    assert info.value.key == key


@pytest.mark.parametrize('raw', ['alice', '张三', 'bob_2.x-y', '小明😀', 'x' * 32])
def test_accepted(raw: str) -> None:
    assert check_username(f'  {raw} ') == raw


def test_key_is_case_insensitive() -> None:
    assert username_key('Alice') == username_key('ALICE') == 'alice'
