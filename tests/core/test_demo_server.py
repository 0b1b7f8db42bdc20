"""The built-in demo server, exercised over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from desktop_chat.core.client.demo_server import (
    DEMO_MODEL,
    DemoServer,
    demo_reply,
    split_into_deltas,
)
from desktop_chat.core.config.providers import config_from_preset
from desktop_chat.core.markdown.render import code_blocks


@pytest.fixture
def demo() -> Iterator[DemoServer]:
    server = DemoServer(pace=0)
    server.start()
    yield server
    server.stop()


def _url(server: DemoServer) -> str:
    assert server.base_url is not None
    return server.base_url


def _events(response: httpx.Response) -> list[str]:
    """The data fields of a text/event-stream body, in order."""
    return [
        line[len("data: ") :] for line in response.text.split("\n") if line.startswith("data: ")
    ]


def _chat(server: DemoServer, **body: Any) -> httpx.Response:
    payload = {"model": DEMO_MODEL, "messages": [{"role": "user", "content": "Hello there"}]}
    payload.update(body)
    return httpx.post(f"{_url(server)}/chat/completions", json=payload, timeout=10)


def test_start_returns_a_loopback_base_url(demo: DemoServer) -> None:
    url = _url(demo)
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/v1")
    assert demo.start() == url  # starting again keeps the same server
    assert demo.running


def test_models_lists_the_demo_model(demo: DemoServer) -> None:
    response = httpx.get(f"{_url(demo)}/models", timeout=5)
    assert response.status_code == 200
    assert [m["id"] for m in response.json()["data"]] == [DEMO_MODEL]


def test_streaming_reply_is_a_real_event_stream(demo: DemoServer) -> None:
    response = _chat(demo, stream=True, stream_options={"include_usage": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["transfer-encoding"] == "chunked"
    events = _events(response)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == demo_reply("Hello there")
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes[-1] == "stop"
    assert set(finishes[:-1]) == {None}
    usage_chunk = chunks[-1]
    assert usage_chunk["choices"] == []
    content_deltas = sum(
        1 for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")
    )
    assert usage_chunk["usage"]["completion_tokens"] == content_deltas > 40
    assert usage_chunk["usage"]["total_tokens"] == (
        usage_chunk["usage"]["prompt_tokens"] + usage_chunk["usage"]["completion_tokens"]
    )


def test_usage_chunk_only_when_asked(demo: DemoServer) -> None:
    chunks = [json.loads(e) for e in _events(_chat(demo, stream=True))[:-1]]
    assert all("usage" not in c for c in chunks)


def test_reply_acknowledges_the_message_and_shows_markdown() -> None:
    reply = demo_reply("What is **Qt**?\nTell me.")
    assert "offline demo" in reply
    assert "> What is **Qt**? Tell me." in reply
    assert "## " in reply
    assert "**" in reply
    assert "\n- " in reply
    assert code_blocks(reply)
    assert "def greet" in code_blocks(reply)[0]
    assert "```python\n" in reply
    assert "…" in demo_reply("x" * 1000)
    assert "empty message" in demo_reply("   ")


def test_deltas_join_back_to_the_text() -> None:
    text = demo_reply("hi")
    deltas = split_into_deltas(text)
    assert "".join(deltas) == text
    assert len(deltas) > 40


def test_non_streaming_completion(demo: DemoServer) -> None:
    response = _chat(demo, stream=False)
    body = response.json()
    assert response.status_code == 200
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {
        "role": "assistant",
        "content": demo_reply("Hello there"),
    }
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] > 0


def test_max_tokens_cuts_the_reply(demo: DemoServer) -> None:
    body = _chat(demo, max_tokens=3).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["choices"][0]["message"]["content"] == "".join(
        split_into_deltas(demo_reply("Hello there"))[:3]
    )
    chunks = [json.loads(e) for e in _events(_chat(demo, stream=True, max_tokens=2))[:-1]]
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


def test_content_parts_are_read(demo: DemoServer) -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "parts work"}]}]
    body = _chat(demo, messages=messages).json()
    assert "> parts work" in body["choices"][0]["message"]["content"]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"model": "gpt-4o"}, 404, "does not exist"),
        ({"model": ""}, 400, "no model"),
        ({"messages": []}, 400, "non-empty list"),
        ({"max_tokens": 0}, 400, "max_tokens"),
        ({"max_tokens": True}, 400, "max_tokens"),
    ],
)
def test_bad_requests_get_openai_style_errors(
    demo: DemoServer, body: dict[str, Any], status: int, fragment: str
) -> None:
    response = _chat(demo, **body)
    assert response.status_code == status
    error = response.json()["error"]
    assert fragment in error["message"]
    assert error["type"] == "invalid_request_error"


def test_a_conversation_without_user_message(demo: DemoServer) -> None:
    body = _chat(demo, messages=[{"role": "system", "content": "Be brief."}]).json()
    assert "empty message" in body["choices"][0]["message"]["content"]


@pytest.mark.parametrize("length", ["abc", "-5", str(64 * 1024 * 1024)])
def test_invalid_content_length_is_refused(demo: DemoServer, length: str) -> None:
    port = int(_url(demo).rsplit(":", 1)[1].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
            + f"Content-Length: {length}\r\n\r\n".encode()
        )
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400")
    assert b"Content-Length" in reply.split(b"\r\n\r\n", 1)[1]


def test_malformed_bodies_and_unknown_paths(demo: DemoServer) -> None:
    url = _url(demo)
    bad_json = httpx.post(f"{url}/chat/completions", content=b"{nope", timeout=5)
    assert bad_json.status_code == 400
    assert "not valid JSON" in bad_json.json()["error"]["message"]
    not_object = httpx.post(f"{url}/chat/completions", json=[1], timeout=5)
    assert not_object.status_code == 400
    assert httpx.get(f"{url}/nothing", timeout=5).status_code == 404
    assert httpx.post(f"{url}/embeddings", json={}, timeout=5).status_code == 404


def test_pace_one_streams_about_forty_deltas_a_second() -> None:
    with DemoServer(pace=1.0) as server:
        payload = {
            "model": DEMO_MODEL,
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
        }
        arrivals: list[float] = []
        with httpx.stream(
            "POST", f"{_url(server)}/chat/completions", json=payload, timeout=10
        ) as r:
            for line in r.iter_lines():
                if line.startswith("data: ") and '"content": "' in line:
                    arrivals.append(time.perf_counter())
                    if len(arrivals) == 13:
                        break
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    assert 20 < rate < 60, rate


def test_stop_ends_streams_in_progress_and_joins() -> None:
    server = DemoServer(pace=1.0)
    url = server.start()
    payload = {"model": DEMO_MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    received: list[str] = []
    failure: list[BaseException] = []

    def consume() -> None:
        try:
            with httpx.stream("POST", f"{url}/chat/completions", json=payload, timeout=10) as r:
                received.extend(r.iter_lines())
        except httpx.HTTPError as exc:
            failure.append(exc)

    client = threading.Thread(target=consume)
    client.start()
    time.sleep(0.3)
    server.stop()
    client.join(30)
    assert not client.is_alive()
    assert "data: [DONE]" not in received  # cut short, not finished
    assert not server.running
    assert server.base_url is None
    assert not any(t.name == "demo-server" for t in threading.enumerate())
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models", timeout=2)
    server.stop()  # stopping twice is harmless


def _handler_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "process_request_thread" in t.name}


def test_stop_closes_idle_keep_alive_connections() -> None:
    before = _handler_threads()
    server = DemoServer(pace=0)
    url = server.start()
    with httpx.Client(timeout=5) as client:
        assert client.get(f"{url}/models").status_code == 200
        assert _handler_threads() - before  # the connection is held open for reuse
        server.stop()
        assert _handler_threads() - before == set()


def test_client_hanging_up_mid_stream_does_not_break_the_server(demo: DemoServer) -> None:
    slow = DemoServer(pace=1.0)
    url = slow.start()
    try:
        payload = {
            "model": DEMO_MODEL,
            "messages": [{"role": "user", "content": "x"}],
            "stream": True,
        }
        with httpx.stream("POST", f"{url}/chat/completions", json=payload, timeout=5) as r:
            next(r.iter_lines())
        assert httpx.get(f"{url}/models", timeout=5).status_code == 200
    finally:
        slow.stop()


def test_stream_through_the_real_client(demo: DemoServer) -> None:
    from desktop_chat.core.client.api import ChatClient, ContentDelta, Finished, Usage

    with ChatClient(_url(demo)) as client:
        assert client.list_models() == [DEMO_MODEL]
        events = list(
            client.stream_chat(DEMO_MODEL, [{"role": "user", "content": "through the client"}])
        )
    text = "".join(e.text for e in events if isinstance(e, ContentDelta))
    assert text == demo_reply("through the client")
    assert isinstance(events[-1], Finished)
    assert events[-1].reason == "stop"
    usages = [e for e in events if isinstance(e, Usage)]
    assert usages
    assert usages[0].completion_tokens == len(split_into_deltas(text))


def test_a_user_message_without_text_falls_back_to_the_one_before(demo: DemoServer) -> None:
    messages = [
        {"role": "user", "content": "the real question"},
        {"role": "assistant", "content": "an answer"},
        {"role": "user", "content": None},
    ]
    body = _chat(demo, messages=messages).json()
    assert "> the real question" in body["choices"][0]["message"]["content"]


def test_the_demo_preset_names_the_model_the_server_serves() -> None:
    # The window lists the preset's model without starting the server to ask it.
    assert config_from_preset("demo").preset.default_model == DEMO_MODEL
