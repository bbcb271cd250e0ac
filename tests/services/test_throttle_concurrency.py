"""Sign-in and admin set-up throttling under concurrency (SPEC A4, A6, ASVS 6.3): attempts that arrive together are
counted before their secret is checked, so no burst is checked more often than the rules allow; and however many
set-ups race, there is exactly one admin."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from chat_ui.core.errors import ChatError
from chat_ui.services import accounts
from chat_ui.services.accounts import CAPTCHA_AFTER, LOCK_AFTER, LoginRefused
from chat_ui.services.rules.passwords import verify_password
from db import users as user_queries
from db.engine import session_scope
from db.models import User

from .conftest import FakeClock

RIGHT = 'secret123'
WRONG = 'wrong999'
SECRET = 's3cret'


class Hold:
    """Counts the calls of a wrapped function and keeps each held (in its worker thread) until released, so that
    every attempt of a burst is in flight at the same time, without sleeping."""

    def __init__(self) -> None:
        self.calls = 0
        self.changed = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._released = threading.Event()

    def arrive(self, *, wait: bool = True) -> None:
        with self._lock:
            self.calls += 1
        self._loop.call_soon_threadsafe(self.changed.set)
        if wait:
            self._released.wait(timeout=60)

    def release(self) -> None:
        self._released.set()

    async def until(self, tasks: list[asyncio.Task[Any]], ready: Callable[[int, int], bool]) -> None:
        """Wait until ``ready(calls, answered attempts)`` holds, re-checked whenever either changes."""
        while True:
            self.changed.clear()
            if ready(self.calls, sum(task.done() for task in tasks)):
                return
            waiter = asyncio.ensure_future(self.changed.wait())
            pending = [task for task in tasks if not task.done()]
            done, _ = await asyncio.wait([waiter, *pending], timeout=60, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            assert done, 'the attempts got stuck'


def hold_wrong_verifications(monkeypatch: pytest.MonkeyPatch) -> Hold:
    """Wrap the password check the accounts service uses: count every verification, hold the wrong ones."""
    hold = Hold()

    def verify(password: str, password_hash: str | None) -> tuple[bool, str | None]:
        hold.arrive(wait=password != RIGHT)
        return verify_password(password, password_hash)

    monkeypatch.setattr(accounts, 'verify_password', verify)
    return hold


def start(calls: list[Coroutine[Any, Any, Any]]) -> list[asyncio.Task[Any]]:
    return [asyncio.ensure_future(call) for call in calls]


async def outcomes(hold: Hold, tasks: list[asyncio.Task[Any]]) -> list[Any]:
    hold.release()
    return await asyncio.gather(*tasks, return_exceptions=True)


def keys(results: list[Any]) -> list[str]:
    assert all(isinstance(result, LoginRefused) for result in results), results
    return sorted(result.key for result in results)


async def test_a_burst_of_wrong_passwords_is_verified_at_most_three_times(
    engine: Engine, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await accounts.register('bob', RIGHT, RIGHT)
    hold = hold_wrong_verifications(monkeypatch)
    tasks = start([accounts.login('bob', WRONG) for _ in range(12)])
    await hold.until(tasks, lambda calls, answered: calls > CAPTCHA_AFTER or calls + answered == len(tasks))
    results = await outcomes(hold, tasks)
    assert hold.calls == CAPTCHA_AFTER
    assert keys(results) == sorted(['login_failed'] * 2 + ['login_failed_captcha'] + ['captcha_required'] * 9)


async def test_a_burst_with_captchas_is_verified_at_most_five_times_then_locked(
    engine: Engine, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await accounts.register('bea', RIGHT, RIGHT)
    hold = hold_wrong_verifications(monkeypatch)
    tasks = start([accounts.login('bea', WRONG, captcha_ok=True) for _ in range(12)])
    await hold.until(tasks, lambda calls, answered: calls > LOCK_AFTER or calls + answered == len(tasks))
    results = await outcomes(hold, tasks)
    assert hold.calls == LOCK_AFTER
    assert keys(results) == sorted(['login_failed'] * 2 + ['login_failed_captcha'] * 2 + ['account_locked'] * 8)
    assert {result.params['seconds'] for result in results if result.key == 'account_locked'} == {60}
    with pytest.raises(LoginRefused) as info:
        await accounts.login('bea', RIGHT, captcha_ok=True)
    assert info.value.key == 'account_locked'


async def test_an_unknown_name_is_throttled_the_same_under_a_burst(
    engine: Engine, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold = hold_wrong_verifications(monkeypatch)
    tasks = start([accounts.login('nobody', WRONG) for _ in range(12)])
    await hold.until(tasks, lambda calls, answered: calls > CAPTCHA_AFTER or calls + answered == len(tasks))
    results = await outcomes(hold, tasks)
    assert hold.calls == CAPTCHA_AFTER
    assert keys(results) == sorted(['login_failed'] * 2 + ['login_failed_captcha'] + ['captcha_required'] * 9)


async def test_the_right_password_fifth_in_a_burst_does_not_sign_in(
    engine: Engine, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await accounts.register('carol', RIGHT, RIGHT)
    hold = hold_wrong_verifications(monkeypatch)
    wrong = start([accounts.login('carol', WRONG) for _ in range(4)])
    await hold.until(wrong, lambda calls, answered: calls > CAPTCHA_AFTER or calls + answered == len(wrong))
    fifth = start([accounts.login('carol', RIGHT)])
    await asyncio.wait(fifth)
    results = await outcomes(hold, wrong)
    assert keys([fifth[0].exception()]) == ['captcha_required']
    assert keys(results) == sorted(['login_failed'] * 2 + ['login_failed_captcha'] + ['captcha_required'])
    _, info = await accounts.login('carol', RIGHT, captcha_ok=True)
    assert info.username == 'carol'


async def test_the_right_password_clears_what_its_own_attempt_counted(
    engine: Engine, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every attempt is counted before it is verified, the right one too: its success must take that back, with
    the earlier failures, so a later wrong password is failure number one again."""
    await accounts.register('dan', RIGHT, RIGHT)
    await accounts.login('dan', RIGHT)
    for expected in ('login_failed', 'login_failed'):
        with pytest.raises(LoginRefused) as info:
            await accounts.login('dan', WRONG)
        assert info.value.key == expected
    await accounts.login('dan', RIGHT)
    with pytest.raises(LoginRefused) as info:
        await accounts.login('dan', WRONG)
    assert info.value.key == 'login_failed' and not info.value.captcha_required


