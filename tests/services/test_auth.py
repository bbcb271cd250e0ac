import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from chat_ui.core.errors import ChatError
from chat_ui.live.events import SessionEnded
from chat_ui.services import accounts
from chat_ui.services.accounts import LoginRefused
from db import users as user_queries
from db.engine import session_scope
from db.models import User
from tests.support.events import CapturedEvents, to_users

from .conftest import FakeClock


def all_users() -> list[User]:
    with session_scope() as db:
        return list(db.exec(select(User)).all())


async def test_register_and_login_records_device(engine: Engine, fake_clock: FakeClock) -> None:
    user_id = await accounts.register('alice', 'secret123', 'secret123')
    token, info = await accounts.login('ALICE', 'secret123', ip='127.0.0.1', user_agent='TestAgent/1.0')
    assert info.user_id == user_id and info.username == 'alice' and not info.is_admin
    assert len(token) >= 40
    assert (await accounts.current_session(token)) == info
    with session_scope() as db:
        user = user_queries.get_user(db, user_id=user_id)
        assert user is not None
        assert (user.last_login_at, user.last_login_ip, user.last_login_device) == (
            fake_clock.value,
            '127.0.0.1',
            'TestAgent/1.0',
        )
        assert user.password_hash.startswith('$argon2id$')


@pytest.mark.parametrize(
    ('username', 'password', 'password2', 'key'),
    [
        ('', 'secret123', 'secret123', 'username_required'),
        ('<b>x</b>', 'secret123', 'secret123', 'username_bad_chars'),
        ("x'; DROP TABLE users;--", 'secret123', 'secret123', 'username_bad_chars'),
        ('y' * 33, 'secret123', 'secret123', 'username_too_long'),
        ('bob', 'short1', 'short2', 'passwords_differ'),
        ('bob', 'onlyletters', 'onlyletters', 'password_letters_digits'),
        ('bob', 'a1' * 65, 'a1' * 65, 'password_too_long'),
    ],
)
async def test_register_refusals_write_nothing(
    engine: Engine, username: str, password: str, password2: str, key: str
) -> None:
    with pytest.raises(ChatError) as info:
        await accounts.register(username, password, password2)
    assert info.value.key == key
    assert all_users() == []


async def test_duplicate_name_case_insensitive(engine: Engine) -> None:
    await accounts.register('Alice', 'secret123', 'secret123')
    with pytest.raises(ChatError) as info:
        await accounts.register('alice', 'other456', 'other456')
    assert info.value.key == 'username_taken'
    assert len(all_users()) == 1


async def test_throttle_captcha_lock_and_reset(engine: Engine, fake_clock: FakeClock) -> None:
    await accounts.register('bob', 'secret123', 'secret123')
    for attempt in range(1, 4):
        with pytest.raises(LoginRefused) as info:
            await accounts.login('bob', 'wrong999')
        assert info.value.key == ('login_failed_captcha' if attempt >= 3 else 'login_failed')
        assert info.value.captcha_required == (attempt >= 3)
    with pytest.raises(LoginRefused) as info:
        await accounts.login('bob', 'secret123')
    assert info.value.key == 'captcha_required'
    with pytest.raises(LoginRefused) as info:
        await accounts.login('bob', 'secret123', captcha_ok=False)
    assert info.value.key == 'captcha_wrong'
    with pytest.raises(LoginRefused):
        await accounts.login('bob', 'wrong999', captcha_ok=True)
    with pytest.raises(LoginRefused) as info:
        await accounts.login('bob', 'wrong999', captcha_ok=True)
    assert info.value.key == 'account_locked' and info.value.params == {'seconds': 60}
    fake_clock.advance(30)
    with pytest.raises(LoginRefused) as info:
        await accounts.login('bob', 'secret123', captcha_ok=True)
    assert info.value.key == 'account_locked' and info.value.params == {'seconds': 30}
    fake_clock.advance(31)
    await accounts.login('bob', 'secret123', captcha_ok=True)
    with pytest.raises(LoginRefused) as info:
        await accounts.login('bob', 'wrong999')
    assert info.value.key == 'login_failed' and not info.value.captcha_required


async def test_unknown_name_behaves_like_a_known_one(engine: Engine, fake_clock: FakeClock) -> None:
    await accounts.register('carol', 'secret123', 'secret123')
    outcomes: dict[str, list[tuple[str, bool]]] = {'carol': [], 'nobody': []}
    for name in outcomes:
        for _ in range(6):
            with pytest.raises(LoginRefused) as info:
                await accounts.login(name, 'wrong999', captcha_ok=True)
            outcomes[name].append((info.value.key, info.value.captcha_required))
    assert outcomes['carol'] == outcomes['nobody']


async def test_second_login_ends_the_first_session(engine: Engine, events: CapturedEvents) -> None:
    await accounts.register('dave', 'secret123', 'secret123')
    first_token, first = await accounts.login('dave', 'secret123')
    second_token, second = await accounts.login('dave', 'secret123')
    assert await accounts.current_session(first_token) is None
    assert await accounts.current_session(second_token) == second
    assert (SessionEnded(session_id=first.session_id, reason='replaced'), to_users(first.user_id)) in events.items


