import asyncio
from collections.abc import Callable

from nicegui import ElementFilter, ui
from nicegui.testing import User

from chat_ui.services import accounts

from .conftest import ADMIN_SECRET, login, open_contact, route_navigation, sees_contact, sees_text


async def make_admin() -> None:
    await accounts.init_admin(
        secret=ADMIN_SECRET, expected_secret=ADMIN_SECRET, username='root', password='admin123', password2='admin123'
    )


def state(user: User, marker: str) -> str:
    with user:
        (element,) = ElementFilter(marker=marker, local_scope=False)
    return element.props['data-state']


async def wait_state(user: User, marker: str, expected: str) -> None:
    for _ in range(150):
        try:
            if state(user, marker) == expected:
                return
        except ValueError:
            pass
        await asyncio.sleep(0.02)
    raise AssertionError(f'{marker} never became {expected}')


async def people(user: User, create_user: Callable[[], User]) -> tuple[User, User, User]:
    await make_admin()
    for name in ('alice', 'bob'):
        await accounts.register(name, 'secret123', 'secret123')
    root, alice, bob = user, create_user(), create_user()
    route_navigation(root, alice, bob)
    for person, name in ((alice, 'alice'), (bob, 'bob')):
        await login(person, name)
        await person.should_see('contact-list', retries=30)
    await login(root, 'root', 'admin123')
    await root.should_see('admin-users', retries=30)
    return root, alice, bob


async def test_normal_user_is_sent_away_from_admin(user: User) -> None:
    await accounts.register('eve', 'secret123', 'secret123')
    await login(user, 'eve')
    await user.should_see('contact-list', retries=30)
    await user.open('/admin')
    await user.should_not_see('admin-users', retries=50)
    await user.should_see('contact-list', retries=50)


async def test_mute_takes_effect_live(user: User, create_user: Callable[[], User]) -> None:
    root, alice, _ = await people(user, create_user)
    await sees_contact(alice, 'bob')
    open_contact(alice, 'bob')
    await alice.should_see(marker='chat-input', retries=30)
    assert state(root, 'mute-alice') == 'off'
    root.find('mute-alice').click()
    await wait_state(root, 'mute-alice', 'on')
    await alice.should_see('muted-banner', retries=30)
    alice.find('chat-input').type('let me speak')
    alice.find('chat-send').click()
    await alice.should_see('You have been muted', retries=30)
    await root.should_see('root muted alice', retries=30)
    root.find('mute-alice').click()
    await wait_state(root, 'mute-alice', 'off')
    await alice.should_not_see('muted-banner', retries=30)


async def test_ban_kicks_and_hides_then_unban_restores(user: User, create_user: Callable[[], User]) -> None:
    root, alice, bob = await people(user, create_user)
    await sees_contact(bob, 'alice')
    root.find('ban-alice').click()
    await root.should_see('confirm-ok', retries=50)
    await root.should_see('They will be signed out at once', retries=50)
    root.find('confirm-ok').click()
    await wait_state(root, 'ban-alice', 'on')
    await alice.should_see('login-notice', retries=30)
    await alice.should_see('banned by the administrator', retries=50)
    await sees_contact(bob, 'alice', present=False)
    await login(alice, 'alice')
    await alice.should_see('This account has been banned', retries=30)
    root.find('ban-alice').click()
    await wait_state(root, 'ban-alice', 'off')
    await sees_contact(bob, 'alice')
    await login(alice, 'alice')
    await alice.should_see('contact-list', retries=30)


async def test_view_records(user: User, create_user: Callable[[], User]) -> None:
    root, alice, _ = await people(user, create_user)
    await sees_contact(alice, 'bob')
    open_contact(alice, 'bob')
    await alice.should_see(marker='chat-input', retries=30)
    alice.find('chat-input').type('a secret plan')
    alice.find('chat-send').click()
    await sees_text(alice, 'a secret plan')
    root.find('view-bob').click()
    await root.should_see('Chat records of bob', retries=30)
    await root.should_see('a secret plan', retries=50)
    await wait_state(root, 'view-bob', 'on')


# Names the username rules allow that NiceGUI's props-string parser would cut apart (into props like ``disable``).
AWKWARD_NAMES = ['evil😍disable', 'x😍loading', 'y😍hidden', 'x\u0301y', 'नमस्ते', '👩\u200d💻dev']


def hook(user: User, name: str) -> ui.element:
    with user:
        found = list(ElementFilter(marker=name, local_scope=False))
    assert len(found) == 1, f'{name}: {found}'
    return found[0]


async def test_awkward_names_keep_their_admin_buttons(user: User) -> None:
    """A username cannot switch off, hide or spin the admin's buttons for that user: each hook carries exactly
    the name and the button stays enabled and visible."""
    await make_admin()
    for name in AWKWARD_NAMES:
        await accounts.register(name, 'secret123', 'secret123')
    await login(user, 'root', 'admin123')
    await user.should_see('admin-users', retries=30)
    for name in AWKWARD_NAMES:
        for action in ('mute', 'ban', 'view'):
            button = hook(user, f'{action}-{name}')
            assert button.props['data-testid'] == f'{action}-{name}'
            assert {'disable', 'loading', 'hidden'}.isdisjoint(button.props), button.props
            assert button.enabled and button.visible
        assert state(user, f'mute-{name}') == 'off'
    user.find(marker='mute-evil😍disable').click()
    await wait_state(user, 'mute-evil😍disable', 'on')
