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


def test_hashing_runs_in_the_one_hashing_thread_and_never_on_an_event_loop() -> None:
    import asyncio
    import threading

    from chat_ui.services.rules import passwords

    seen: set[str] = set()
    original = passwords._context.hash

    def spy(secret: str) -> str:
        seen.add(threading.current_thread().name)
        return original(secret)

    passwords._context.hash = spy  # type: ignore[method-assign]
    try:
        with __import__('concurrent.futures').futures.ThreadPoolExecutor(4) as pool:
            hashes = list(pool.map(hash_password, ['abc123', 'abc124', 'abc125', 'abc126']))
    finally:
        del passwords._context.hash
    assert all(verify_password(p, h)[0] for p, h in zip(['abc123', 'abc124', 'abc125', 'abc126'], hashes, strict=True))
    assert len(seen) == 1 and next(iter(seen)).startswith('password-hash')

    async def on_the_loop() -> None:
        with pytest.raises(RuntimeError, match='event loop'):
            hash_password('abc123')
        with pytest.raises(RuntimeError, match='event loop'):
            verify_password('abc123', hashes[0])

    asyncio.run(on_the_loop())


def test_malloc_threshold_is_fixed_on_linux() -> None:
    import sys

    from chat_ui.core.memory import tune_malloc

    assert tune_malloc() is sys.platform.startswith('linux')
