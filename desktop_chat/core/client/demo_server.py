"""An offline, OpenAI-compatible demo server that runs inside the app on 127.0.0.1.

It lets a first run (and the tests) exercise the whole path, HTTP, server-sent events, streaming
rendering and storage, with no account and no network. ``GET /v1/models`` lists one model,
``demo``; ``POST /v1/chat/completions`` answers with a canned Markdown reply that quotes the
user's last message, streamed as ``chat.completion.chunk`` events at a readable pace (or as one
JSON completion when ``stream`` is false). ``max_tokens`` cuts the reply (finish reason
``length``) as a real server would.

When the request offers the built-in server's tools, the demo calls them the way a model does:
asked for the time it calls ``current_time``, given a sum it calls ``calculate`` (finish reason
``tool_calls``), and once the results come back it answers with them.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "DEMO_MODEL",
    "DemoServer",
    "demo_answer_to_results",
    "demo_reply",
    "demo_tool_call",
    "split_into_deltas",
]

DEMO_MODEL = "demo"
DELTAS_PER_SECOND = 40.0
_MAX_BODY = 8 * 1024 * 1024
_QUOTE_LIMIT = 300

_DELTA_PATTERN = re.compile(r"\s*\S+|\s+")


def demo_reply(user_text: str) -> str:
    """The Markdown the demo answers ``user_text`` with."""
    quoted = " ".join(user_text.split())
    if len(quoted) > _QUOTE_LIMIT:
        quoted = quoted[:_QUOTE_LIMIT].rstrip() + "…"
    acknowledgement = (
        f"You wrote:\n\n> {quoted}\n\n" if quoted else "You sent an empty message.\n\n"
    )
    return (
        "**This is the offline demo.** The reply comes from a small server built into "
        "Desktop Chat: no model and no network are involved.\n\n"
        f"{acknowledgement}"
        "## What the demo shows\n\n"
        "- Replies **stream** in small pieces over a real HTTP event stream.\n"
        "- Markdown is rendered: headings, *emphasis*, lists, tables and code.\n"
        "- Conversations are saved on this computer and can be searched and exported.\n\n"
        "```python\n"
        "def greet(name: str) -> str:\n"
        '    """Return a friendly greeting."""\n'
        '    return f"Hello, {name}!"\n'
        "\n"
        'print(greet("Desktop Chat"))\n'
        "```\n\n"
        "To talk to a real model, open **Settings** and add a provider such as OpenAI, "
        "or a server on this computer such as Ollama or LM Studio."
    )


_TIME_QUESTION = re.compile(r"\b(time|clock|date|day is it)\b", re.IGNORECASE)
_SUM = re.compile(r"\d[\d\s.]*(?:[-+*/%^×÷][\s(]*\d[\d\s.)]*)+")


_TOOLS_TIP = (
    "\n\nTools are on in this chat: ask *what time is it?* or *what is 12 × 7?* and the demo "
    "asks to run one of the built-in tools."
)


def demo_tool_call(user_text: str, offered: set[str]) -> tuple[str, str] | None:
    """The tool the demo calls for ``user_text`` (name, JSON arguments), or None."""
    if "current_time" in offered and _TIME_QUESTION.search(user_text):
        return "current_time", "{}"
    found = _SUM.search(user_text)
    if "calculate" in offered and found:
        expression = found.group().strip().replace("×", "*").replace("÷", "/").replace("^", "**")
        return "calculate", json.dumps({"expression": expression})
    return None


def demo_answer_to_results(messages: list[Any]) -> str | None:
    """The demo's answer when the conversation ends with tool results, else None."""
    results = []
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "tool":
            break
        results.append(str(message.get("content", "")))
    if not results:
        return None
    lines = []
    ran = False
    for result in reversed(results):
        shown = " ".join(result.split())[:_QUOTE_LIMIT]
        if result.startswith("Error: the user declined"):
            lines.append("You declined to run the tool, so I answer without it.")
        elif result.startswith("Error:"):
            lines.append(f"The tool did not give an answer: {shown}")
        else:
            lines.append(f"The tool answered: **{shown}**")
            ran = True
    ending = (
        "\n\nThat came from the demo tool server that ships with Desktop Chat, run with your "
        "permission. Real models call tools the same way."
        if ran
        else ""
    )
    return "\n\n".join(lines) + ending


