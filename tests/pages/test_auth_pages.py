import asyncio
from collections.abc import Callable

import pytest
from nicegui.testing import User

from chat_ui.core import clock
from chat_ui.services import accounts
from db.engine import session_scope
from db.throttle import get_throttle

from .conftest import ADMIN_SECRET, fail_login, login, register, route_navigation, submit_login


async def test_visitor_is_sent_to_login(user: User) -> None:
    await user.open('/')
    await user.should_see('login-username', retries=50)
    await user.should_see('goto-register', retries=50)


async def test_register_then_login_then_logout(user: User) -> None:
    await register(user, 'alice')
    await user.should_see('Account created', retries=50)
    await login(user, 'alice')
    await user.should_see('current-user', retries=50)
    await user.should_see('alice', retries=50)
    user.find('logout').click()
    await user.should_see('login-notice', retries=50)
    await user.should_see('You have signed out', retries=50)
    await user.open('/')
    await user.should_see('login-username', retries=50)


async def test_duplicate_name_stays_on_page(user: User) -> None:
    await register(user, 'bob')
    await user.open('/register')
    user.find('register-username').type('BOB')
    user.find('register-password').type('other123')
    user.find('register-password2').type('other123')
    user.find('register-submit').click()
    await user.should_see('This username is already taken', retries=50)
    await user.should_see('register-submit', retries=50)


@pytest.mark.parametrize(
    ('name', 'password', 'message'),
    [
        ('', 'secret123', 'Please choose a username'),
        ('<img src=x onerror=alert(1)>', 'secret123', 'may only contain'),
        ('x' * 40, 'secret123', 'too long'),
        ('carl', 'letters', 'both letters and digits'),
    ],
)
async def test_bad_registration_input(user: User, name: str, password: str, message: str) -> None:
    await user.open('/register')
    user.find('register-username').type(name)
    user.find('register-password').type(password)
    user.find('register-password2').type(password)
    user.find('register-submit').click()
    await user.should_see(message, retries=50)
    await user.should_see('register-submit', retries=50)


async def test_wrong_password_captcha_then_lock(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    await register(user, 'dora')
    for attempt in range(1, 4):
        await fail_login(user, 'dora', attempt)
        await user.should_see('Wrong username or password', retries=50)
    await user.should_see('login-captcha', retries=50)
    user.find('login-password').type('secret123')
    user.find('login-captcha').type('????')
    user.find('login-submit').click()
    await user.should_see('The code does not match the picture', retries=50)
    await user.should_not_see('current-user', retries=50)
    await login(user, 'dora', 'secret123')
    await user.should_see('type the code in the picture', retries=50)


async def test_lock_after_five_failures(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    await register(user, 'emma')
    monkeypatch.setattr('chat_ui.services.rules.captcha.Challenge.accepts', lambda self, attempt: True)
    for attempt in range(1, 6):
        await fail_login(user, 'emma', attempt)
    await user.should_see('Try again in 60 s', retries=50)
    user.find('login-password').type('secret123')
    await submit_login(user)
    await user.should_see('Try again in 6', retries=50)
    await user.should_not_see('current-user', retries=50)
    real_now = clock.now
    monkeypatch.setattr(clock, 'now', lambda: real_now() + accounts.LOCK_FOR)
    user.find('login-password').type('secret123')
    user.find('login-captcha').type('ABCD')
    user.find('login-submit').click()
    await user.should_see('current-user', retries=50)


async def test_unknown_name_gets_the_same_message(user: User) -> None:
    await fail_login(user, 'nobody', 1)
    await user.should_see('Wrong username or password', retries=50)


async def test_second_login_kicks_the_first(user: User, create_user: Callable[[], User]) -> None:
    await register(user, 'fred')
    await login(user, 'fred')
    await user.should_see('current-user', retries=50)
    other = create_user()
    route_navigation(user, other)
    await login(other, 'fred')
    await other.should_see('current-user', retries=30)
    await user.should_see('signed in on another device', retries=30)


async def test_init_admin_flow(user: User, create_user: Callable[[], User]) -> None:
    await user.open('/init_admin')
    user.find('init-secret').type('wrong')
    user.find('init-username').type('root')
    user.find('init-password').type('admin123')
    user.find('init-submit').click()
    await user.should_see('The setup secret is wrong', retries=50)
    user.find('init-secret').clear().type(ADMIN_SECRET)
    user.find('init-username').clear().type('Administrator')
    user.find('init-submit').click()
    await user.should_see('is reserved', retries=50)
    user.find('init-username').clear().type('root')
    user.find('init-submit').click()
    await user.should_see('Administrator account created', retries=50)
    await login(user, 'root', 'admin123')
    await user.should_see('admin-users', retries=50)
    second = create_user()
    await second.open('/init_admin')
    await second.should_see('init-closed', retries=50)
    await second.should_not_see('init-secret', retries=50)


async def test_init_admin_refuses_without_secret(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr('chat_ui.core.config.get_settings', lambda: type('S', (), {'init_admin_secret': None})())
    monkeypatch.setattr('pages.init_admin.get_settings', lambda: type('S', (), {'init_admin_secret': None})())
    await user.open('/init_admin')
    await user.should_see('INIT_ADMIN_SECRET', retries=50)
    await user.should_not_see('init-secret', retries=50)


async def test_admin_page_refuses_normal_user(user: User) -> None:
    await register(user, 'gina')
    await login(user, 'gina')
    await user.should_see('current-user', retries=50)
    await user.open('/admin')
    await user.should_not_see('admin-users', retries=50)
    await user.should_see('current-user', retries=50)


async def fail_setup(user: User, attempt: int) -> None:
    """Submit a wrong setup secret on the open /init_admin page and wait until the server has counted it as
    failure number ``attempt`` and the page has shown its answer."""
    user.find('init-secret').clear().type('wrong')
    user.find('init-submit').click()
    for _ in range(250):
        with session_scope() as db:
            row = get_throttle(db, name_key=accounts.SETUP_THROTTLE_KEY)
        busy = any('loading' in button.props for button in user.find('init-submit').elements)
        if row is not None and row.failures >= attempt and not busy:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f'setup failure {attempt} was not recorded')


async def test_init_admin_captcha_then_lock(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    await user.open('/init_admin')
    user.find('init-username').type('root')
    user.find('init-password').type('admin123')
    await user.should_not_see('init-captcha', retries=5)
    for attempt in range(1, 4):
        await fail_setup(user, attempt)
        await user.should_see('The setup secret is wrong', retries=50)
    await user.should_see('also type the code in the picture', retries=50)
    await user.should_see('init-captcha', retries=50)
    user.find('init-secret').clear().type(ADMIN_SECRET)
    user.find('init-captcha').type('????')
    user.find('init-submit').click()
    await user.should_see('The code does not match the picture', retries=50)
    monkeypatch.setattr('chat_ui.services.rules.captcha.Challenge.accepts', lambda self, attempt: True)
    for attempt in range(4, 6):
        await fail_setup(user, attempt)
    await user.should_see('administrator setup is locked. Try again in 60 s', retries=50)
    user.find('init-secret').clear().type(ADMIN_SECRET)
    await submit_login(user, 'init-submit')
    await user.should_see('Try again in 6', retries=50)
    assert not await accounts.admin_exists()
    real_now = clock.now
    monkeypatch.setattr(clock, 'now', lambda: real_now() + accounts.LOCK_FOR)
    user.find('init-secret').clear().type(ADMIN_SECRET)
    user.find('init-submit').click()
    await user.should_see('Administrator account created', retries=50)
    assert await accounts.admin_exists()
