"""Live scenarios against a running server: log in, open chats, send at a fixed rate, time deliveries.

Every client is a :class:`bench.ngclient.Tab` of a :class:`bench.ngclient.Browser` that signed in through the real
/login page. Latency is measured from the moment sender A's "send" click leaves the load generator until the
``update`` carrying the new bubble reaches recipient B (both ends live in this process, one monotonic clock).

``traffic(..., actions=0.1)`` mixes in what people do besides sending: every tenth message is edited or recalled
by its sender through the bubble's menu once it has arrived (timed until the recipient's bubble shows the change; a
bubble that shows the old state after that is *stale*), and each sender goes on typing after a send (an input change
3.5 s and 7 s later: a typing notice every 3.5 s while active, just clear of the server's 3 s gate).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from . import ngclient
from .ngclient import Browser, Tab

PREFIX = 'bench '
BENCH_TEXT = re.compile(r'bench [^:<\s]+:[0-9]+')  # a bench message's text inside a chunk of message HTML


ABSOLUTE_SCHEDULE = True  # ``python -m bench --paced`` turns it off for every run


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    """p50/p95/p99/max (nearest-rank) of millisecond values."""
    if not values:
        return {'count': 0, 'p50': None, 'p95': None, 'p99': None, 'max': None, 'mean': None}
    ordered = sorted(values)

    def rank(p: float) -> float:
        index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return round(ordered[index], 2)

    return {
        'count': len(ordered),
        'p50': rank(50),
        'p95': rank(95),
        'p99': rank(99),
        'max': round(ordered[-1], 2),
        'mean': round(statistics.fmean(ordered), 2),
    }


@dataclass
class Member:
    """One signed-in chat client and the element/listener ids it needs."""

    name: str
    browser: Browser
    tab: Tab | None = None
    peer: str | None = None
    input_ids: tuple[int, str] | None = None
    send_ids: tuple[int, str] | None = None
    open_waiter: asyncio.Future[float] | None = None
    bubbles_wanted: int = 0
    bubbles_seen: int = 0
    last_sent_seq: int | None = None
    watch: Callable[[dict[str, Any], float], None] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one composer: a send, a draft or an edit at a time
    own: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # own bench text -> (chunk, row id, menu)
    wanted: dict[str, asyncio.Future[tuple[int, str]]] = field(default_factory=dict)  # testid -> (element, click)
    drafts: int = 0

    def expect(self, name: str) -> asyncio.Future[tuple[int, str]]:
        """Resolved when an element with ``data-testid=name`` arrives in an update: (element id, click listener)."""
        future = self.wanted[name] = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda _: self.wanted.pop(name, None))
        return future

    async def click_contact(self, contact: str) -> None:
        """What Quasar's table reports when the contact's row is clicked: ``rowClick`` with the row (its id)."""
        assert self.tab is not None
        element_id, listener = self.tab.page.listener('contact-list', 'rowClick')
        rows = self.tab.page.elements[str(element_id)]['props']['rows']
        row_id = next(row['id'] for row in rows if row['name'] == contact)
        await self.tab.emit_event(element_id, listener, [json.dumps({}), json.dumps({'id': row_id})])

    async def send(self, text: str) -> None:
        """What the browser does when the user has typed ``text`` and presses the send button."""
        assert self.tab is not None and self.input_ids and self.send_ids
        async with self.lock:
            await self.tab.emit_event(self.input_ids[0], self.input_ids[1], [json.dumps(text)])
            await self.tab.emit_event(self.send_ids[0], self.send_ids[1], [])

    async def draft(self) -> None:
        """Type into the input without sending (the page tells the peer "typing…", at most every 3 s)."""
        assert self.tab is not None and self.input_ids
        async with self.lock:
            self.drafts += 1
            await self.tab.emit_event(self.input_ids[0], self.input_ids[1], [json.dumps(f'draft {self.drafts}')])

    async def act(self, text: str, kind: str, on_emit: Callable[[int], None]) -> None:
        """Edit (``kind`` 'edit': the text gets ``EDITED``) or recall an own message through its bubble's menu, as a
        person clicks it; ``on_emit(row id)`` runs as the last click leaves."""
        assert self.tab is not None and self.input_ids and self.send_ids
        chunk, row_id, menu = self.own[text]
        async with self.lock:
            wanted = self.expect(f'action-{kind}')
            await self.tab.emit_event(chunk, menu, [json.dumps(row_id)])
            button, click = await asyncio.wait_for(wanted, 15.0)
            if kind == 'recall':
                on_emit(row_id)
                await self.tab.emit_event(button, click, [])
                return
            banner = self.expect('edit-banner')
            await self.tab.emit_event(button, click, [])
            await asyncio.wait_for(banner, 15.0)
            await self.tab.emit_event(self.input_ids[0], self.input_ids[1], [json.dumps(text + EDITED)])
            on_emit(row_id)
            await self.tab.emit_event(self.send_ids[0], self.send_ids[1], [])


EDITED = ' edited'
DRAFT_EVERY = 3.5  # s: clear of the 3 s typing gate, so that each draft is one notice however the server is timed


@dataclass
class Actions:
    """Edits and recalls, each timed from its last click until the recipient's bubble shows it."""

    changes: dict[int, tuple[str, str]] = field(default_factory=dict)  # row id -> (recipient, 'edit' | 'recall')
    emitted: dict[int, float] = field(default_factory=dict)
    arrived: dict[int, float] = field(default_factory=dict)
    stale: int = 0  # updates that showed a changed bubble in its old state after the change had arrived
    failed: collections.Counter[str] = field(default_factory=collections.Counter)

    def row_seen(self, member: Member, row: dict[str, Any], t: float) -> None:
        change = self.changes.get(row.get('id', -1))
        if change is None or change[0] != member.name:
            return
        row_id = row['id']
        if change[1] == 'recall':
            shown = row.get('k') == 'recalled'
        else:
            shown = bool(row.get('e')) and str(row.get('b', '')).endswith(EDITED)
        if shown:
            if row_id in self.emitted and row_id not in self.arrived:
                self.arrived[row_id] = t
        elif row_id in self.arrived:
            self.stale += 1

    def report(self) -> dict[str, Any]:
        kinds = list(self.changes.values())
        latencies = [(self.arrived[r] - self.emitted[r]) * 1000 for r in self.arrived]
        return {
            'edits': sum(kind == 'edit' for _, kind in kinds),
            'recalls': sum(kind == 'recall' for _, kind in kinds),
            'shown_to_recipient': len(self.arrived),
            'not_shown': len(self.emitted) - len(self.arrived),
            'failed': dict(self.failed),
            'stale_bubbles': self.stale,
            'latency_ms': percentiles(latencies),
        }