def split_into_deltas(text: str) -> list[str]:
    """Cut ``text`` into word-sized pieces, as a model's tokens would arrive."""
    return _DELTA_PATTERN.findall(text)


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):  # content parts: keep the text ones
                return " ".join(
                    str(part.get("text", ""))
                    for part in content
                    if isinstance(part, dict) and part.get("type") == "text"
                )
    return ""


def _count_words(messages: list[Any]) -> int:
    return sum(
        len(split_into_deltas(m["content"]))
        for m in messages
        if isinstance(m, dict) and isinstance(m.get("content"), str)
    )


class _BadRequestError(Exception):
    def __init__(self, status: HTTPStatus, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the demo must not write to the app's stderr."""

    def do_GET(self) -> None:
        if self.path.split("?")[0].rstrip("/") == "/v1/models":
            self._send_json(
                HTTPStatus.OK,
                {
                    "object": "list",
                    "data": [
                        {
                            "id": DEMO_MODEL,
                            "object": "model",
                            "created": 0,
                            "owned_by": "desktop-chat",
                        }
                    ],
                },
            )
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"No route for GET {self.path}.")

    def do_POST(self) -> None:
        try:
            body = self._read_json()
            if self.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
                raise _BadRequestError(HTTPStatus.NOT_FOUND, f"No route for POST {self.path}.")
            request = _CompletionRequest(body)
        except _BadRequestError as exc:
            self._send_error(exc.status, exc.message, exc.code)
            return
        if request.stream:
            self._stream(request)
        else:
            self._send_json(HTTPStatus.OK, request.completion())

    def _read_json(self) -> dict[str, Any]:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > _MAX_BODY:
            self.close_connection = True
            raise _BadRequestError(HTTPStatus.BAD_REQUEST, "Missing or invalid Content-Length.")
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _BadRequestError(
                HTTPStatus.BAD_REQUEST, "The request body is not valid JSON."
            ) from None
        if not isinstance(body, dict):
            raise _BadRequestError(
                HTTPStatus.BAD_REQUEST, "The request body must be a JSON object."
            )
        return body

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, status: HTTPStatus, message: str, code: str | None = None) -> None:
        error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
        self._send_json(status, {"error": error})

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _stream(self, request: _CompletionRequest) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        delay = self.server.pace / DELTAS_PER_SECOND
        stopping = self.server.stopping
        try:
            for payload in request.chunks():
                if stopping.is_set():
                    self.close_connection = True
                    return
                self._write_chunk(b"data: " + payload.encode("utf-8") + b"\n\n")
                if delay > 0 and stopping.wait(delay):
                    self.close_connection = True
                    return
            self._write_chunk(b"data: [DONE]\n\n")
            self._write_chunk(b"")
        except OSError:  # the client hung up (Stop pressed) or the server is stopping
            self.close_connection = True


