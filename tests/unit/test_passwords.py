import pytest
from passlib.hash import pbkdf2_sha256

from chat_ui.core.errors import ChatError
from chat_ui.services.rules.passwords import check_password_policy, hash_password, verify_password


@pytest.mark.parametrize(
    ('password', 'key'),
    [
        ('', 'password_required'),
        ('abc12', 'password_too_short'),
        ('a' * 127 + '12', 'password_too_long'),
        ('abcdefgh', 'password_letters_digits'),
        ('12345678', 'password_letters_digits'),
        ('______1', 'password_letters_digits'),
        ('abc\x00123', 'password_control_chars'),
    ],
)
def test_policy_refuses(password: str, key: str) -> None:
    with pytest.raises(ChatError) as info:
        check_password_policy(password)
    assert info.value.key == key


@pytest.mark.parametrize('password', ['abc123', 'a' * 127 + '1', '密码abc1', 'P@ss w0rd <x>'])
def test_policy_accepts(password: str) -> None:
    check_password_policy(password)


def test_hash_is_argon2id_and_verifies() -> None:
    stored = hash_password('secret123')
    assert stored.startswith('$argon2id$')
    assert verify_password('secret123', stored) == (True, None)
    assert verify_password('secret124', stored) == (False, None)


def test_long_password_is_not_truncated() -> None:
    base = 'a1' * 63
    stored = hash_password(base + 'xy')
    assert verify_password(base + 'xy', stored)[0]
    assert not verify_password(base + 'xz', stored)[0]


def test_old_pbkdf2_hash_is_upgraded() -> None:
    old = pbkdf2_sha256.using(rounds=29000).hash('legacy99')
    ok, new_hash = verify_password('legacy99', old)
    assert ok
    assert new_hash is not None and new_hash.startswith('$argon2id$')


def test_unknown_user_and_garbage_hash_fail() -> None:
    assert verify_password('whatever1', None) == (False, None)
    assert verify_password('whatever1', 'not-a-hash') == (False, None)