async def test_logout_ends_the_session(engine: Engine) -> None:
    await accounts.register('erin', 'secret123', 'secret123')
    token, _ = await accounts.login('erin', 'secret123')
    await accounts.logout(token)
    assert await accounts.current_session(token) is None
    assert await accounts.current_session('made-up-token') is None
    assert await accounts.current_session(None) is None


async def test_expired_session_is_refused(engine: Engine, fake_clock: FakeClock) -> None:
    await accounts.register('fay', 'secret123', 'secret123')
    token, _ = await accounts.login('fay', 'secret123')
    fake_clock.advance(accounts.SESSION_LIFETIME.total_seconds() + 1)
    assert await accounts.current_session(token) is None


async def test_init_admin(engine: Engine) -> None:
    with pytest.raises(ChatError) as info:
        await accounts.init_admin(
            secret='x', expected_secret=None, username='root', password='admin123', password2='admin123'
        )
    assert info.value.key == 'init_disabled'
    with pytest.raises(ChatError) as info:
        await accounts.init_admin(
            secret='wrong', expected_secret='s3cret', username='root', password='admin123', password2='admin123'
        )
    assert info.value.key == 'init_wrong_secret'
    with pytest.raises(ChatError) as info:
        await accounts.init_admin(
            secret='s3cret',
            expected_secret='s3cret',
            username='Administrator',
            password='admin123',
            password2='admin123',
        )
    assert info.value.key == 'init_reserved_name'
    assert all_users() == []
    await accounts.init_admin(
        secret='s3cret', expected_secret='s3cret', username='root', password='admin123', password2='admin123'
    )
    assert await accounts.admin_exists()
    with pytest.raises(ChatError) as info:
        await accounts.init_admin(
            secret='s3cret', expected_secret='s3cret', username='root2', password='admin123', password2='admin123'
        )
    assert info.value.key == 'admin_exists'
    _, session = await accounts.login('root', 'admin123')
    assert session.is_admin


async def test_banned_user_cannot_log_in(engine: Engine) -> None:
    user_id = await accounts.register('gil', 'secret123', 'secret123')
    with session_scope() as db:
        user = user_queries.get_user(db, user_id=user_id)
        assert user is not None
        user.is_banned = True
    with pytest.raises(LoginRefused) as info:
        await accounts.login('gil', 'secret123')
    assert info.value.key == 'account_banned'


async def test_wrong_setup_secrets_need_a_captcha_then_lock(engine: Engine, fake_clock: FakeClock) -> None:
    async def set_up(secret: str, captcha_ok: bool | None = None) -> int:
        return await accounts.init_admin(
            secret=secret,
            expected_secret='s3cret',
            username='root',
            password='admin123',
            password2='admin123',
            captcha_ok=captcha_ok,
        )

    async def refusal(secret: str, captcha_ok: bool | None = None) -> LoginRefused:
        with pytest.raises(LoginRefused) as info:
            await set_up(secret, captcha_ok)
        return info.value

    for attempt in range(1, 4):
        refused = await refusal('wrong')
        assert refused.key == ('init_wrong_secret_captcha' if attempt >= 3 else 'init_wrong_secret')
        assert refused.captcha_required == (attempt >= 3)
    assert (await refusal('s3cret')).key == 'captcha_required'
    assert (await refusal('s3cret', captcha_ok=False)).key == 'captcha_wrong'
    assert (await refusal('wrong', captcha_ok=True)).key == 'init_wrong_secret_captcha'
    refused = await refusal('wrong', captcha_ok=True)
    assert (refused.key, refused.params) == ('init_locked', {'seconds': 60})
    fake_clock.advance(30)
    refused = await refusal('s3cret', captcha_ok=True)
    assert (refused.key, refused.params) == ('init_locked', {'seconds': 30})
    assert all_users() == []
    fake_clock.advance(31)
    await set_up('s3cret', captcha_ok=True)
    assert await accounts.admin_exists()
    with pytest.raises(ChatError) as info:
        await set_up('wrong')
    assert info.value.key == 'admin_exists'


async def test_sign_in_and_setup_counters_are_apart(engine: Engine, fake_clock: FakeClock) -> None:
    """No login name reaches the set-up counter (it has a character no username may have), and failed set-ups do
    not throttle anyone's sign-in."""
    await accounts.register('root', 'admin123', 'admin123')
    for _ in range(6):
        with pytest.raises(LoginRefused) as info:
            await accounts.login(accounts.SETUP_THROTTLE_KEY, 'wrong999', captcha_ok=True)
        assert info.value.key == 'login_failed'
        with pytest.raises(LoginRefused):
            await accounts.init_admin(
                secret='wrong', expected_secret='s3cret', username='boss', password='admin123', password2='admin123'
            )
    fake_clock.advance(61)
    await accounts.login('root', 'admin123')
    await accounts.init_admin(
        secret='s3cret',
        expected_secret='s3cret',
        username='boss',
        password='admin123',
        password2='admin123',
        captcha_ok=True,
    )