def admins(db: Session) -> list[str]:
    return list(db.exec(select(User.username).where(col(User.is_admin).is_(True))).all())


async def test_concurrent_admin_set_ups_create_exactly_one_admin(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every set-up is let past its "is there an admin yet?" check before any of them creates one: only the
    database can then keep the second admin out."""
    hold = Hold()
    real_admin_exists = user_queries.admin_exists

    def admin_exists(db: Session) -> bool:
        answer = real_admin_exists(db)
        hold.arrive()
        return answer

    monkeypatch.setattr(user_queries, 'admin_exists', admin_exists)
    tasks = start(
        [
            accounts.init_admin(
                secret=SECRET, expected_secret=SECRET, username=f'root{i}', password='admin123', password2='admin123'
            )
            for i in range(8)
        ]
    )
    await hold.until(tasks, lambda calls, answered: calls >= 2 or answered == len(tasks))
    results = await outcomes(hold, tasks)
    created = [result for result in results if isinstance(result, int)]
    refused = [result for result in results if not isinstance(result, int)]
    assert len(created) == 1
    assert all(isinstance(error, ChatError) and error.key == 'admin_exists' for error in refused), refused
    with session_scope() as db:
        assert len(admins(db)) == 1


async def test_a_burst_of_wrong_setup_secrets_is_throttled(engine: Engine, fake_clock: FakeClock) -> None:
    tasks = start(
        [
            accounts.init_admin(
                secret=f'guess{i}', expected_secret=SECRET, username='root', password='admin123', password2='admin123'
            )
            for i in range(12)
        ]
    )
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert keys(results) == sorted(['init_wrong_secret'] * 2 + ['init_wrong_secret_captcha'] + ['captcha_required'] * 9)
