"""Who is online: a user is online while at least one of their chat clients is connected.

Counted from client connect and delete events (a reload or a short network drop is not a logout);
logout and revoked sessions drop that session's clients at once. A change is published only to the pages that
show that person (they subscribe to ``presence_topic(user_id)``), never to every page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from nicegui import Client

from chat_ui.live.events import PresenceChanged
from chat_ui.live.hub import hub, presence_topic


class Presence:
    def __init__(self) -> None:
        self._clients: dict[int, dict[str, int]] = defaultdict(dict)  # user id -> {client id: session id}

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
        return bool(self._clients.get(user_id))

    def reset(self) -> None:
        self._clients.clear()

    def _add(self, user_id: int, client_id: str, session_id: int) -> None:
        clients = self._clients[user_id]
        was_online = bool(clients)
        clients[client_id] = session_id
        if not was_online:
            hub.publish(PresenceChanged(user_id=user_id, online=True), [presence_topic(user_id)])

    def _remove(self, user_id: int, client_id: str) -> None:
        clients = self._clients.get(user_id)
        if not clients or client_id not in clients:
            return
        del clients[client_id]
        if not clients:
            del self._clients[user_id]
            hub.publish(PresenceChanged(user_id=user_id, online=False), [presence_topic(user_id)])


presence = Presence()
