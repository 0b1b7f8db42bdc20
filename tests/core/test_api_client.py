"""The client's requests, options and non-streaming calls, and the API key never leaking."""

from __future__ import annotations

import traceback

import pytest

from desktop_chat.core.client import api
from desktop_chat.core.client.api import (
    ChatClient,
    Completion,
    ContentDelta,
    Finished,
    Usage,
    endpoint_url,
)
from desktop_chat.core.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConnectError,
    UnexpectedResponseError,
)
from tests.ports import refused_port
from tests.scripted_server import Reply, ScriptedServer, json_reply, sse_reply

MESSAGES = [{"role": "user", "content": "Hi"}]
KEY = "sk-proj-VERYsecret0123456789"


def test_public_surface() -> None:
    assert sorted(api.__all__) == [
        "Cancelled",
        "ChatClient",
        "Completion",
        "ContentDelta",
        "EchoMasker",
        "Finished",
        "ReasoningDelta",
        "StreamEvent",
        "ToolCallDelta",
        "Usage",
        "endpoint_url",
    ]


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("https://api.openai.com/v1/", "https://api.openai.com/v1"),
        ("  https://api.openai.com  ", "https://api.openai.com/v1"),
        ("https://api.openai.com/", "https://api.openai.com/v1"),
        ("api.openai.com", "https://api.openai.com/v1"),
        ("https://api.openai.com/v1/chat/completions", "https://api.openai.com/v1"),
        ("https://api.openai.com/v1/chat/completions/", "https://api.openai.com/v1"),
        ("https://host.example/chat/completions", "https://host.example"),
        ("https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1"),
        ("https://x.openai.azure.com/openai/v1/", "https://x.openai.azure.com/openai/v1"),
        ("https://x.example/v1?api-version=1#frag", "https://x.example/v1"),
        ("localhost:11434", "http://localhost:11434/v1"),
        ("127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        ("[::1]:8000", "http://[::1]:8000/v1"),
        ("0.0.0.0:8080", "http://0.0.0.0:8080/v1"),
        ("ollama.localhost:11434", "http://ollama.localhost:11434/v1"),
        ("127.0.0.1.example.com", "https://127.0.0.1.example.com/v1"),
        ("HTTP://LOCALHOST:1234/v1", "http://LOCALHOST:1234/v1"),
        ("http://192.168.1.5:8000", "http://192.168.1.5:8000/v1"),
        ("", ""),
        ("   ", ""),
        ("https://", ""),
        ("http://[::1", ""),
    ],
)
def test_endpoint_url(pasted: str, expected: str) -> None:
    assert endpoint_url(pasted) == expected


def test_bearer_auth_and_user_agent(scripted_server: ScriptedServer) -> None:
    scripted_server.add(sse_reply(["x"]))
    with ChatClient(scripted_server.base_url + "/", KEY, extra_headers={"X-Title": "t"}) as c:
        list(c.stream_chat("m", MESSAGES))
    headers = scripted_server.requests[0].headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert "api-key" not in headers
    assert headers["x-title"] == "t"
    assert headers["user-agent"].startswith("desktop-chat/")


def test_api_key_auth_and_api_version(scripted_server: ScriptedServer) -> None:
    scripted_server.add(sse_reply(["x"]))
    client = ChatClient(
        scripted_server.base_url, KEY, auth_style="api-key", api_version="2024-10-21"
    )
    with client:
        list(client.stream_chat("m", MESSAGES))
    request = scripted_server.requests[0]
    assert request.headers["api-key"] == KEY
    assert "authorization" not in request.headers
    assert request.path == "/v1/chat/completions?api-version=2024-10-21"


def test_no_key_sends_no_auth_header(scripted_server: ScriptedServer) -> None:
    scripted_server.add(sse_reply(["x"]))
    with ChatClient(scripted_server.base_url, None) as client:
        list(client.stream_chat("m", MESSAGES))
    assert "authorization" not in scripted_server.requests[0].headers


def test_bad_auth_style_is_refused() -> None:
    with pytest.raises(ValueError, match="auth_style"):
        ChatClient("http://127.0.0.1/v1", KEY, auth_style="basic")


@pytest.mark.parametrize("key", ["sk-abc def", "sk-abc\ndef", "sk-clé"])
def test_a_key_that_cannot_be_sent(scripted_server: ScriptedServer, key: str) -> None:
    with (
        ChatClient(scripted_server.base_url, key) as client,
        pytest.raises(AuthenticationError, match="cannot be sent") as info,
    ):
        list(client.stream_chat("m", MESSAGES))
    assert key not in str(info.value)
    assert scripted_server.requests == []


