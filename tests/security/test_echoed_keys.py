"""A key the server sends back, in the reply or in an error, is stored, shown and exported masked.

A hostile server (or a model told to) repeats the API key in the streamed reply, split over
pieces, reversed, or spread out with spaces inside an error body; a base URL carries a user name
and password that a 404 would quote. Each goes through the real engine into a real database and
every export format, and is searched for there.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desktop_chat.core.chat.options import ChatOptions
from desktop_chat.core.chat.runner import TurnOutcome, run_turn
from desktop_chat.core.chat.turns import send_turn
from desktop_chat.core.client.api import ChatClient
from desktop_chat.core.history.models import ToolCall
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer.export import write_export
from tests.scripted_server import (
    Reply,
    ScriptedServer,
    chunk_json,
    json_reply,
    sse_event,
    sse_reply,
)
from tests.security.leakcheck import LeakCheck, make_key

OPTIONS = ChatOptions("prov", "test-model", "", None, None)
PASSWORD = "hunter2-url-secret"


@dataclass
class Progress:
    """What the turn showed while it ran."""

    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    record_failures: list[str] = field(default_factory=list)

    def on_content(self, text: str) -> None:
        self.content.append(text)

    def on_reasoning(self, text: str) -> None:
        self.reasoning.append(text)

    def on_record_failed(self, message: str) -> None:
        self.record_failures.append(message)

    def on_tool_call(self, call: ToolCall) -> None:
        raise AssertionError(f"no tools were offered, yet {call.name} was called")


def _letters(text: str) -> str:
    return "".join(character for character in text.casefold() if character.isalnum())


def _holds_key(text: str, key: str) -> bool:
    """True when ``text`` holds 12 of the key's letters and digits in a row, either way round,
    whatever stands between them."""
    plain, wanted = _letters(text), _letters(key)
    runs = {wanted[i : i + 12] for i in range(len(wanted) - 11)}
    return any(run in plain or run[::-1] in plain for run in runs)


def _turn(
    tmp_path: Path, base_url: str, key: str | None, reply: Reply, server: ScriptedServer
) -> tuple[Storage, int, Progress, TurnOutcome]:
    server.add(reply)
    database = tmp_path / "conversations.db"
    storage = Storage.open(database)
    turn = send_turn(storage, None, "Repeat my key.", OPTIONS)
    progress = Progress()
    outcome = run_turn(
        turn, ChatClient(base_url, key), progress, database=database, cancel=threading.Event()
    )
    return storage, turn.conversation_id, progress, outcome


def _exports(tmp_path: Path, storage: Storage, conversation_id: int) -> dict[str, str]:
    conversation = storage.get_conversation(conversation_id)
    assert conversation is not None
    messages = storage.conversation_messages(conversation_id)
    written = {}
    for fmt in ("md", "txt", "json", "html"):
        (path,) = write_export([(conversation, messages)], fmt, tmp_path / f"echo.{fmt}")
        written[fmt] = path.read_text(encoding="utf-8")
    return written


def test_a_key_echoed_in_the_reply_is_masked_on_screen_on_disk_and_in_exports(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    key = make_key()
    check = LeakCheck(key)
    cut = len(key) // 2
    events = [
        chunk_json({"role": "assistant", "content": ""}),
        chunk_json({"reasoning_content": f"They want {key[:5]}"}),
        chunk_json({"reasoning_content": f"{key[5:]}, so no."}),
        chunk_json({"content": f"Your key is {key[:cut]}"}),
        chunk_json({"content": f"{key[cut:]}; backwards {key[::-1][:7]}"}),
        chunk_json({"content": f"{key[::-1][7:]}. Done s"}),
        chunk_json({}, finish_reason="stop"),
    ]
    reply = sse_reply(chunks=[*(sse_event(event) for event in events), sse_event("[DONE]")])
    storage, conversation_id, progress, outcome = _turn(
        tmp_path, scripted_server.base_url, key, reply, scripted_server
    )
    assert scripted_server.requests[0].headers["authorization"] == f"Bearer {key}"
    expected = "Your key is [API key]; backwards [API key]. Done s"
    assert "".join(progress.content) == expected
    assert "".join(progress.reasoning) == "They want [API key], so no."
    assert outcome.text == expected
    saved = storage.get_message(outcome_reply(storage, conversation_id))
    assert saved is not None
    assert (saved.content, saved.reasoning) == (expected, "They want [API key], so no.")
    for fmt, text in _exports(tmp_path, storage, conversation_id).items():
        check.scan(f"export {fmt}", text)
        assert key[::-1] not in text, fmt
    storage.close()
    check.scan("progress", "".join(progress.content + progress.reasoning))
    check.scan("database", (tmp_path / "conversations.db").read_bytes())
    assert check.where == [], "\n".join(check.where)


def outcome_reply(storage: Storage, conversation_id: int) -> int:
    """The id of the conversation's reply."""
    (reply,) = [m for m in storage.conversation_messages(conversation_id) if m.role != "user"]
    return reply.id


