"""Every response names its process; a draining process refuses new pages with 503 (the balancer retries them)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from chat_ui.live.cluster import node
from chat_ui.ui.scale_out import InstanceHeader


def _app() -> TestClient:
    async def page(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse('page', headers={'X-NiceChat-Instance': 'forged'})

    app = Starlette(routes=[Route('/', page), Route('/_nicegui/x', page)])
    return TestClient(InstanceHeader(app))


def test_every_response_carries_the_instance_and_draining_refuses_new_pages() -> None:
    before = node.instance, node.draining
    node.instance, node.draining = 'p7', False
    try:
        client = _app()
        response = client.get('/')
        assert response.status_code == 200
        assert response.headers.get_list('x-nicechat-instance') == ['p7']
        assert client.get('/missing').headers['x-nicechat-instance'] == 'p7'
        node.draining = True
        refused = client.get('/')
        assert refused.status_code == 503 and refused.headers['x-nicechat-instance'] == 'p7'
        assert client.get('/_nicegui/x').status_code == 200  # the pages still here keep their socket and files
    finally:
        node.instance, node.draining = before