@pytest.mark.parametrize(
    "message",
    [
        "Unrecognized request argument supplied: stream_options",
        "Extra inputs are not permitted",
        "unknown field `include_usage`",
    ],
)
def test_stream_options_rejected_then_retried_once_and_remembered(
    scripted_server: ScriptedServer, message: str
) -> None:
    scripted_server.add(
        json_reply(400, {"error": {"message": message}}),
        sse_reply(["ok"]),
        sse_reply(["again"]),
    )
    with ChatClient(scripted_server.base_url, KEY) as client:
        assert list(client.stream_chat("m", MESSAGES)) == [ContentDelta("ok"), Finished("stop")]
        list(client.stream_chat("m", MESSAGES))
    first, second, third = (r.json for r in scripted_server.requests)
    assert first["stream_options"] == {"include_usage": True}
    assert "stream_options" not in second
    assert "stream_options" not in third


def test_other_400_is_not_retried(scripted_server: ScriptedServer) -> None:
    scripted_server.add(json_reply(400, {"error": {"message": "model is required"}}))
    with ChatClient(scripted_server.base_url) as client, pytest.raises(BadRequestError):
        list(client.stream_chat("m", MESSAGES))
    assert len(scripted_server.requests) == 1


def test_a_second_rejection_is_raised(scripted_server: ScriptedServer) -> None:
    body = {"error": {"message": "unknown field stream_options"}}
    scripted_server.add(json_reply(422, body), json_reply(422, body))
    with ChatClient(scripted_server.base_url) as client, pytest.raises(BadRequestError):
        list(client.stream_chat("m", MESSAGES))
    assert len(scripted_server.requests) == 2


def test_caller_stream_options_are_kept(scripted_server: ScriptedServer) -> None:
    scripted_server.add(sse_reply(["x"]))
    with ChatClient(scripted_server.base_url) as client:
        list(client.stream_chat("m", MESSAGES, stream_options={"include_usage": False}))
    assert scripted_server.requests[0].json["stream_options"] == {"include_usage": False}


def test_list_models(scripted_server: ScriptedServer) -> None:
    data = {"object": "list", "data": [{"id": "b-model"}, {"id": "a-model"}, {"id": "b-model"}]}
    scripted_server.add(json_reply(200, data))
    with ChatClient(scripted_server.base_url, KEY) as client:
        assert client.list_models() == ["b-model", "a-model"]  # the server's order, once each
    request = scripted_server.requests[0]
    assert (request.method, request.path) == ("GET", "/v1/models")
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_list_models_other_shapes(scripted_server: ScriptedServer) -> None:
    scripted_server.add(
        json_reply(200, {"models": [{"name": "llama3"}, {"other": 1}]}),
        json_reply(200, ["x", "y"]),
        json_reply(200, {"data": "nope"}),
    )
    with ChatClient(scripted_server.base_url) as client:
        assert client.list_models() == ["llama3"]
        assert client.list_models() == ["x", "y"]
        with pytest.raises(UnexpectedResponseError, match="model list"):
            client.list_models()


def test_list_models_errors(scripted_server: ScriptedServer) -> None:
    scripted_server.add(json_reply(401, {"error": {"message": "bad key"}}))
    with ChatClient(scripted_server.base_url, KEY) as client, pytest.raises(AuthenticationError):
        client.list_models()


def test_list_models_connection_refused() -> None:
    port = refused_port()
    with ChatClient(f"http://127.0.0.1:{port}/v1") as client, pytest.raises(ConnectError):
        client.list_models()


def test_complete(scripted_server: ScriptedServer) -> None:
    payload = {
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Paris", "reasoning": "capital"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
    }
    scripted_server.add(json_reply(200, payload))
    with ChatClient(scripted_server.base_url, KEY) as client:
        result = client.complete("m", MESSAGES, max_tokens=5)
    assert result == Completion("Paris", "capital", "stop", Usage(9, 1, 10))
    body = scripted_server.requests[0].json
    assert body["stream"] is False
    assert body["max_tokens"] == 5


def test_complete_error(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(502, [("Content-Type", "text/html")], [b"<h1>Bad gateway</h1>"]))
    with ChatClient(scripted_server.base_url) as client, pytest.raises(ApiError) as info:
        client.complete("m", MESSAGES)
    assert info.value.status == 502


# -- proxies -------------------------------------------------------------------------------------


def test_explicit_http_proxy(scripted_server: ScriptedServer) -> None:
    scripted_server.add(sse_reply(["via proxy"]))
    client = ChatClient("http://upstream.invalid/v1", KEY, proxy=scripted_server.url("/"))
    with client:
        assert list(client.stream_chat("m", MESSAGES)) == [
            ContentDelta("via proxy"),
            Finished("stop"),
        ]
    assert scripted_server.requests[0].path == "http://upstream.invalid/v1/chat/completions"