@dataclass
class Tracker:
    """Sent messages and their arrivals (first arrival per recipient; a second bubble is a duplicate)."""

    run: str = ''
    sent: dict[int, tuple[float, str, str]] = field(default_factory=dict)  # seq -> (t, sender, recipient)
    arrived: dict[int, float] = field(default_factory=dict)
    bubbles: dict[int, set[int]] = field(default_factory=dict)  # seq -> element ids showing it at the recipient
    bubble_seq: dict[tuple[str, int], int] = field(default_factory=dict)  # (recipient, element id) -> seq
    duplicates: int = 0
    chunk_duplicates: set[tuple[str, int, str]] = field(default_factory=set)
    echoes: int = 0
    overlapping_sends: int = 0
    skipped_busy: int = 0
    send_failures: int = 0
    all_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    sending_done: bool = False

    def text(self, seq: int) -> str:
        return f'{PREFIX}{self.run}:{seq}'

    def seen(self, member: Member, element_id: int, text: str, t: float) -> None:
        run, _, seq_text = text[len(PREFIX) :].partition(':')
        if run != self.run or not seq_text.isdigit():
            return
        seq = int(seq_text)
        record = self.sent.get(seq)
        if record is None:
            return
        if member.name == record[1]:
            self.echoes += 1
            if member.last_sent_seq == seq:
                member.last_sent_seq = None
            return
        if member.name != record[2]:
            return
        live = self.bubbles.setdefault(seq, set())
        live.add(element_id)
        self.bubble_seq[member.name, element_id] = seq
        if len(live) > 1:
            self.duplicates += 1  # two bubbles of one message on the page at the same time
        if seq in self.arrived:
            return
        self.arrived[seq] = t
        self.check_done()

    def same_chunk_duplicates(self, member: Member, element_id: int, texts: list[str]) -> None:
        """One message shown twice inside one chunk counts once as a duplicate (however often the chunk is re-sent)."""
        for text in {x for x in texts if texts.count(x) > 1}:
            key = (member.name, element_id, text)
            if key not in self.chunk_duplicates and text.startswith(f'{PREFIX}{self.run}:'):
                self.chunk_duplicates.add(key)
                self.duplicates += 1

    def gone(self, member: Member, element_id: int) -> None:
        """An element was deleted (e.g. the conversation redrawn after a reconnect): its bubble no longer counts."""
        seq = self.bubble_seq.pop((member.name, element_id), None)
        if seq is not None:
            self.bubbles.get(seq, set()).discard(element_id)

    def forget(self, name: str) -> None:
        """That person's page was reloaded: the bubbles of its old elements went with it."""
        for key in [key for key in self.bubble_seq if key[0] == name]:
            seq = self.bubble_seq.pop(key)
            self.bubbles.get(seq, set()).discard(key[1])

    def check_done(self) -> None:
        if self.sending_done and len(self.arrived) >= len(self.sent):
            self.all_arrived.set()


