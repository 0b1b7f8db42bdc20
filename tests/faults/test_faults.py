"""One table of faults, each driven through the real window against a real loopback server.

Every fault must leave the app responsive, say what went wrong in the error banner (or, for the
faults a client should shrug off, show the reply as if nothing happened), keep the text received
so far both on screen and in the database, and let the next request succeed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop_chat.core.client.sse import DEFAULT_MAX_EVENT_SIZE
from desktop_chat.ui.window.main_window import MainWindow
from tests.faults.conftest import READ_TIMEOUT, TEST_KEY, FaultReply, FaultServer, TLSServer
from tests.ports import refused_port
from tests.scripted_server import Reply, chunk_json, json_reply, sse_chunks, sse_event, sse_reply

# What the server sent before each mid-stream fault: the text that must survive it.
BEFORE = ["Half of ", "the answer"]
KEPT = "".join(BEFORE)


def _error(message: str, code: str = "", type_: str = "") -> dict[str, object]:
    return {"error": {"message": message, "type": type_, "code": code}}


def _content(text: str) -> bytes:
    return sse_event(chunk_json({"content": text}))


def _cut(ending: str, tail: bytes, cut_at: int) -> Reply:
    """The BEFORE events, then ``tail`` cut by ``ending`` after its first ``cut_at`` bytes."""
    head = sse_chunks(BEFORE, finish_reason=None, done=False)
    return sse_reply(chunks=[*head, tail], ending=ending, end_at=sum(map(len, head)) + cut_at)


def _reset_inside(tail: bytes, character: bytes) -> Reply:
    """The BEFORE events, then ``tail`` reset after the first byte of ``character``."""
    return _cut("reset", tail, tail.index(character) + 1)


def _stream(*extra: bytes, done: bool = True) -> Reply:
    """The BEFORE events, then ``extra`` raw chunks, then a finish chunk and ``[DONE]``."""
    head = sse_chunks(BEFORE, finish_reason=None, done=False)
    end = sse_chunks([], done=done)[1:]  # the finish chunk (and [DONE]), no second role chunk
    return sse_reply(chunks=[*head, *extra, *end])


@dataclass(frozen=True)
class Fault:
    """One row of the table.

    Attributes:
        replies: what the fault server answers (built per test: some bodies are large).
        words: phrases the error banner must contain; empty when the reply must succeed.
        kept: the reply text that must be on screen and saved.
        status: the saved message status.
        note: the note under the reply ("" for none).
        address: where to send the request instead of the fault server (refused, DNS, TLS).
        during: runs while the reply streams (the user pressing Stop).
    """

    replies: Callable[[], Sequence[Reply]] = tuple
    words: tuple[str, ...] = ()
    kept: str = ""
    status: str = "error"
    note: str = ""
    address: Callable[[TLSServer], str] | None = None
    during: Callable[[QtBot, MainWindow, FaultServer], None] | None = None


def _stop_while_server_vanishes(qtbot: QtBot, window: MainWindow, server: FaultServer) -> None:
    view = window.transcript.last_view()
    assert view is not None
    qtbot.waitUntil(lambda: view.markdown() == KEPT, timeout=3000)
    window.stop_button.click()
    server.vanish.set()


FAULTS: dict[str, Fault] = {
    "refused connection": Fault(
        address=lambda _tls: f"http://127.0.0.1:{refused_port()}/v1",
        words=("Could not reach the server", "connection refused"),
    ),
    "unknown host": Fault(
        address=lambda _tls: "http://desktop-chat-test.invalid/v1",
        words=("Could not reach the server", "desktop-chat-test.invalid", "could not be found"),
    ),
    "TLS certificate failure": Fault(
        address=lambda tls: tls.base_url,
        words=("Could not reach the server", "certificate", "could not be verified"),
    ),
    "401": Fault(
        lambda: [json_reply(401, _error("Incorrect API key provided", "invalid_api_key"))],
        words=("API key refused", "(401)", "Incorrect API key provided"),
    ),
    "403": Fault(
        lambda: [json_reply(403, _error("Model not allowed for this project"))],
        words=("Permission denied", "(403)", "Model not allowed"),
    ),
    "404": Fault(
        lambda: [json_reply(404, _error("The model `nope` does not exist", "model_not_found"))],
        words=("Wrong address or model", "(404)", "does not exist"),
    ),
    "429 with Retry-After": Fault(
        lambda: [
            json_reply(
                429, _error("Rate limit reached", "rate_limit_exceeded"), [("Retry-After", "3")]
            )
        ],
        words=("Too many requests", "Try again in 3 s", "Rate limit reached"),
    ),
    "500": Fault(
        lambda: [json_reply(500, _error("upstream exploded"))],
        words=("Failure on the server's side", "500 Internal Server Error", "upstream exploded"),
    ),
    "502 HTML page": Fault(
        lambda: [
            Reply(
                502,
                [("Content-Type", "text/html")],
                [
                    b"<html><head><title>502</title></head><body><h1>Bad gateway</h1>"
                    b"<p>nginx</p></body></html>"
                ],
            )
        ],
        words=("Failure on the server's side", "502 Bad Gateway", "nginx"),
    ),
    "503 JSON body": Fault(
        lambda: [json_reply(503, _error("The engine is currently overloaded"))],
        words=("Failure on the server's side", "503 Service Unavailable", "currently overloaded"),
    ),
    "empty 500": Fault(
        lambda: [Reply(500, [("Content-Type", "application/json")], [])],
        words=("Failure on the server's side", "500 Internal Server Error", "gave no reason"),
    ),
    "200 JSON error": Fault(
        lambda: [json_reply(200, _error("Invalid model id 'x'", type_="invalid_request_error"))],
        words=("Invalid request", "Invalid model id"),
    ),
    "200 HTML page": Fault(
        lambda: [
            Reply(
                200,
                [("Content-Type", "text/html")],
                [b"<html><body>Welcome to nginx!</body></html>"],
            )
        ],
        words=("Unexpected answer", "web page", "Welcome to nginx!", "/v1"),
    ),
    "reset before the first byte": Fault(
        lambda: [FaultReply(reset_first=True)],
        words=("failed before the server answered", "Connection reset by peer"),
    ),
    "reset mid-event": Fault(
        lambda: [_cut("reset", _content(" and more"), 20)],
        words=("Reply cut off", "connection dropped"),
        kept=KEPT,
        status="interrupted",
    ),
    "reset inside a multi-byte character": Fault(
        lambda: [_reset_inside(_content(" costs 5 €"), "€".encode())],
        words=("Reply cut off", "connection dropped"),
        kept=KEPT,
        status="interrupted",
    ),
    "stall before the headers": Fault(
        lambda: [Reply(stall_before_headers=True)],
        words=("No answer", f"sent nothing for {READ_TIMEOUT:g} s"),
        status="interrupted",
    ),
    "stall mid-stream": Fault(
        lambda: [_cut("stall", _content(" and more"), 0)],
        words=("Reply cut off", f"sent nothing for {READ_TIMEOUT:g} s in the middle"),
        kept=KEPT,
        status="interrupted",
    ),
    "end without [DONE] or finish reason": Fault(
        lambda: [sse_reply(BEFORE, finish_reason=None, done=False)],
        words=("Reply cut off", "no end marker"),
        kept=KEPT,
        status="interrupted",
    ),
    "end without [DONE] after a finish reason": Fault(
        lambda: [sse_reply(BEFORE, done=False)],
        kept=KEPT,
        status="complete",
    ),
    "in-band error after content": Fault(
        lambda: [_stream(sse_event(_error("overloaded half-way")))],
        words=("Reply cut off", "in the middle of the reply", "overloaded half-way"),
        kept=KEPT,
        status="interrupted",
    ),
    "event: error frame": Fault(
        lambda: [_stream(sse_event(_error("shard failed"), event="error"))],
        words=("Reply cut off", "in the middle of the reply", "shard failed"),
        kept=KEPT,
        status="interrupted",
    ),
    "malformed JSON chunk": Fault(
        lambda: [_stream(b'data: {"choices": [{"delta": {"content": "lost\n\n', _content("!"))],
        kept=KEPT + "!",
        status="complete",
    ),
    "20 MB single event": Fault(
        lambda: [_stream(_content("x" * (20 * 1024 * 1024)))],
        words=("Reply cut off", f"limit of {DEFAULT_MAX_EVENT_SIZE:,} characters"),
        kept=KEPT,
        status="interrupted",
    ),
    "10,000 keep-alive comments": Fault(
        lambda: [_stream(*([b": keep-alive\n\n"] * 10_000))],
        kept=KEPT,
        status="complete",
    ),
    "invalid UTF-8": Fault(
        lambda: [_stream(b'data: {"choices": [{"delta": {"content": " \xff\xfe!"}}]}\n\n')],
        kept=KEPT + " \ufffd\ufffd!",
        status="complete",
    ),
    "server vanishes while the user presses Stop": Fault(
        lambda: [_cut("stall", b"", 0)],
        kept=KEPT,
        status="interrupted",
        note="Stopped.",
        during=_stop_while_server_vanishes,
    ),
}


class _LoopWatch:
    """Ticks a timer on the GUI thread while a fault plays out and keeps the longest gap.

    A GUI thread that waited on the network would show a gap as long as the server's stall or
    the client's read timeout; a responsive one ticks on through the fault.
    """

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._last = 0.0
        self.ticks = 0
        self.longest_gap = 0.0

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._on_timer_timeout()

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        self.longest_gap = max(self.longest_gap, now - self._last)
        self._last = now
        self.ticks += 1


def _send(
    qtbot: QtBot,
    window: MainWindow,
    text: str,
    during: Callable[[QtBot, MainWindow, FaultServer], None] | None = None,
    server: FaultServer | None = None,
) -> _LoopWatch:
    """Send ``text`` and wait for the reply to end; how the event loop fared meanwhile."""
    watch = _LoopWatch()
    watch.start()
    window.composer.setPlainText(text)
    window.send_button.click()
    assert window.session.is_streaming
    if during is not None and server is not None:
        during(qtbot, window, server)
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=10_000)
    watch.stop()
    return watch


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault(
    name: str,
    qtbot: QtBot,
    window: MainWindow,
    fault_server: FaultServer,
    request: pytest.FixtureRequest,
) -> None:
    fault = FAULTS[name]
    storage = window.storage
    provider = window.active_provider()
    assert provider is not None
    if fault.address is not None:
        tls = request.getfixturevalue("tls_server") if "TLS" in name else None
        provider.base_url = fault.address(tls)  # type: ignore[arg-type]
    fault_server.add(*fault.replies())

    watch = _send(qtbot, window, "Hello", fault.during, fault_server)
    # Measured against the fault's own time scale, not a budget: the read timeout is the
    # shortest wait that a GUI thread blocked on the socket would show.
    assert watch.longest_gap < READ_TIMEOUT / 2, f"the window froze {watch.longest_gap:.2f} s"

    view = window.transcript.last_view()
    assert view is not None
    banner = view.error_text()
    if fault.words:
        for words in fault.words:
            assert words in banner, f"{words!r} not in {banner!r}"
    else:
        assert banner == ""
    assert TEST_KEY not in banner
    note = view.findChild(QLabel, "messageNote")
    assert note is not None
    assert note.text() == fault.note
    assert view.markdown() == fault.kept
    assert fault.kept in view.body.toPlainText()
    stored = storage.get_message(view.message_id or -1)
    assert stored is not None
    assert (stored.content, stored.status) == (fault.kept, fault.status)

    provider.base_url = fault_server.base_url
    fault_server.add(sse_reply(["Recovered ", "fine"]))
    _send(qtbot, window, "Again")
    after = window.transcript.last_view()
    assert after is not None
    assert after is not view
    assert after.markdown() == "Recovered fine"
    assert after.error_text() == ""
    saved = storage.get_message(after.message_id or -1)
    assert saved is not None
    assert (saved.content, saved.status) == ("Recovered fine", "complete")
    assert json.loads(fault_server.requests[-1].body)["messages"][-1]["content"] == "Again"