def test_proxy_from_the_environment(
    scripted_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", scripted_server.url("/"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    scripted_server.add(sse_reply(["env"]))
    with ChatClient("http://upstream.invalid/v1") as client:
        assert list(client.stream_chat("m", MESSAGES)) == [ContentDelta("env"), Finished("stop")]
    with ChatClient("http://upstream.invalid/v1", trust_env=False) as client:
        with pytest.raises(ConnectError) as info:
            list(client.stream_chat("m", MESSAGES))
        assert info.value.reason == "dns"


def test_no_proxy_is_honoured(
    scripted_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    scripted_server.add(sse_reply(["direct"]))
    with ChatClient(scripted_server.base_url) as client:
        assert list(client.stream_chat("m", MESSAGES)) == [ContentDelta("direct"), Finished("stop")]


def test_unreachable_socks_proxy() -> None:
    port = refused_port()
    client = ChatClient("http://upstream.invalid/v1", proxy=f"socks5://127.0.0.1:{port}")
    with client, pytest.raises(ConnectError) as info:
        list(client.stream_chat("m", MESSAGES))
    assert info.value.reason == "proxy"
    assert f"through socks5://127.0.0.1:{port}" in info.value.message


def test_proxy_credentials_stay_out_of_messages() -> None:
    port = refused_port()
    client = ChatClient("http://upstream.invalid/v1", proxy=f"http://me:pa55word@127.0.0.1:{port}")
    with client, pytest.raises(ConnectError) as info:
        list(client.stream_chat("m", MESSAGES))
    assert info.value.reason == "proxy"
    assert "pa55word" not in str(info.value)
    assert f"http://127.0.0.1:{port}" in info.value.message


def test_proxy_refusing_connect(scripted_server: ScriptedServer) -> None:
    scripted_server.add(Reply(407, [("Proxy-Authenticate", "Basic")], [b"auth please"]))
    client = ChatClient("https://upstream.invalid/v1", proxy=scripted_server.url("/"))
    with client, pytest.raises(ConnectError) as info:
        list(client.stream_chat("m", MESSAGES))
    assert info.value.reason == "proxy"
    assert scripted_server.requests[0].method == "CONNECT"
    assert scripted_server.requests[0].path == "upstream.invalid:443"


def test_unusable_proxy_setting() -> None:
    client = ChatClient("http://upstream.invalid/v1", proxy="gopher://x")
    with client, pytest.raises(ConnectError) as info:
        list(client.stream_chat("m", MESSAGES))
    assert info.value.reason == "proxy"
    assert "gopher://x" in info.value.message


# -- the key never leaks -------------------------------------------------------------------------


def _texts_of(error: BaseException) -> str:
    parts = [str(error), repr(error), repr(error.args), repr(vars(error))]
    parts += traceback.format_exception(error)
    return "\n".join(parts)


LEAK_REPLIES: list[Reply] = [
    json_reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}),
    Reply(403, [("Content-Type", "text/html")], [f"<p>Denied for key {KEY}</p>".encode()]),
    json_reply(404, {"error": {"message": "no such model"}}),
    json_reply(429, {"error": {"code": "insufficient_quota", "message": "quota"}}),
    json_reply(400, {"error": {"code": "context_length_exceeded", "message": "too long"}}),
    Reply(500),
    json_reply(200, {"error": {"message": f"bad {KEY}"}}),
    sse_reply(chunks=[f'data: {{"error": {{"message": "boom {KEY}"}}}}\n\n'.encode()]),
    sse_reply(["a"], done=False, finish_reason=None),
    Reply(raw=b"garbage\r\n"),
]


@pytest.mark.parametrize("reply", LEAK_REPLIES)
def test_the_key_is_in_no_error_text(scripted_server: ScriptedServer, reply: Reply) -> None:
    scripted_server.add(reply)
    with ChatClient(scripted_server.base_url, KEY) as client, pytest.raises(ApiError) as info:
        list(client.stream_chat("m", MESSAGES))
    assert KEY not in _texts_of(info.value)
    assert scripted_server.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("base_url", ["http://no-such-host.invalid/v1", "http://127.0.0.1:9/v1"])
def test_the_key_is_in_no_connect_error_text(base_url: str) -> None:
    with ChatClient(base_url, KEY, auth_style="api-key") as client:
        with pytest.raises(ApiError) as info:
            list(client.stream_chat("m", MESSAGES))
        assert KEY not in _texts_of(info.value)
        with pytest.raises(ApiError) as info:
            client.list_models()
        assert KEY not in _texts_of(info.value)
    assert KEY not in repr(client)


def test_the_key_is_masked_in_json_requests(scripted_server: ScriptedServer) -> None:
    scripted_server.add(json_reply(401, {"error": {"message": f"bad key {KEY}"}}))
    with ChatClient(scripted_server.base_url, KEY) as client, pytest.raises(ApiError) as info:
        client.complete("m", MESSAGES)
    assert KEY not in _texts_of(info.value)
    assert "bad key [API key]" in info.value.message


def test_an_extra_header_that_cannot_be_sent(scripted_server: ScriptedServer) -> None:
    secret = "tok-secret\nX-Injected: 1"
    client = ChatClient(scripted_server.base_url, KEY, extra_headers={"X-Token": secret})
    with client, pytest.raises(BadRequestError, match="header") as info:
        list(client.stream_chat("m", MESSAGES))
    assert "tok-secret" not in _texts_of(info.value)
    assert KEY not in _texts_of(info.value)