class Measured(Protocol):
    """What a fleet reads of the server (or servers) it drives."""

    base: str

    @property
    def pid(self) -> int: ...

    def rss(self) -> int: ...

    def cpu_seconds(self) -> float: ...

    def gc_pauses(self, since: float, until: float) -> dict[str, float | int | None]: ...


class Fleet:
    """The simulated users of one server (or of several: ``base_for(name)`` is where that user's browser goes)."""

    def __init__(
        self,
        server: Measured,
        http: aiohttp.ClientSession,
        password: str,
        base_for: Callable[[str], str] | None = None,
    ) -> None:
        self.server = server
        self.base_for = base_for or (lambda _name: server.base)
        self.http = http
        self.password = password
        self.members: dict[str, Member] = {}
        self.tracker = Tracker()
        self.actions: Actions | None = None
        self.lag: list[float] = []
        self._stop = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []

    def start_background(self) -> None:
        self._background.append(asyncio.create_task(ngclient.ack_loop(self.tabs, self._stop)))
        self._background.append(asyncio.create_task(self._lag_monitor()))

    async def stop(self) -> None:
        self._stop.set()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await asyncio.gather(*(m.tab.close() for m in self.members.values() if m.tab), return_exceptions=True)

    def tabs(self) -> list[Tab]:
        return [m.tab for m in self.members.values() if m.tab is not None]

    def disconnects(self) -> int:
        """Sockets the server dropped so far (each was then reconnected or declared dead)."""
        return sum(len(tab.disconnects) for tab in self.tabs())

    def connection_report(self, since: int) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        for tab in self.tabs():
            for _, reason in tab.disconnects:
                reasons[reason[:120]] = reasons.get(reason[:120], 0) + 1
        return {
            'socket_drops': self.disconnects() - since,
            'dead_tabs': sum(t.dead for t in self.tabs()),
            'drop_reasons_total': reasons,
        }

    async def _lag_monitor(self, interval: float = 0.02) -> None:
        """How late the load generator's own event loop wakes up (its share of any measured latency)."""
        while not self._stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(interval)
            self.lag.append((time.perf_counter() - before - interval) * 1000)
            if len(self.lag) > 200_000:
                del self.lag[:100_000]

    def lag_stats(self, since: int = 0) -> dict[str, Any]:
        return percentiles(self.lag[since:])

    # --- signing in and opening pages -------------------------------------------------------------------------

    async def login(self, names: list[str], *, concurrency: int = 6) -> float:
        """Sign each user in through /login (argon2 verify on the server); returns the seconds taken."""
        began = time.perf_counter()
        gate = asyncio.Semaphore(concurrency)

        async def one(name: str) -> None:
            browser = Browser(self.http, self.base_for(name))
            async with gate:
                await browser.login(name, self.password)
            self.members[name] = Member(name=name, browser=browser)

        await asyncio.gather(*(one(n) for n in names))
        return time.perf_counter() - began

    def _on_update(self, member: Member) -> Callable[[Tab, dict[str, Any]], None]:
        def handle(_tab: Tab, payload: dict[str, Any]) -> None:
            t = time.perf_counter()
            tracker = self.tracker
            for element_id, element in payload.items():
                if not element:
                    if element is None:
                        tracker.gone(member, int(element_id))
                    continue
                props = element.get('props', {})
                waiter = member.wanted.get(props.get('data-testid', ''))
                if waiter is not None and not waiter.done():
                    clicks = [e['listener_id'] for e in element.get('events', []) if e['type'] == 'click']
                    waiter.set_result((int(element_id), clicks[0] if clicks else ''))
                content = props.get('innerHTML')
                rows = props.get('rows')
                if isinstance(rows, list) and rows and isinstance(rows[0], dict) and 'k' in rows[0]:
                    # a chunk of the message window: bubble rows (``message_rows.message_row``), text in 'b'; the
                    # whole chunk is re-sent when a message joins it
                    texts = [text for row in rows for text in BENCH_TEXT.findall(str(row.get('b', '')))]
                    tracker.same_chunk_duplicates(member, int(element_id), texts)
                    self._note_rows(member, int(element_id), element, rows, t)
                    bubbles = len(rows)
                elif isinstance(content, str):
                    texts = BENCH_TEXT.findall(content)
                    bubbles = content.count('data-testid="message"')
                else:
                    continue
                for text in texts:
                    tracker.seen(member, int(element_id), text, t)
                if member.watch is not None:
                    member.watch(element, t)
                if member.open_waiter is not None and not member.open_waiter.done():
                    member.bubbles_seen += bubbles
                    if member.bubbles_seen >= member.bubbles_wanted:
                        member.open_waiter.set_result(t)

        return handle

    def _note_rows(
        self, member: Member, element_id: int, element: dict[str, Any], rows: list[dict[str, Any]], t: float
    ) -> None:
        """Where each own bench message sits (for its menu), and what the recipient's bubbles show of a change."""
        menus = [e['listener_id'] for e in element.get('events', []) if e['type'] == 'menu']
        for row in rows:
            if self.actions is not None:
                self.actions.row_seen(member, row, t)
            if menus and row.get('m') and row.get('k') == 'text':
                body = str(row.get('b', ''))
                if BENCH_TEXT.fullmatch(body):
                    member.own[body] = (element_id, row['id'], menus[0])

    async def open_page(self, name: str) -> Member:
        member = self.members[name]
        member.tab = await member.browser.open('/', self._on_update(member))
        page = member.tab.page
        member.input_ids = page.listener('chat-input', 'value')
        member.send_ids = page.listener('chat-send', 'click')
        return member

    async def open_chat(self, name: str, peer: str, *, bubbles: int, timeout: float = 60.0) -> float:
        """Click the contact and wait until the window's bubbles (``bubbles`` of them) arrived; returns seconds."""
        member = self.members[name]
        member.peer = peer
        member.bubbles_wanted, member.bubbles_seen = bubbles, 0
        member.open_waiter = asyncio.get_running_loop().create_future()
        began = time.perf_counter()
        await member.click_contact(peer)
        if bubbles == 0:
            await asyncio.sleep(0.05)
            member.open_waiter = None
            return time.perf_counter() - began
        done_at = await asyncio.wait_for(member.open_waiter, timeout)
        member.open_waiter = None
        return done_at - began

    async def connect(
        self,
        pairs: list[tuple[str, str]],
        *,
        rss_samples: list[tuple[int, int]],
        window: int,
        concurrency: int = 4,
        time_limit: float = 600.0,
        rss_limit: int | None = None,
        sample_every: int = 10,
    ) -> dict[str, Any]:
        """Open the chat page for both members of each pair and open their conversation; stop early (and say so)
        when ``time_limit`` seconds pass or the server's RSS exceeds ``rss_limit``. Pairs are connected whole."""
        began = time.perf_counter()
        drops = self.disconnects()
        page_times: list[float] = []
        connected = 0
        stopped: str | None = None
        gate = asyncio.Semaphore(concurrency)

        page_errors: dict[str, int] = {}
        failed: dict[str, str] = {}  # a client that could not open its page or conversation (the pair is left out)
        ready: list[tuple[str, str]] = []
        wall0 = time.time()

        async def one(name: str, peer: str) -> None:
            for attempt in range(5):  # a person facing an error page reloads it
                async with gate:
                    t0 = time.perf_counter()
                    try:
                        await self.open_page(name)
                    except ngclient.PageError as error:
                        key = str(error)[:80]
                        page_errors[key] = page_errors.get(key, 0) + 1
                        if attempt == 4:
                            raise
                        await asyncio.sleep(1.0)
                        continue
                    page_times.append((time.perf_counter() - t0) * 1000)
                    break
            await self.open_chat(name, peer, bubbles=window)

        for index in range(0, len(pairs), max(1, sample_every // 2)):
            if time.perf_counter() - began > time_limit:
                stopped = f'time limit {time_limit:.0f} s reached'
                break
            if rss_limit is not None and self.server.rss() > rss_limit:
                stopped = f'server RSS above {rss_limit / 2**30:.1f} GiB'
                break
            batch = pairs[index : index + max(1, sample_every // 2)]
            outcomes = await asyncio.gather(
                *(one(a, b) for a, b in batch), *(one(b, a) for a, b in batch), return_exceptions=True
            )
            names = [a for a, _ in batch] + [b for _, b in batch]
            for name, outcome in zip(names, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    failed[name] = repr(outcome)[:160]
            for a, b in batch:
                if a not in failed and b not in failed:
                    ready.append((a, b))
            connected = 2 * len(ready)
            await asyncio.sleep(0.3)
            rss_samples.append((connected, self.server.rss()))
        return {
            'connected': connected,
            'seconds': round(time.perf_counter() - began, 1),
            'stopped_early': stopped,
            'page_ms': percentiles(page_times),
            'page_errors': page_errors,
            'failed_clients': failed,
            'pairs_ready': ready,
            **self.connection_report(drops),
            'server_gc': self.server.gc_pauses(wall0, time.time()),
        }

    # --- traffic ------------------------------------------------------------------------------------------------

    async def traffic(
        self,
        pairs: list[tuple[str, str]],
        *,
        rate: float,
        duration: float,
        run: str,
        drain: float = 15.0,
        openers: list[tuple[str, str, int]] | None = None,
        opener_pause: float = 0.0,
        absolute: bool | None = None,
        actions: float = 0.0,
    ) -> dict[str, Any]:
        """Send ``rate`` messages/s for ``duration`` s, round-robin over ``pairs`` (direction alternating each
        round); optionally while ``openers`` (name, peer, window) reopen a conversation in a closed loop.

        ``absolute`` (the default): message k is sent at ``start + k / rate`` whatever the server does, and its
        latency counts from that moment; if every sender is still waiting for their previous message, the next one
        sends anyway (counted as ``overlapping_sends``). Otherwise (the old, paced mode) the schedule waits until a
        sender is free, so a slow server slows the load down (``rate_achieved`` shows by how much)."""
        absolute = ABSOLUTE_SCHEDULE if absolute is None else absolute
        tracker = self.tracker = Tracker(run=run)
        self.actions = Actions() if actions else None
        every = round(1 / actions) if actions else 0
        drafts0 = self._drafts(pairs)
        acting: list[asyncio.Task[None]] = []
        lag_mark = len(self.lag)
        total = int(rate * duration)
        opener_stop = asyncio.Event()
        opens: list[float] = []
        opener_tasks = [
            asyncio.create_task(self._reopen(n, p, w, opener_stop, opens, opener_pause)) for n, p, w in openers or []
        ]
        cpu0 = self.server.cpu_seconds()
        wall0 = time.time()
        drops = self.disconnects()
        began = time.perf_counter()
        order = [(a, b) if r % 2 == 0 else (b, a) for r in range(2) for a, b in pairs]
        sends: list[asyncio.Task[None]] = []
        late: list[float] = []  # how long after its due time each send left (the load generator's own delay)
        cursor = 0
        for k in range(total):
            due = began + k / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            # the next pair (round-robin, direction alternating each round) whose sender is not still waiting for
            # its previous message to come back: a person sends again only after the input was cleared and the
            # bubble appeared; if everybody is waiting, wait (the achieved rate then drops and is reported)
            waited = time.perf_counter()
            while True:
                for step in range(len(order)):
                    sender, recipient = order[(cursor + step) % len(order)]
                    if self.members[sender].last_sent_seq is None:
                        cursor = (cursor + step + 1) % len(order)
                        break
                else:
                    if absolute or time.perf_counter() - waited > drain:
                        sender, recipient = order[cursor]
                        cursor = (cursor + 1) % len(order)
                        tracker.overlapping_sends += 1
                        break
                    await asyncio.sleep(0.005)
                    continue
                break
            member = self.members[sender]
            if step:
                tracker.skipped_busy += step
            tracker.sent[k] = (due if absolute else time.perf_counter(), sender, recipient)
            late.append((time.perf_counter() - due) * 1000)
            member.last_sent_seq = k
            # a tab that is reconnecting buffers the send (up to 20 s) without holding up everybody else's schedule
            sends.append(asyncio.create_task(self._send(member, k)))
            if every and k % every == every // 2:
                kind = 'edit' if (k // every) % 2 == 0 else 'recall'
                acting.append(asyncio.create_task(self._act(member, recipient, k, kind)))
        send_seconds = time.perf_counter() - began
        await asyncio.gather(*sends)
        await asyncio.gather(*acting)
        tracker.sending_done = True
        tracker.check_done()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tracker.all_arrived.wait(), drain)
        opener_stop.set()
        await asyncio.gather(*opener_tasks, return_exceptions=True)
        cpu = self.server.cpu_seconds() - cpu0
        wall = time.perf_counter() - began
        latencies = [(tracker.arrived[s] - t) * 1000 for s, (t, *_) in tracker.sent.items() if s in tracker.arrived]
        result: dict[str, Any] = {
            'rate_target': rate,
            'rate_achieved': round(total / send_seconds, 2) if send_seconds else None,
            'duration_s': duration,
            'pairs': len(pairs),
            'sent': total,
            'delivered': len(tracker.arrived),
            'lost': total - len(tracker.arrived),
            'duplicated': tracker.duplicates,
            'sender_echoes': tracker.echoes,
            'send_failures': tracker.send_failures,
            'overlapping_sends': tracker.overlapping_sends,
            'senders_skipped_busy': tracker.skipped_busy,
            'latency_ms': percentiles(latencies),
            'server_cpu_percent': round(100 * cpu / wall, 1) if wall else None,
            'server_cpu_ms_per_message': round(1000 * cpu / total, 2) if total else None,
            'schedule': 'absolute' if absolute else 'paced',
            'send_late_ms': percentiles(late),
            'loadgen_loop_lag_ms': self.lag_stats(lag_mark),
            **self.connection_report(drops),
            'server_gc': self.server.gc_pauses(wall0, time.time()),
        }
        if self.actions is not None:
            result['actions'] = self.actions.report()
            result['typing_drafts'] = self._drafts(pairs) - drafts0
            self.actions = None
        if openers:
            result['openers'] = {
                'clients': len(openers),
                'opens': len(opens),
                'pause_s': opener_pause,
                'open_ms': percentiles(opens),
            }
        return result

    async def _send(self, member: Member, seq: int) -> None:
        tracker = self.tracker
        try:
            await member.send(tracker.text(seq))
        except (aiohttp.ClientError, ConnectionError, TimeoutError) as error:
            sent_at, sender, _ = tracker.sent[seq]
            tracker.sent[seq] = (sent_at, sender, f'send failed: {error!r}')
            tracker.send_failures += 1
            return
        if self.actions is not None:  # the sender types on: an input change 3.5 s and 7 s after the send
            for _ in range(2):
                await asyncio.sleep(DRAFT_EVERY)
                with contextlib.suppress(aiohttp.ClientError, ConnectionError, TimeoutError):
                    await member.draft()

    def _drafts(self, pairs: list[tuple[str, str]]) -> int:
        return sum(self.members[name].drafts for pair in pairs for name in pair)

    async def _act(self, member: Member, recipient: str, seq: int, kind: str) -> None:
        """Once message ``seq`` has reached its recipient, its sender edits or recalls it."""
        actions, tracker = self.actions, self.tracker
        assert actions is not None
        text = tracker.text(seq)
        deadline = time.perf_counter() + 15.0

        def shown() -> bool:
            return seq in tracker.arrived and text in member.own

        while not shown() and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        if not shown():
            actions.failed['never arrived'] += 1
            return
        actions.changes[member.own[text][1]] = (recipient, kind)

        def emitted(row_id: int) -> None:
            actions.emitted[row_id] = time.perf_counter()

        try:
            await member.act(text, kind, emitted)
        except (aiohttp.ClientError, ConnectionError, TimeoutError, KeyError) as error:
            actions.failed[type(error).__name__] += 1

    async def _reopen(
        self, name: str, peer: str, window: int, stop: asyncio.Event, opens: list[float], pause: float
    ) -> None:
        """Open the same long conversation again and again (each click reloads its newest window), ``pause`` s
        after the previous open completed (0: a closed loop, the next click as soon as the window arrived)."""
        while not stop.is_set():
            try:
                opens.append(1000 * await self.open_chat(name, peer, bubbles=window, timeout=30))
            except TimeoutError:
                opens.append(30_000.0)
            if pause:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)

    async def warm_up(self, pairs: list[tuple[str, str]], *, rate: float = 40.0) -> dict[str, Any]:
        """One message each way per pair, to prove every path works before measuring (not counted)."""
        return await self.traffic(pairs, rate=rate, duration=max(1.0, 2 * len(pairs) / rate), run='warmup')