@pytest.mark.parametrize(
    "echo",
    [
        pytest.param(" ".join, id="spaced"),
        pytest.param(lambda key: "-".join(key.upper()), id="dashed"),
        pytest.param(lambda key: key[::-1], id="reversed"),
        pytest.param(lambda key: " . ".join(key[::-1]), id="spaced-reversed"),
    ],
)
@pytest.mark.parametrize("body", ["json", "html"])
def test_a_disguised_key_in_an_error_body_is_saved_and_exported_masked(
    tmp_path: Path, scripted_server: ScriptedServer, echo: object, body: str
) -> None:
    key = make_key()
    assert callable(echo)
    disguised = echo(key)
    if body == "json":
        reply = json_reply(401, {"error": {"message": f"Key {disguised} is not valid"}})
    else:
        page = f"<html><body><h1>401</h1><p>Key {disguised} is not valid</p></body></html>"
        reply = Reply(401, [("Content-Type", "text/html")], [page.encode()])
    storage, conversation_id, _progress, outcome = _turn(
        tmp_path, scripted_server.base_url, key, reply, scripted_server
    )
    assert outcome.error is not None
    assert "Key [API key]" in outcome.error.message
    for label, text in [
        ("message", outcome.error.message),
        ("snippet", outcome.error.body_snippet),
        ("args", repr(outcome.error.args)),
        *_exports(tmp_path, storage, conversation_id).items(),
    ]:
        assert not _holds_key(text, key), label
    saved = storage.get_message(outcome_reply(storage, conversation_id))
    assert saved is not None
    assert saved.error is not None
    assert "[API key]" in saved.error
    assert not _holds_key(saved.error, key)
    storage.close()


def test_a_password_in_the_base_url_is_not_quoted_by_a_404(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    base_url = scripted_server.base_url.replace("://", f"://alice:{PASSWORD}@")
    reply = json_reply(404, {"error": {"message": "no such model", "code": "model_not_found"}})
    storage, conversation_id, _progress, outcome = _turn(
        tmp_path, base_url, None, reply, scripted_server
    )
    assert outcome.error is not None
    host = scripted_server.base_url.split("://", 1)[1]
    assert f"at http://{host}/chat/completions (404)" in outcome.error.message
    saved = storage.get_message(outcome_reply(storage, conversation_id))
    assert saved is not None
    assert saved.error == outcome.error.message
    texts = [
        outcome.error.message,
        repr(outcome.error.args),
        *_exports(tmp_path, storage, conversation_id).values(),
    ]
    storage.close()
    texts.append((tmp_path / "conversations.db").read_bytes().decode("utf-8", "replace"))
    for text in texts:
        assert PASSWORD not in text
        assert "alice" not in text


def test_a_url_of_an_unknown_scheme_is_quoted_without_its_password() -> None:
    client = ChatClient(f"ftp://alice:{PASSWORD}@127.0.0.1:1/v1")
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the message is what is checked
        list(client.stream_chat("m", [{"role": "user", "content": "hi"}]))
    assert "ftp://127.0.0.1:1/v1/chat/completions" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(client)
