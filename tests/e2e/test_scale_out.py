"""Two NiceChat processes behind HAProxy (cookie-sticky, health-checked), live events over a Redis this test owns:
people on different processes chat live, a sign-in on one process kicks the other's browser, a ban made on one
process signs the person out on the other, a Redis outage loses nothing, and a process killed mid-chat (or stopped with
SIGTERM) sends its browsers to the other process with every message exactly once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Error, Page, expect

from deploy.haproxy import render
from tests.conftest import skip_or_fail
from tests.support.redis_server import OwnRedis

from .conftest import ADMIN_SECRET, ChatServer, NewPage, free_port, start_chat_server
from .helpers import login, path_is, register, set_up_admin, unique_name
from .test_chat import open_chat, send

HAPROXY = shutil.which('haproxy') or '/usr/sbin/haproxy'


@dataclass
class Cluster:
    url: str
    servers: dict[str, ChatServer]
    redis: OwnRedis
    balancer: subprocess.Popen[bytes]

    def pin(self, page: Page, instance: str) -> None:
        """Send this browser to ``instance`` (the cookie HAProxy inserts)."""
        page.context.add_cookies([{'name': 'NICECHAT_SRV', 'value': instance, 'url': self.url}])

    def instance_of(self, page: Page) -> str:
        """Which process answers this browser (``X-NiceChat-Instance`` of a request with its cookies)."""
        return page.request.get(f'{self.url}/healthz').headers['x-nicechat-instance']


@contextmanager
def two_processes() -> Iterator[Cluster]:
    """Processes p1 and p2 on one SQLite database and a Redis of their own, behind HAProxy."""
    if shutil.which('redis-server') is None or not Path(HAPROXY).exists():
        skip_or_fail('the scale-out test needs redis-server and haproxy')
    redis = OwnRedis()
    redis.start()
    with tempfile.TemporaryDirectory(prefix='chat-scale-') as tmp:
        base = Path(tmp)
        data = base / 'shared'
        data.mkdir()
        servers: dict[str, ChatServer] = {}
        balancer = None
        try:
            for sid in ('p1', 'p2'):  # one after the other: the first runs the migrations
                servers[sid] = start_chat_server(
                    base / sid,
                    {
                        'CHAT_DATA_DIR': str(data),
                        'NICEGUI_STORAGE_PATH': str(base / sid / '.nicegui'),
                        'REDIS_URL': redis.url,
                        'CHAT_INSTANCE_ID': sid,
                        'CHAT_PRESENCE_TTL': '2',
                        'CHAT_DRAIN_SECONDS': '1',
                    },
                )
            port = free_port()
            config = base / 'haproxy.cfg'
            servers_list = [(sid, s.url.removeprefix('http://')) for sid, s in servers.items()]
            config.write_text(render(f'127.0.0.1:{port}', servers_list), encoding='utf-8')
            balancer = subprocess.Popen([HAPROXY, '-db', '-f', str(config)], stdout=subprocess.DEVNULL)
            url = f'http://127.0.0.1:{port}'
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(f'{url}/healthz', timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.2)
            yield Cluster(url=url, servers=servers, redis=redis, balancer=balancer)
        finally:
            if balancer is not None:
                balancer.kill()
                balancer.wait()
            for server in servers.values():
                server.stop()
            redis.stop()


@pytest.fixture(scope='module')
def cluster() -> Iterator[Cluster]:
    with two_processes() as running:
        yield running


def person(new_page: NewPage, cluster: Cluster, name: str, instance: str) -> Page:
    page = new_page()
    cluster.pin(page, instance)
    register(page, cluster.url, name)
    login(page, cluster.url, name)
    expect(page.get_by_test_id('contact-list')).to_be_visible()
    assert cluster.instance_of(page) == instance
    return page


def assert_moves_to(cluster: Cluster, page: Page, instance: str, timeout: float = 20.0) -> None:
    """The browser is served by ``instance`` within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while cluster.instance_of(page) != instance and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cluster.instance_of(page) == instance


def mark_page(page: Page) -> None:
    """Tag the document the browser shows now, to tell it from the one a reload brings."""
    page.evaluate('window.__beforeMove = true')


