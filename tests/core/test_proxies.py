"""This computer is never reached through a proxy; other hosts honour the environment's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_chat.core.chat.connection import list_models, make_client
from desktop_chat.core.client import proxies
from desktop_chat.core.client.api import ChatClient, ContentDelta, Finished
from desktop_chat.core.client.demo_server import DemoServer
from desktop_chat.core.client.discovery import probe_server
from desktop_chat.core.client.proxies import ProxyRoute, environment_proxy, proxy_for, proxy_route
from desktop_chat.core.config.providers import config_from_preset
from desktop_chat.core.errors import ConnectError
from tests.scripted_server import ScriptedServer, json_reply, sse_reply

MESSAGES = [{"role": "user", "content": "Hi"}]
KEY = "sk-proxy-secret-0123456789"
_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def _clear(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    """A recording server that every proxy variable of the environment points to."""
    with ScriptedServer() as recorder:
        _clear(monkeypatch)
        for name in _VARIABLES[:3]:
            monkeypatch.setenv(name, recorder.url("/"))
        yield recorder


def _untouched(proxy: ScriptedServer) -> None:
    assert proxy.connections == []
    assert proxy.requests == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_stream_to_this_computer_goes_direct(
    proxy: ScriptedServer, scripted_server: ScriptedServer, host: str
) -> None:
    scripted_server.add(sse_reply(["direct"]))
    with ChatClient(f"http://{host}:{scripted_server.port}/v1", KEY) as client:
        assert list(client.stream_chat("m", MESSAGES)) == [ContentDelta("direct"), Finished("stop")]
    _untouched(proxy)
    assert scripted_server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_the_model_list_at_start_goes_direct(
    proxy: ScriptedServer, scripted_server: ScriptedServer
) -> None:
    provider = config_from_preset("llamacpp")
    scripted_server.add(json_reply(200, {"data": [{"id": "local-model"}]}))
    assert list_models(provider, KEY, scripted_server.base_url) == ["local-model"]
    _untouched(proxy)
    assert scripted_server.requests[0].path == "/v1/models"


def test_a_whole_reply_goes_direct_even_with_a_proxy_in_settings(
    proxy: ScriptedServer, scripted_server: ScriptedServer
) -> None:
    provider = config_from_preset("vllm")
    payload = {"choices": [{"message": {"content": "A title"}, "finish_reason": "stop"}]}
    scripted_server.add(json_reply(200, payload))
    client = make_client(provider, KEY, base_url=scripted_server.base_url, proxy=proxy.url("/"))
    with client:
        assert client.complete("m", MESSAGES).text == "A title"
    _untouched(proxy)


def test_the_demo_server_goes_direct(proxy: ScriptedServer) -> None:
    with DemoServer(pace=0) as demo:
        assert demo.base_url is not None
        assert list_models(config_from_preset("demo"), None, demo.base_url) == ["demo"]
    _untouched(proxy)


def test_discovery_goes_direct(proxy: ScriptedServer, scripted_server: ScriptedServer) -> None:
    scripted_server.add(json_reply(200, {"data": [{"id": "found"}]}))
    assert probe_server(scripted_server.base_url, 2.0) == ["found"]
    _untouched(proxy)


def test_another_host_goes_through_the_environment_proxy(proxy: ScriptedServer) -> None:
    proxy.add(json_reply(200, {"data": [{"id": "remote"}]}))
    with ChatClient("http://example.invalid/v1", KEY) as client:
        assert client.list_models() == ["remote"]
    assert proxy.requests[0].path == "http://example.invalid/v1/models"


def test_no_proxy_sends_another_host_direct(
    proxy: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "other.example, .invalid")
    with (
        ChatClient("http://example.invalid/v1", KEY) as client,
        pytest.raises(ConnectError) as info,
    ):
        client.list_models()
    assert info.value.reason == "dns"
    _untouched(proxy)


def test_an_unusable_environment_proxy_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", "gopher://user:secret@proxy.example:70")
    with (
        ChatClient("http://example.invalid/v1", KEY) as client,
        pytest.raises(ConnectError) as info,
    ):
        client.list_models()
    assert info.value.reason == "proxy"
    assert "from the environment" in info.value.message
    assert "secret" not in info.value.message


# -- which proxy applies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/v1", "localhost:11434", "http://[::1]:8000/v1", "0.0.0.0:1234",
     "http://ollama.localhost/v1", "http://127.5.6.7/v1"],
)  # fmt: skip
def test_this_computer_never_has_a_proxy(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    _clear(monkeypatch)
    monkeypatch.setenv("ALL_PROXY", "http://proxy.example:3128")
    assert proxy_for(url) is None
    assert proxy_for(url, "http://settings.example:8080") is None
    assert environment_proxy(url) is None


@pytest.mark.parametrize(
    ("environment", "url", "expected"),
    [
        ({}, "https://api.openai.com/v1", None),
        ({"HTTPS_PROXY": "http://s.example:1"}, "https://api.openai.com/v1", "http://s.example:1"),
        ({"HTTPS_PROXY": "http://s.example:1"}, "http://api.example/v1", None),
        ({"HTTP_PROXY": "h.example:3128"}, "http://api.example/v1", "http://h.example:3128"),
        ({"ALL_PROXY": "socks5://a.example:1080"}, "https://x.example", "socks5://a.example:1080"),
        ({"ALL_PROXY": "http://a.example:1", "https_proxy": "http://s.example:2"},
         "api.openai.com", "http://s.example:2"),
        ({"ALL_PROXY": "http://a.example:1", "NO_PROXY": "*"}, "https://x.example", None),
        ({"ALL_PROXY": "http://a.example:1", "NO_PROXY": "example.com"},
         "https://api.example.com", None),
        ({"ALL_PROXY": "http://a.example:1", "NO_PROXY": ".example.com"},
         "https://example.com", None),
        ({"ALL_PROXY": "http://a.example:1", "NO_PROXY": "example.com"},
         "https://notexample.com", "http://a.example:1"),
        ({"ALL_PROXY": "http://a.example:1", "NO_PROXY": "10.0.0.0/8"},
         "http://10.1.2.3:8000/v1", None),
        ({"ALL_PROXY": "http://a.example:1", "NO_PROXY": "x.example:8443"},
         "https://x.example:8443", None),
        ({"ALL_PROXY": "http://a.example:1", "NO_PROXY": "x.example:8443"},
         "https://x.example", "http://a.example:1"),
        ({"ALL_PROXY": "http://a.example:1", "NO_PROXY": "[fd00::1]:443"},
         "https://[fd00::1]/v1", None),
        ({"ALL_PROXY": "http://a.example:1", "NO_PROXY": "fd00::1"},
         "https://[fd00::1]/v1", None),
        ({"ALL_PROXY": "http://a.example:1"}, "", None),
    ],
)  # fmt: skip
def test_the_environment_proxy_for_a_url(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], url: str, expected: str | None
) -> None:
    _clear(monkeypatch)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert proxy_for(url) == expected


def test_settings_win_over_the_environment_and_trust_env_false_ignores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _clear(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://env.example:1")
    url = "https://api.openai.com/v1"
    assert proxy_for(url, "http://settings.example:2") == "http://settings.example:2"
    assert proxy_for(url, trust_env=False) is None
    assert proxy_for(url, "", trust_env=False) is None


def test_the_proxy_shown_has_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://me:pa55word@proxy.corp.example:3128")
    assert environment_proxy("https://api.openai.com/v1") == "http://proxy.corp.example:3128"
    assert proxy_for("https://api.openai.com/v1") == "http://me:pa55word@proxy.corp.example:3128"


def test_public_surface() -> None:
    assert sorted(proxies.__all__) == [
        "ProxyRoute",
        "environment_proxy",
        "proxy_for",
        "proxy_route",
    ]


def test_the_route_names_where_the_proxy_comes_from(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://user:secret@env.proxy:3128")
    assert proxy_route("http://localhost:11434/v1") == ProxyRoute("loopback")
    assert proxy_route("https://api.example.com/v1").via == "environment"
    assert "secret" not in proxy_route("https://api.example.com/v1").proxy
    route = proxy_route("https://api.example.com/v1", "http://set.proxy:8080")
    assert route == ProxyRoute("settings", "http://set.proxy:8080")
    monkeypatch.delenv("HTTPS_PROXY")
    assert proxy_route("https://api.example.com/v1") == ProxyRoute("direct")


def test_a_provider_s_own_proxy_wins_and_none_ignores_the_environment(
    proxy: ScriptedServer,
) -> None:
    remote = config_from_preset("custom")
    remote.base_url = "http://example.invalid/v1"
    with ScriptedServer() as own:
        own.add(json_reply(200, {"data": [{"id": "through its own proxy"}]}))
        remote.proxy = own.url("/")
        assert list_models(remote, KEY, proxy="http://127.0.0.1:9") == ["through its own proxy"]
        assert own.requests[0].path == "http://example.invalid/v1/models"
    _untouched(proxy)

    remote.proxy = "None"  # any case: connect directly, whatever the environment says
    with pytest.raises(ConnectError) as info:
        list_models(remote, KEY)
    assert info.value.reason == "dns"
    _untouched(proxy)

    remote.proxy = ""  # the app's proxy, else the environment's
    proxy.add(json_reply(200, {"data": [{"id": "through the environment"}]}))
    assert list_models(remote, KEY) == ["through the environment"]


def test_the_route_of_a_provider_s_own_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://env.proxy:3128")
    url = "https://api.example.com/v1"
    own = proxy_route(url, "http://u:secret@own.proxy:8080", from_provider=True)
    assert own == ProxyRoute("provider", "http://own.proxy:8080")
    assert proxy_route(url, None, trust_env=False) == ProxyRoute("direct")
