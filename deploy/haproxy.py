"""The HAProxy configuration for N NiceChat processes: sticky by an inserted cookie, health-checked on /healthz.

A browser's first request has no cookie: HAProxy picks a process (round robin) and its response sets
``NICECHAT_SRV=<id>``; the page's socket (same origin, same cookie) then reaches the same process, so the first visit
works without a reload. A process that fails ``/healthz`` three checks in a row (down, or draining after SIGTERM) is
skipped: its browsers' cookie is ignored and their next request (the reload the process asked for, or the socket's
reconnect) goes to a healthy process, which sets a new cookie. Until then, requests that cannot reach a dead process
or that a draining one refuses (503) are retried on another. One slow check is no failure (``timeout check``): the
process that just took over a dead one's browsers is busy reloading them all, and marking it down as well would
close every session it holds and leave no process at all (measured: ``bench.failover``, 150 reloads at once).
"""

from __future__ import annotations

from collections.abc import Sequence

TEMPLATE = """\
# NiceChat behind HAProxy: sticky cookie, health checks, retries on a draining process.
global
    maxconn 4000

defaults
    mode http
    option http-server-close
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    timeout http-request 10s
    timeout check 5s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response 503

frontend chat
    bind {bind}
    default_backend nicechat

backend nicechat
    balance roundrobin
    cookie NICECHAT_SRV insert indirect nocache httponly
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter {inter} fall 3 rise 2 on-marked-down shutdown-sessions
{servers}
"""


def render(bind: str, servers: Sequence[tuple[str, str]], *, inter: str = '1s') -> str:
    """The configuration text: ``bind`` e.g. ``127.0.0.1:8080``, ``servers`` (id, host:port) pairs."""
    lines = '\n'.join(f'    server {sid} {address} check cookie {sid}' for sid, address in servers)
    return TEMPLATE.format(bind=bind, servers=lines, inter=inter)


if __name__ == '__main__':  # print the configuration of the compose file
    print(render('*:8080', [('app1', 'app1:8080'), ('app2', 'app2:8080')]), end='')
