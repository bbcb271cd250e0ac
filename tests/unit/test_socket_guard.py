import pytest

from chat_ui.core.config import Settings
from chat_ui.ui.socket_guard import origin_check


def environ(scheme: str, host: str, **headers: str) -> dict[str, object]:
    return {'HTTP_HOST': host, 'asgi.scope': {'scheme': scheme}, **headers}


@pytest.mark.parametrize(
    ('origin', 'scheme', 'host', 'allowed'),
    [
        ('http://127.0.0.1:8080', 'http', '127.0.0.1:8080', True),
        ('http://127.0.0.1:8080', 'ws', '127.0.0.1:8080', True),
        ('https://Chat.Example.com', 'wss', 'chat.example.com', True),  # uvicorn saw a trusted X-Forwarded-Proto
        ('https://chat.example.com', 'http', 'chat.example.com', False),  # scheme differs: not the same origin
        ('http://127.0.0.1:8081', 'http', '127.0.0.1:8080', False),
        ('http://evil.example', 'http', '127.0.0.1:8080', False),
        ('null', 'http', '127.0.0.1:8080', False),
        (None, 'http', '127.0.0.1:8080', False),
        ('https://proxy.example', 'http', '10.0.0.5:8080', True),  # configured
    ],
)
def test_origin_must_be_the_request_own_or_configured(
    origin: str | None, scheme: str, host: str, allowed: bool
) -> None:
    check = origin_check(frozenset({'https://proxy.example'}))
    assert check(origin, environ(scheme, host)) is allowed


def test_forwarded_host_from_a_client_is_not_trusted() -> None:
    """Engine.IO's own same-origin mode would accept this; ours reads only the Host header and uvicorn's scheme."""
    forged = environ('http', '127.0.0.1:8080', HTTP_X_FORWARDED_HOST='evil.example', HTTP_X_FORWARDED_PROTO='https')
    assert origin_check(frozenset())('https://evil.example', forged) is False


def test_allowed_origins_setting_is_parsed_and_checked() -> None:
    settings = Settings(_env_file=None, CHAT_ALLOWED_ORIGINS=' https://A.example/, http://b.example:8080 ,')  # type: ignore[call-arg]
    assert settings.allowed_origins() == {'https://a.example', 'http://b.example:8080'}
    assert Settings(_env_file=None).allowed_origins() == frozenset()  # type: ignore[call-arg]
    for wrong in (
        'chat.example.com',
        'https://a.example/path',
        'ftp://a.example',
        'https://user@a.example',
        'https://a:0x',
    ):
        with pytest.raises(SystemExit, match='CHAT_ALLOWED_ORIGINS'):
            Settings(_env_file=None, CHAT_ALLOWED_ORIGINS=wrong).allowed_origins()  # type: ignore[call-arg]