def wait_reloaded(page: Page, timeout: float = 20.0) -> None:
    """The browser shows a new document (not the tagged one): only then do its checks and sends concern the page
    served by the process it moved to, not the old one that is still on screen until the reload."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not page.evaluate('window.__beforeMove === true'):
                return
        except Error:  # the document is being replaced
            pass
        time.sleep(0.2)
    raise AssertionError(f'the page was not reloaded within {timeout} s')


def live_on_the_new_page(moved: Page, peer: Page) -> None:
    """A message from the peer reaches the reloaded page live: its socket is connected before it is typed into (text
    typed into a page whose socket has not connected yet is a known gap, see BENCHMARKS.md "Stop 25")."""
    send(peer, 'welcome back')
    expect(moved.get_by_test_id('message').filter(has_text='welcome back')).to_have_count(1, timeout=10_000)


def chatting(new_page: NewPage, cluster: Cluster, a_name: str, b_name: str) -> tuple[Page, Page]:
    """A on p1 and B on p2, each with their conversation open."""
    a = person(new_page, cluster, a_name, 'p1')
    b = person(new_page, cluster, b_name, 'p2')
    open_chat(a, b_name)
    open_chat(b, a_name)
    return a, b


def test_people_on_two_processes_chat_live_and_see_each_other_online(new_page: NewPage, cluster: Cluster) -> None:
    a_name, b_name = unique_name('sa'), unique_name('sb')
    b = person(new_page, cluster, b_name, 'p2')
    a = person(new_page, cluster, a_name, 'p1')
    expect(b.get_by_test_id(f'presence-{a_name}')).to_have_attribute('data-online', 'true')
    expect(a.get_by_test_id(f'presence-{b_name}')).to_have_attribute('data-online', 'true')
    open_chat(a, b_name)
    open_chat(b, a_name)
    started = time.monotonic()
    send(a, 'from process one 你好')
    expect(b.get_by_test_id('message').filter(has_text='from process one 你好')).to_have_count(1, timeout=3000)
    print(f'p1 -> p2 delivered in {1000 * (time.monotonic() - started):.0f} ms')
    send(b, 'and back from two')
    expect(a.get_by_test_id('message').filter(has_text='and back from two')).to_have_count(1, timeout=3000)
    b.get_by_test_id('logout').click()
    expect(a.get_by_test_id(f'presence-{b_name}')).to_have_attribute('data-online', 'false')


def test_a_sign_in_on_one_process_kicks_the_browser_on_the_other(new_page: NewPage, cluster: Cluster) -> None:
    name = unique_name('sk')
    first = person(new_page, cluster, name, 'p2')
    second = new_page()
    cluster.pin(second, 'p1')
    login(second, cluster.url, name)
    expect(first.get_by_test_id('login-notice')).to_be_visible()  # the single-device rule across processes
    assert cluster.instance_of(second) == 'p1'


def test_a_ban_on_one_process_signs_the_person_out_on_the_other(new_page: NewPage, cluster: Cluster) -> None:
    a_name, b_name = unique_name('ba'), unique_name('bb')
    a, b = chatting(new_page, cluster, a_name, b_name)
    admin = new_page()
    cluster.pin(admin, 'p1')
    set_up_admin(admin, cluster.url, ADMIN_SECRET)
    assert cluster.instance_of(admin) == 'p1'

    admin.get_by_test_id(f'ban-{b_name}').click()
    admin.get_by_test_id('confirm-ok').click()
    expect(admin.get_by_test_id(f'ban-{b_name}')).to_have_attribute('data-state', 'on')
    expect(b).to_have_url(path_is('/login'), timeout=3000)  # B's page on p2 heard of the ban made on p1
    expect(b.get_by_test_id('login-notice')).to_contain_text('banned')
    expect(a.get_by_test_id(f'contact-{b_name}')).to_have_count(0)  # gone from the list of A, on p1
    login(b, cluster.url, b_name, expect_success=False)
    expect(b.get_by_test_id('login-error')).to_contain_text('banned')
    assert cluster.instance_of(b) == 'p2'


def test_a_redis_outage_loses_no_message(new_page: NewPage, cluster: Cluster) -> None:
    try:
        outage(new_page, cluster)
    except AssertionError:
        for sid, server in cluster.servers.items():
            print(f'--- {sid} log\n{server.log()[-6000:]}')
        raise


def outage(new_page: NewPage, cluster: Cluster) -> None:
    a_name, b_name = unique_name('ra'), unique_name('rb')
    a, b = chatting(new_page, cluster, a_name, b_name)
    cluster.redis.stop()
    try:
        send(b, 'sent while redis is down')  # stored; p1 does not hear of it now
        send(a, 'a writes too')
        expect(a.get_by_test_id('message').filter(has_text='a writes too')).to_have_count(1)  # local delivery
        time.sleep(4)
    finally:
        cluster.redis.start()
    for page in (a, b):
        for text in ('sent while redis is down', 'a writes too'):
            expect(page.get_by_test_id('message').filter(has_text=text)).to_have_count(1, timeout=15_000)
    send(b, 'after the outage')
    expect(a.get_by_test_id('message').filter(has_text='after the outage')).to_have_count(1, timeout=5000)
    expect(a.get_by_test_id('message')).to_have_count(3)
    expect(b.get_by_test_id('message')).to_have_count(3)


def test_a_process_killed_mid_chat_loses_nothing(new_page: NewPage, cluster: Cluster) -> None:
    a_name, b_name = unique_name('ka'), unique_name('kb')
    a, b = chatting(new_page, cluster, a_name, b_name)
    for index in range(3):
        send(a, f'before {index}')
    expect(b.get_by_test_id('message')).to_have_count(3)
    killed = time.monotonic()
    mark_page(a)
    os.kill(cluster.servers['p1'].process.pid, signal.SIGKILL)
    send(b, 'while a is moving')
    # A's socket comes back through the balancer to p2, which does not know the page: it reloads there, and the
    # reloaded page opens the conversation of its address (?c=) itself; a click on the contact while it is opening
    # would open it again and could reset the composer after the next text was typed
    wait_reloaded(a)
    expect(a.get_by_test_id('contact-list')).to_be_visible(timeout=20_000)
    assert_moves_to(cluster, a, 'p2')
    expect(a.get_by_test_id('chat-peer')).to_have_text(b_name, timeout=20_000)
    expect(a.get_by_test_id('message')).to_have_count(4, timeout=10_000)  # every stored message, exactly once
    for text in ('before 0', 'before 1', 'before 2', 'while a is moving'):
        expect(a.get_by_test_id('message').filter(has_text=text)).to_have_count(1)
    print(f'back on p2 with every message {time.monotonic() - killed:.1f} s after kill -9')
    expect(b.get_by_test_id(f'presence-{a_name}')).to_have_attribute('data-online', 'true', timeout=10_000)
    live_on_the_new_page(a, b)
    send(a, 'on two now')
    expect(b.get_by_test_id('message').filter(has_text='on two now')).to_have_count(1)


def test_a_process_stopped_with_sigterm_hands_its_browsers_to_the_other(new_page: NewPage) -> None:
    with two_processes() as own:
        a_name, b_name = unique_name('ta'), unique_name('tb')
        a, b = chatting(new_page, own, a_name, b_name)
        send(a, 'before the stop')
        expect(b.get_by_test_id('message')).to_have_count(1)
        stopping = own.servers['p1']
        mark_page(a)
        os.kill(stopping.process.pid, signal.SIGTERM)
        send(a, 'as p1 stops')  # a draining process still finishes what its pages send (killed, it would not)
        expect(b.get_by_test_id('message').filter(has_text='as p1 stops')).to_have_count(1)
        send(b, 'while p1 drains')  # stored on p2 and published while A's process is going
        # p1 refuses new pages while it drains, tells its pages to reload, and they land on p2
        assert_moves_to(own, a, 'p2')
        # uvicorn ends by raising the signal again once it has shut down: exit code 0 or "terminated by SIGTERM"
        assert stopping.process.wait(timeout=20) in (0, -signal.SIGTERM), stopping.log()
        assert 'SIGTERM: p1 stops taking pages' in stopping.log()
        wait_reloaded(a)  # the reloaded page opens the conversation of its address (?c=) itself
        expect(a.get_by_test_id('contact-list')).to_be_visible(timeout=20_000)
        expect(a.get_by_test_id('chat-peer')).to_have_text(b_name, timeout=20_000)
        expect(a.get_by_test_id('message')).to_have_count(3, timeout=10_000)
        for text in ('before the stop', 'as p1 stops', 'while p1 drains'):
            expect(a.get_by_test_id('message').filter(has_text=text)).to_have_count(1)
        live_on_the_new_page(a, b)
        send(a, 'from p2 now')
        expect(b.get_by_test_id('message').filter(has_text='from p2 now')).to_have_count(1)
        expect(b.get_by_test_id('message')).to_have_count(5)
