"""Recording a streaming reply: batched committed writes, the final row, readers, kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history import _claims
from desktop_chat.core.history.recorder import ReplyRecorder
from desktop_chat.core.history.storage import Storage

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class _Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(tmp_path / "conversations.sqlite3") as opened:
        yield opened


def _streaming_reply(store: Storage) -> int:
    conversation = store.create_conversation()
    question = store.add_message(conversation.id, None, "user", "Tell me a story.")
    return store.add_message(
        conversation.id, question.id, "assistant", status="streaming", model="m"
    ).id


def _count_writes(path: Path) -> None:
    """Count, in the file itself, every committed update of a message's text."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript(
        """
        CREATE TABLE write_log (n INTEGER);
        CREATE TRIGGER count_writes AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO write_log VALUES (1);
        END;
        """
    )
    connection.close()


def _writes(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT count(*) FROM write_log").fetchone()[0])
    finally:
        connection.close()


def _saved(store: Storage, message_id: int) -> str:
    message = store.get_message(message_id)
    assert message is not None
    return message.content


def test_first_delta_is_written_then_at_most_once_per_interval(store: Storage) -> None:
    message_id = _streaming_reply(store)
    clock = _Clock()
    recorder = ReplyRecorder(store.path, message_id, flush_interval=0.25, clock=clock)
    recorder.on_content("Once")
    assert (recorder.writes, _saved(store, message_id)) == (1, "Once")
    for _ in range(99):
        clock.now += 0.002
        recorder.on_content(" upon")
    assert recorder.writes == 1
    assert _saved(store, message_id) == "Once"
    clock.now += 0.06  # 0.258 s after the first write
    recorder.on_content(" a time")
    assert recorder.writes == 2
    assert _saved(store, message_id) == "Once" + " upon" * 99 + " a time"
    clock.now += 0.1
    recorder.on_reasoning("thinking")
    assert recorder.writes == 2
    recorder.flush()
    assert recorder.writes == 3
    recorder.flush()  # nothing new: no write
    assert recorder.writes == 3
    message = store.get_message(message_id)
    assert message is not None
    assert (message.reasoning, message.status) == ("thinking", "streaming")


def test_a_hundred_deltas_in_a_hundred_milliseconds_make_at_most_two_writes(
    store: Storage,
) -> None:
    message_id = _streaming_reply(store)
    _count_writes(store.path)
    recorder = ReplyRecorder(store.path, message_id)
    start = time.monotonic()
    for i in range(100):
        recorder.on_content(f"w{i} ")
        time.sleep(max(0.0, start + (i + 1) / 1000 - time.monotonic()))
    assert _writes(store.path) <= 2
    assert _writes(store.path) == recorder.writes
    recorder.finish("complete", "stop")
    assert _writes(store.path) == recorder.writes <= 3
    assert _saved(store, message_id) == "".join(f"w{i} " for i in range(100))


def test_finish_writes_the_final_row(store: Storage) -> None:
    message_id = _streaming_reply(store)
    recorder = ReplyRecorder(store.path, message_id, clock=_Clock())
    recorder.on_reasoning("Let me think. ")
    recorder.on_content("Hello")
    recorder.on_content(", world")  # not written yet: within the interval
    recorder.finish("complete", "stop", _Usage(3, 2, 5), ttft_ms=150.0, duration_ms=1200.0)
    message = store.get_message(message_id)
    assert message is not None
    assert (message.content, message.reasoning) == ("Hello, world", "Let me think. ")
    assert (message.status, message.finish_reason, message.error) == ("complete", "stop", None)
    assert message.usage == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    assert (message.ttft_ms, message.duration_ms) == (150.0, 1200.0)
    with pytest.raises(ValueError, match="already finished"):
        recorder.finish("complete")
    with pytest.raises(ValueError, match="already finished"):
        recorder.on_content("late")


def test_failure_keeps_the_partial_text_and_the_sentence(store: Storage) -> None:
    message_id = _streaming_reply(store)
    recorder = ReplyRecorder(store.path, message_id)
    recorder.on_content("Partial answ")
    recorder.finish("error", error="The connection dropped before the reply ended.")
    message = store.get_message(message_id)
    assert message is not None
    assert (message.status, message.content, message.error) == (
        "error",
        "Partial answ",
        "The connection dropped before the reply ended.",
    )
    with pytest.raises(ValueError, match="status"):
        ReplyRecorder(store.path, message_id).finish("done")


def test_a_reply_deleted_meanwhile_is_reported_not_crashed_on(store: Storage) -> None:
    message_id = _streaming_reply(store)
    message = store.get_message(message_id)
    assert message is not None
    clock = _Clock()
    recorder = ReplyRecorder(store.path, message_id, clock=clock)
    recorder.on_content("first")
    store.delete_conversation(message.conversation_id)
    store.purge_deleted()
    clock.now += 1
    recorder.on_content(" second")  # the stream goes on; the failure is kept
    assert isinstance(recorder.last_error, StorageError)
    with pytest.raises(StorageError, match="no longer exists"):
        recorder.finish("complete")


def test_the_window_reads_while_the_recorder_writes(store: Storage) -> None:
    message_id = _streaming_reply(store)
    message = store.get_message(message_id)
    assert message is not None
    recorder = ReplyRecorder(store.path, message_id, flush_interval=0.0)
    words = [f"word{i} " for i in range(400)]
    failures: list[BaseException] = []

    def stream() -> None:
        try:
            for word in words:
                recorder.on_content(word)
            recorder.finish("complete", "stop")
        except BaseException as error:  # noqa: BLE001 - collected and re-raised by the test
            failures.append(error)

    writer = threading.Thread(target=stream)
    seen: list[str] = []
    writer.start()
    while writer.is_alive():
        path = store.path_to(message_id)
        seen.append(path[-1].content)
        # The window's own writes go on too: they wait for the recorder's short transactions.
        store.update_conversation(message.conversation_id, draft=str(len(seen)))
    writer.join()
    assert failures == []
    assert recorder.writes == len(words) + 1
    full = "".join(words)
    assert all(full.startswith(text) for text in seen)
    assert [len(text) for text in seen] == sorted(len(text) for text in seen)
    assert _saved(store, message_id) == full
    assert store._db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


_CHILD = """
import sys, time
from desktop_chat.core.history.recorder import ReplyRecorder
recorder = ReplyRecorder(sys.argv[1], int(sys.argv[2]))
for i in range(100000):
    recorder.on_content(f"{i:06d} ")
    print(i, flush=True)
    time.sleep(0.002)
"""


@pytest.mark.slow
def test_kill_9_mid_stream_loses_at_most_the_last_quarter_second(store: Storage) -> None:
    message_id = _streaming_reply(store)
    _claims.release(store.path, message_id)  # the child process writes the reply
    sent_at: list[float] = []
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(store.path), str(message_id)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as child:
        assert child.stdout is not None
        try:
            for _line in child.stdout:
                sent_at.append(time.monotonic())
                if sent_at[-1] >= sent_at[0] + 1.0:
                    break
            killed_at = time.monotonic()
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    saved = _saved(store, message_id)
    parts = saved.split()
    # What was saved is exactly the first deltas, in order, with nothing torn.
    assert parts == [f"{i:06d}" for i in range(len(parts))]
    assert saved == "".join(f"{i:06d} " for i in range(len(parts)))
    # Every delta the child had sent 0.25 s (plus scheduling slack) before the kill is saved.
    settled = sum(1 for moment in sent_at if moment <= killed_at - 0.25 - 0.1)
    assert len(parts) >= settled > 0
    with Storage.open(store.path) as after:
        assert after.mark_interrupted_streams() == 1


def test_a_missing_database_is_reported_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "gone.sqlite3"
    recorder = ReplyRecorder(missing, 1)
    recorder.on_content("text")
    assert isinstance(recorder.last_error, StorageError)
    with pytest.raises(StorageError, match="could not be saved"):
        recorder.finish("complete")
    assert not missing.exists()


def test_empty_deltas_write_nothing_and_close_ends_without_a_final_write(store: Storage) -> None:
    message_id = _streaming_reply(store)
    recorder = ReplyRecorder(store.path, message_id)
    recorder.on_content("")
    recorder.on_reasoning("")
    assert recorder.writes == 0
    recorder.on_content("kept")
    recorder.close()
    assert recorder.writes == 1
    with pytest.raises(ValueError, match="already finished"):
        recorder.on_content("more")
    message = store.get_message(message_id)
    assert message is not None
    assert (message.content, message.status) == ("kept", "streaming")
