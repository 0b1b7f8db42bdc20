"""A reply another live process is writing is never marked interrupted; a dead one's is.

The writers are real processes: one streams into the database through the engine's storage and
stays alive, another is killed with SIGKILL mid-reply, as a crash would leave it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from desktop_chat.core.history import _claims
from desktop_chat.core.history.recorder import ReplyRecorder
from desktop_chat.core.history.storage import Storage, open_storage

_WRITER = """
import sys, time
from desktop_chat.core.history.storage import Storage
store = Storage.open(sys.argv[1])
conversation = store.create_conversation("from the command line")
question = store.add_message(conversation.id, None, "user", "go")
reply = store.add_message(conversation.id, question.id, "assistant", "half", status="streaming")
print(reply.id, flush=True)
time.sleep(600)
"""


def _start_writer(database: Path) -> tuple[subprocess.Popen[str], int]:
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(database)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    return writer, int(writer.stdout.readline())


def _stop(writer: subprocess.Popen[str]) -> None:
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    if writer.stdout is not None:
        writer.stdout.close()


def _status(database: Path, message_id: int) -> str:
    with Storage.open(database) as store:
        message = store.get_message(message_id)
        assert message is not None
        return message.status


def test_a_start_beside_a_live_writer_leaves_its_reply_streaming(tmp_path: Path) -> None:
    database = tmp_path / "conversations.sqlite3"
    Storage.open(database).close()
    writer, reply_id = _start_writer(database)
    try:
        opened = open_storage(database)  # the window starting while the command line streams
        opened.storage.close()
        assert opened.interrupted == 0
        assert _status(database, reply_id) == "streaming"
    finally:
        _stop(writer)
    # The writer was killed mid-reply: the next start marks what it left.
    opened = open_storage(database)
    opened.storage.close()
    assert opened.interrupted == 1
    assert _status(database, reply_id) == "interrupted"
    assert list(_claims.claims_folder(database).iterdir()) == []


def test_a_finished_reply_gives_up_its_claim(tmp_path: Path) -> None:
    database = tmp_path / "conversations.sqlite3"
    with Storage.open(database) as store:
        conversation = store.create_conversation()
        question = store.add_message(conversation.id, None, "user", "go")
        reply = store.add_message(conversation.id, question.id, "assistant", status="streaming")
        gone = store.add_message(conversation.id, question.id, "assistant", status="streaming")
        assert _claims.claimed(database, reply.id)
        store.update_message(reply.id, status="complete", content="done")
        store.delete_message(gone.id)
        assert not _claims.claimed(database, reply.id)
        assert not _claims.claimed(database, gone.id)
        assert list(_claims.claims_folder(database).iterdir()) == []
        recorded = store.add_message(conversation.id, question.id, "assistant", status="streaming")
    recorder = ReplyRecorder(database, recorded.id)
    recorder.on_content("all of it")
    assert _claims.claimed(database, recorded.id)
    recorder.finish("complete", "stop")
    assert not _claims.claimed(database, recorded.id)


def test_a_folder_where_no_claim_can_be_made_streams_unclaimed(tmp_path: Path) -> None:
    database = tmp_path / "conversations.sqlite3"
    _claims.claims_folder(database).write_text("a file where the folder would be")
    with Storage.open(database) as store:
        conversation = store.create_conversation()
        question = store.add_message(conversation.id, None, "user", "go")
        reply = store.add_message(conversation.id, question.id, "assistant", status="streaming")
        assert not _claims.claimed(database, reply.id)
        assert store.mark_interrupted_streams() == 1
