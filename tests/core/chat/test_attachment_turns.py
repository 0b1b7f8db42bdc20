"""Attached files in requests: the exact parts sent, the same on every way a turn is sent, and a
model that refuses images."""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.core.attachments.prepare import MAX_FILES, prepare_data
from desktop_chat.core.chat.advice import describe_error
from desktop_chat.core.chat.options import ChatOptions
from desktop_chat.core.chat.runner import TurnOutcome, run_turn
from desktop_chat.core.chat.turns import Turn, continue_turn, regenerate_turn, send_turn
from desktop_chat.core.client.api import ChatClient
from desktop_chat.core.errors import AttachmentError, ImagesNotSupportedError
from desktop_chat.core.history.models import ToolCall
from desktop_chat.core.history.storage import Storage
from tests.attachment_files import pdf, png
from tests.scripted_server import ScriptedServer, json_reply, sse_reply

OPTIONS = ChatOptions("prov", "vision-model")
SHOT = prepare_data(png(20, 10), "screenshot.png")
REPORT = prepare_data(pdf(["Revenue rose."]), "report.pdf")
CODE = prepare_data(b"print('hi')\n", "hello.py")

EXPECTED_PARTS: list[dict[str, Any]] = [
    {"type": "text", "text": "What is in these?"},
    {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64," + base64.b64encode(SHOT.data).decode()},
    },
    {
        "type": "text",
        "text": "--- Attached PDF: report.pdf (1 page) ---\n[Page 1]\nRevenue rose.\n"
        "--- End of report.pdf ---",
    },
    {
        "type": "text",
        "text": "--- Attached file: hello.py ---\nprint('hi')\n--- End of hello.py ---",
    },
]


class _Quiet:
    def on_content(self, text: str) -> None:
        del text

    def on_reasoning(self, text: str) -> None:
        del text

    def on_record_failed(self, message: str) -> None:
        raise AssertionError(message)

    def on_tool_call(self, call: ToolCall) -> None:
        raise AssertionError(f"no tools were offered, yet {call.name} was called")


def _run(turn: Turn, server: ScriptedServer, database: Path) -> TurnOutcome:
    return run_turn(
        turn, ChatClient(server.base_url), _Quiet(), database=database, cancel=threading.Event()
    )


def test_the_request_carries_the_text_then_each_file_as_its_part(
    storage: Storage, database: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["A cat."]))
    turn = send_turn(storage, None, "What is in these?", OPTIONS, attachments=[SHOT, REPORT, CODE])
    outcome = _run(turn, scripted_server, database)
    assert outcome.error is None
    (request,) = scripted_server.requests
    assert request.json["messages"] == [{"role": "user", "content": EXPECTED_PARTS}]
    # The next turn sends the earlier files again, read back from the database.
    scripted_server.add(sse_reply(["Sure."]))
    follow_up = send_turn(storage, turn.conversation_id, "And now?", OPTIONS)
    _run(follow_up, scripted_server, database)
    assert scripted_server.requests[1].json["messages"] == [
        {"role": "user", "content": EXPECTED_PARTS},
        {"role": "assistant", "content": "A cat."},
        {"role": "user", "content": "And now?"},
    ]


def test_regenerate_continue_and_edit_send_the_same_parts(
    storage: Storage, database: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["Part"], finish_reason="length"))
    first = send_turn(storage, None, "What is in these?", OPTIONS, attachments=[SHOT, REPORT, CODE])
    _run(first, scripted_server, database)
    scripted_server.add(sse_reply(["Again"]), sse_reply([" more"]), sse_reply(["Edited"]))
    _run(regenerate_turn(storage, first.reply.id, OPTIONS), scripted_server, database)
    _run(continue_turn(storage, first.reply.id, OPTIONS), scripted_server, database)
    edit = send_turn(
        storage,
        first.conversation_id,
        "What is in these?",
        OPTIONS,
        parent_id=first.user.parent_id,
        attachments=first.user.attachments,
    )
    _run(edit, scripted_server, database)
    for request in scripted_server.requests[1:]:
        assert request.json["messages"][0] == {"role": "user", "content": EXPECTED_PARTS}
    assert edit.user.attachments == first.user.attachments


def test_files_alone_can_be_sent_and_name_the_conversation(
    storage: Storage, database: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["ok"]))
    turn = send_turn(storage, None, "  ", OPTIONS, attachments=[CODE])
    _run(turn, scripted_server, database)
    conversation = storage.get_conversation(turn.conversation_id)
    assert conversation is not None
    assert conversation.title == "hello.py"
    assert scripted_server.requests[0].json["messages"][0]["content"] == EXPECTED_PARTS[3:]


def test_too_many_files_write_nothing(storage: Storage) -> None:
    with pytest.raises(AttachmentError, match=f"at most {MAX_FILES} files"):
        send_turn(storage, None, "x", OPTIONS, attachments=[CODE] * (MAX_FILES + 1))
    assert storage.list_conversations() == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": {"message": "image input is not supported", "type": "invalid_request"}}),
        (500, {"error": {"message": "image input is not supported - hint: provide the mmproj"}}),
        (400, {"error": {"message": "This model does not support images."}}),
    ],
)
def test_a_model_that_refuses_images_gets_a_sentence_and_retry_keeps_the_files(
    storage: Storage,
    database: Path,
    scripted_server: ScriptedServer,
    status: int,
    body: dict[str, Any],
) -> None:
    scripted_server.add(json_reply(status, body))
    turn = send_turn(storage, None, "What is in these?", OPTIONS, attachments=[SHOT, REPORT, CODE])
    outcome = _run(turn, scripted_server, database)
    assert isinstance(outcome.error, ImagesNotSupportedError)
    advice = describe_error(outcome.error)
    assert advice.text.startswith("This model cannot see images\n")
    assert "vision model" in advice.text
    kept = storage.get_message(turn.user.id)
    assert kept is not None
    assert kept.attachments == turn.user.attachments
    scripted_server.add(sse_reply(["Now I see."]))
    retry = regenerate_turn(storage, turn.reply.id, OPTIONS.with_changes(model="other-vision"))
    assert _run(retry, scripted_server, database).error is None
    assert scripted_server.requests[1].json["messages"][0]["content"] == EXPECTED_PARTS
    assert scripted_server.requests[1].json["model"] == "other-vision"