class _CompletionRequest:
    """One validated chat-completions request and the reply to it."""

    def __init__(self, body: dict[str, Any]) -> None:
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise _BadRequestError(HTTPStatus.BAD_REQUEST, "The request has no model.")
        if model != DEMO_MODEL:
            raise _BadRequestError(
                HTTPStatus.NOT_FOUND,
                f"The model `{model}` does not exist; the demo server only has `{DEMO_MODEL}`.",
                "model_not_found",
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _BadRequestError(HTTPStatus.BAD_REQUEST, "messages must be a non-empty list.")
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        if max_tokens is not None and (
            not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1
        ):
            raise _BadRequestError(HTTPStatus.BAD_REQUEST, "max_tokens must be a positive integer.")
        options = body.get("stream_options")
        self.model = model
        self.stream = body.get("stream") is True
        self.include_usage = isinstance(options, dict) and options.get("include_usage") is True
        self.id = "chatcmpl-demo-" + uuid.uuid4().hex[:16]
        self.created = int(time.time())
        offered = _offered_tools(body.get("tools"))
        answer = demo_answer_to_results(messages) if offered else None
        self.tool_call = (
            None if answer is not None else demo_tool_call(_last_user_text(messages), offered)
        )
        reply = answer if answer is not None else demo_reply(_last_user_text(messages))
        if answer is None and "current_time" in offered:
            reply += _TOOLS_TIP
        deltas = [] if self.tool_call is not None else split_into_deltas(reply)
        self.finish_reason = "stop" if self.tool_call is None else "tool_calls"
        if max_tokens is not None and len(deltas) > max_tokens:
            deltas = deltas[:max_tokens]
            self.finish_reason = "length"
        self.deltas = deltas
        prompt_tokens = _count_words(messages)
        self.usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(deltas),
            "total_tokens": prompt_tokens + len(deltas),
        }

    def _chunk(self, choices: list[dict[str, Any]], **extra: Any) -> str:
        return json.dumps(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": choices,
                **extra,
            }
        )

    def chunks(self) -> Iterator[str]:
        """The JSON payloads of the event stream, without the final ``[DONE]``."""
        role = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
        yield self._chunk([role])
        if self.tool_call is not None:
            name, arguments = self.tool_call
            call = {"index": 0, "id": self.id + "-call", "type": "function"}
            # The name first, the arguments in two pieces: as models stream them.
            pieces: list[dict[str, Any]] = [{**call, "function": {"name": name, "arguments": ""}}]
            half = len(arguments) // 2
            pieces += [
                {"index": 0, "function": {"arguments": arguments[:half]}},
                {"index": 0, "function": {"arguments": arguments[half:]}},
            ]
            for piece in pieces:
                choice = {"index": 0, "delta": {"tool_calls": [piece]}, "finish_reason": None}
                yield self._chunk([choice])
        for delta in self.deltas:
            yield self._chunk([{"index": 0, "delta": {"content": delta}, "finish_reason": None}])
        yield self._chunk([{"index": 0, "delta": {}, "finish_reason": self.finish_reason}])
        if self.include_usage:
            yield self._chunk([], usage=self.usage)

    def _message(self) -> dict[str, Any]:
        if self.tool_call is None:
            return {"role": "assistant", "content": "".join(self.deltas)}
        name, arguments = self.tool_call
        call = {"id": self.id + "-call", "type": "function"}
        return {
            "role": "assistant",
            "content": None,
            "tool_calls": [{**call, "function": {"name": name, "arguments": arguments}}],
        }

    def completion(self) -> dict[str, Any]:
        """The non-streaming ``chat.completion`` object."""
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": self._message(),
                    "finish_reason": self.finish_reason,
                }
            ],
            "usage": self.usage,
        }


def _offered_tools(tools: object) -> set[str]:
    """The names of the functions a request offers."""
    if not isinstance(tools, list):
        return set()
    names = set()
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.add(function["name"])
    return names


class _ActiveRequests:
    """Counts connections being served so that stop() can wait for their threads to end."""

    def __init__(self) -> None:
        self._active = 0
        self._idle = threading.Condition()

    def __enter__(self) -> None:
        with self._idle:
            self._active += 1

    def __exit__(self, *exc: object) -> None:
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    pace: float
    stopping: threading.Event
    active: _ActiveRequests

    def __init__(self, pace: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pace = pace
        self.stopping = threading.Event()
        self.active = _ActiveRequests()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        with self.active:
            try:
                super().process_request_thread(request, client_address)
            finally:
                with self._connections_lock:
                    self._connections.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client that hung up is not an error worth printing."""

    def close_connections(self) -> None:
        """Shut every open connection so that idle keep-alive readers return at once."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class DemoServer:
    """The demo server; one per app, started on demand.

    Args:
        pace: 1.0 streams about 40 deltas a second; 0 sends as fast as possible (tests).

    Example::

        server = DemoServer()
        base_url = server.start()   # "http://127.0.0.1:<port>/v1"
        ...
        server.stop()
    """

    def __init__(self, pace: float = 1.0) -> None:
        self.pace = max(0.0, pace)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str | None:
        """The base URL while running, else None."""
        if self._server is None:
            return None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._server is not None

    def start(self) -> str:
        """Start serving on a free loopback port (once) and return the base URL."""
        if self._server is None:
            server = _Server(self.pace)
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="demo-server",
                daemon=True,
            )
            self._thread.start()
        url = self.base_url
        assert url is not None
        return url

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving: end streams in progress, close idle connections, join the threads.

        Args:
            timeout: seconds to wait for the connection threads and for the server thread.
        """
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.stopping.set()
        server.shutdown()
        server.close_connections()
        server.active.wait_idle(timeout)
        server.server_close()
        if thread is not None:
            thread.join(timeout)

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
