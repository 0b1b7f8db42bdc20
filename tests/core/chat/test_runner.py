"""Running a turn against the scripted server: streamed, recorded and reported."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from desktop_chat.core.chat.options import ChatOptions
from desktop_chat.core.chat.runner import CANCELLED_REASON, TurnOutcome, run_turn
from desktop_chat.core.chat.turns import Turn, continue_turn, send_turn
from desktop_chat.core.client.api import ChatClient
from desktop_chat.core.errors import StreamInterrupted
from desktop_chat.core.history.models import ToolCall
from desktop_chat.core.history.storage import Storage
from tests.scripted_server import ScriptedServer, sse_reply

OPTIONS = ChatOptions("prov", "model-a", "", 0.5, None)


@dataclass
class Progress:
    """Records what a turn reported, and can stop it after some pieces."""

    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    record_failures: list[str] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)
    stop_after: int | None = None

    def on_content(self, text: str) -> None:
        self.content.append(text)
        if self.stop_after is not None and len(self.content) >= self.stop_after:
            self.cancel.set()

    def on_reasoning(self, text: str) -> None:
        self.reasoning.append(text)

    def on_record_failed(self, message: str) -> None:
        self.record_failures.append(message)

    def on_tool_call(self, call: ToolCall) -> None:
        raise AssertionError(f"no tools were offered, yet {call.name} was called")


def _run(turn: Turn, server: ScriptedServer, database: Path, progress: Progress) -> TurnOutcome:
    client = ChatClient(server.base_url)
    return run_turn(turn, client, progress, database=database, cancel=progress.cancel)


def test_a_turn_streams_records_and_sends_the_chat_options(
    storage: Storage, database: Path, scripted_server: ScriptedServer
) -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    scripted_server.add(sse_reply(["Hel", "lo"], usage=usage))
    turn = send_turn(storage, None, "hi", OPTIONS)
    progress = Progress()
    outcome = _run(turn, scripted_server, database, progress)
    assert progress.content == ["Hel", "lo"]
    assert (outcome.reason, outcome.error, outcome.text, outcome.deltas) == (
        "stop",
        None,
        "Hello",
        2,
    )
    assert outcome.usage is not None
    assert outcome.usage.total_tokens == 5
    body = scripted_server.requests[0].json
    assert body["model"] == "model-a"
    assert body["temperature"] == 0.5
    assert "max_tokens" not in body
    saved = storage.get_message(turn.reply.id)
    assert saved is not None
    assert (saved.content, saved.status, saved.finish_reason) == ("Hello", "complete", "stop")
    assert saved.usage == usage


def test_a_cut_off_turn_keeps_and_saves_the_partial_text(
    storage: Storage, database: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["Part", "ial"], finish_reason=None, done=False))
    turn = send_turn(storage, None, "hi", OPTIONS)
    progress = Progress()
    outcome = _run(turn, scripted_server, database, progress)
    assert isinstance(outcome.error, StreamInterrupted)
    assert outcome.error.partial_text == "Partial"
    assert outcome.status == "interrupted"
    saved = storage.get_message(turn.reply.id)
    assert saved is not None
    assert (saved.content, saved.status) == ("Partial", "interrupted")
    assert saved.error is not None
    assert "ended before the reply was complete" in saved.error


def test_cancelling_keeps_what_arrived(
    storage: Storage, database: Path, scripted_server: ScriptedServer
) -> None:
    reply = sse_reply(["one ", "two ", "three"], finish_reason=None, done=False)
    reply.ending = "stall"
    scripted_server.add(reply)
    turn = send_turn(storage, None, "count", OPTIONS)
    progress = Progress(stop_after=3)
    outcome = _run(turn, scripted_server, database, progress)
    assert (outcome.reason, outcome.error) == (CANCELLED_REASON, None)
    saved = storage.get_message(turn.reply.id)
    assert saved is not None
    assert (saved.content, saved.status) == ("one two three", "interrupted")


def test_a_continued_turn_saves_the_prefix_and_the_rest(
    storage: Storage, database: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply([" are red."]))
    first = send_turn(storage, None, "poem", OPTIONS)
    storage.update_message(first.reply.id, content="Roses", status="interrupted")
    turn = continue_turn(storage, first.reply.id, OPTIONS)
    progress = Progress()
    outcome = _run(turn, scripted_server, database, progress)
    assert progress.content == [" are red."]  # the prefix is not reported again
    assert outcome.text == "Roses are red."
    saved = storage.get_message(turn.reply.id)
    assert saved is not None
    assert (saved.content, saved.status) == ("Roses are red.", "complete")


def test_a_reply_row_that_vanished_is_reported_and_the_stream_goes_on(
    storage: Storage, database: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["still ", "here"]))
    turn = send_turn(storage, None, "hi", OPTIONS)
    storage.delete_conversation(turn.conversation_id)
    storage.purge_deleted()
    progress = Progress()
    outcome = _run(turn, scripted_server, database, progress)
    assert outcome.text == "still here"
    assert progress.record_failures
    assert "no longer exists" in progress.record_failures[0]


def test_text_that_came_before_a_pause_is_saved_during_the_pause(
    storage: Storage, database: Path, scripted_server: ScriptedServer
) -> None:
    # A burst, then the server goes quiet (a model thinking): no later delta will trigger a write.
    reply = sse_reply(["one ", "two ", "three"], finish_reason=None, done=False)
    reply.ending = "stall"
    scripted_server.add(reply)
    turn = send_turn(storage, None, "think", OPTIONS)
    progress = Progress()
    outcomes: list[TurnOutcome] = []
    worker = threading.Thread(
        target=lambda: outcomes.append(_run(turn, scripted_server, database, progress))
    )
    worker.start()
    try:

        def saved() -> str:
            message = storage.get_message(turn.reply.id)
            return "" if message is None else message.content

        # Polled until it holds; pytest-timeout (pyproject) is the only guard against a hang.
        while saved() != "one two three":
            time.sleep(0.02)
        message = storage.get_message(turn.reply.id)
        assert message is not None
        assert message.status == "streaming"  # saved while the stream is still open
    finally:
        progress.cancel.set()
        worker.join()
    assert outcomes[0].reason == CANCELLED_REASON
