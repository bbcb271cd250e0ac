"""Who is online: a user is online while at least one of their chat clients is connected, on any process.

Counted from client connect and delete events (a reload or a short network drop is not a logout);
logout and revoked sessions drop that session's clients at once. A change is delivered only to the pages that
show that person (they subscribe to ``presence_topic(user_id)``), never to every page.

With several processes (``chat_ui.live.cluster``) each process also knows which users have a page on each other
live process (``set_remote`` / ``remote_change`` / ``forget_instance``) and works out the changes for its own
pages itself; ``on_local_change`` is told when a user comes to or leaves this process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from nicegui import Client

from chat_ui.live.events import PresenceChanged
from chat_ui.live.hub import Hub, hub, presence_topic


class Presence:
    def __init__(self, live_hub: Hub = hub) -> None:
        self.hub = live_hub
        self._clients: dict[int, dict[str, int]] = defaultdict(dict)  # user id -> {client id: session id}
        self._remote: dict[str, set[int]] = {}  # other process id -> its online users
        self.on_local_change: Callable[[int, bool], None] | None = None

    def attach(self, client: Client, *, user_id: int, session_id: int, live: Callable[[], bool] = lambda: True) -> None:
        """Count this client for the user from its first connect until it is deleted; a (re)connect counts only
        while ``live()`` (a page whose session ended stays offline, whatever its socket does)."""
        client.on_connect(lambda: self._add(user_id, client.id, session_id) if live() else None)
        client.on_delete(lambda: self._remove(user_id, client.id))

    def drop_session(self, *, user_id: int, session_id: int) -> None:
        """Forget the clients of an ended session right away."""
        clients = self._clients.get(user_id, {})
        for client_id in [c for c, s in clients.items() if s == session_id]:
            self._remove(user_id, client_id)

    def is_online(self, user_id: int) -> bool:
        return bool(self._clients.get(user_id)) or any(user_id in users for users in list(self._remote.values()))

    def local_users(self) -> list[int]:
        return sorted(user for user, clients in self._clients.items() if clients)

    def reset(self) -> None:
        self._clients.clear()
        self._remote.clear()
        self.on_local_change = None

    # ------------------------------------------------------------------ other processes

    def set_remote(self, snapshot: dict[str, set[int]]) -> None:
        """The users of every other live process, as read from Redis (processes not named are gone)."""
        touched: set[int] = set().union(*self._remote.values(), *snapshot.values())

        def apply() -> None:
            self._remote.clear()
            self._remote.update({instance: set(users) for instance, users in snapshot.items()})

        self._changing(touched, apply)

    def remote_change(self, instance: str, user_id: int, online: bool) -> None:
        def apply() -> None:
            users = self._remote.setdefault(instance, set())
            if online:
                users.add(user_id)
            else:
                users.discard(user_id)

        self._changing([user_id], apply)

    def forget_instance(self, instance: str) -> None:
        self._changing(self._remote.get(instance, set()), lambda: self._remote.pop(instance, None))

    # ------------------------------------------------------------------ this process

    def _add(self, user_id: int, client_id: str, session_id: int) -> None:
        clients = self._clients[user_id]
        here_before = bool(clients)

        def apply() -> None:
            clients[client_id] = session_id

        self._changing([user_id], apply)
        if not here_before and self.on_local_change is not None:
            self.on_local_change(user_id, True)

    def _remove(self, user_id: int, client_id: str) -> None:
        clients = self._clients.get(user_id)
        if not clients or client_id not in clients:
            return

        def apply() -> None:
            del clients[client_id]
            if not clients:
                del self._clients[user_id]

        self._changing([user_id], apply)
        if user_id not in self._clients and self.on_local_change is not None:
            self.on_local_change(user_id, False)

    def _changing(self, user_ids: Iterable[int], apply: Callable[[], object]) -> None:
        """Run ``apply`` and tell the pages that show each of ``user_ids`` whose online state it changed."""
        before = {user_id: self.is_online(user_id) for user_id in user_ids}
        apply()
        for user_id, was_online in before.items():
            if self.is_online(user_id) != was_online:
                self.hub.publish_local(
                    PresenceChanged(user_id=user_id, online=not was_online), [presence_topic(user_id)]
                )


presence = Presence()
