"""``desktop-chat send``: the window's engine on the command line, against the scripted server."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_chat.__main__ import main
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.providers import config_from_preset
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings, save_settings
from desktop_chat.core.history.storage import Storage
from tests.scripted_server import ScriptedServer, chunk_json, scripted_server, sse_event, sse_reply

__all__ = ["scripted_server"]

KEY = "sk-send-0123456789abcdef"


def _use(server: ScriptedServer, kind: str = "custom", model: str = "test-model") -> None:
    provider = config_from_preset(kind, provider_id="scripted", name="Scripted")
    provider.base_url = server.base_url
    provider.model = model
    save_settings(Settings(providers=[provider], active_provider_id=provider.id))


def _saved(conversation_id: int) -> list[tuple[str, str, str]]:
    with Storage.open(database_path()) as storage:
        return [(m.role, m.content, m.status) for m in storage.current_path(conversation_id)]


def test_send_streams_to_stdout_and_saves_the_turn_as_the_window_does(
    scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(scripted_server)
    SecretStore().set("scripted", KEY)
    scripted_server.add(sse_reply(["Hel", "lo!"]))
    code = main(
        ["send", "--system", "Be brief.", "--temperature", "0.2", "--max-tokens", "50", "Hi"]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out == "Hello!\n"
    conversation_id = int(captured.err.splitlines()[0])
    assert _saved(conversation_id) == [
        ("user", "Hi", "complete"),
        ("assistant", "Hello!", "complete"),
    ]
    request = scripted_server.requests[0]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert (request.json["temperature"], request.json["max_tokens"]) == (0.2, 50)
    with Storage.open(database_path()) as storage:
        conversation = storage.get_conversation(conversation_id)
    assert conversation is not None
    assert (conversation.title, conversation.model, conversation.temperature) == (
        "Hi",
        "test-model",
        0.2,
    )


def test_send_to_a_conversation_continues_it_with_its_own_settings(
    scripted_server: ScriptedServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _use(scripted_server)
    scripted_server.add(sse_reply(["One."]), sse_reply(["Two."]))
    assert main(["send", "--system", "Count.", "first"]) == 0
    conversation_id = int(capsys.readouterr().err.splitlines()[0])
    monkeypatch.setattr("sys.stdin", io.StringIO("second\nline"))
    assert main(["send", "--conversation", str(conversation_id), "-"]) == 0
    assert capsys.readouterr().out == "Two.\n"
    assert scripted_server.requests[1].json["messages"] == [
        {"role": "system", "content": "Count."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "One."},
        {"role": "user", "content": "second\nline"},
    ]


def test_a_cut_off_reply_exits_non_zero_with_the_window_wording_and_keeps_the_text(
    scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(scripted_server)
    scripted_server.add(sse_reply(["Half a "], finish_reason=None, done=False))
    assert main(["send", "tell me"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "Half a \n"
    lines = captured.err.splitlines()
    assert lines[1].startswith("desktop-chat: Reply cut off: The connection ended")
    assert _saved(int(lines[0]))[-1] == ("assistant", "Half a ", "interrupted")


def test_an_empty_reply_is_said_on_stderr(
    scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(scripted_server)
    scripted_server.add(sse_reply([]))
    assert main(["send", "say nothing"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[1] == "desktop-chat: The model sent an empty reply. Regenerate to ask again."


def test_an_unsendable_message_writes_nothing(
    scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(scripted_server, model="")
    assert main(["send", "hello"]) == 1
    assert "Choose a model" in capsys.readouterr().err
    assert main(["send", "--conversation", "42", "--model", "m", "hello"]) == 1
    assert "no conversation has id 42" in capsys.readouterr().err
    assert main(["send", "--provider", "nobody", "hello"]) == 1
    assert "no provider is named 'nobody'" in capsys.readouterr().err
    with Storage.open(database_path()) as storage:
        assert storage.list_conversations() == []
    assert scripted_server.requests == []


def test_send_works_with_the_llama_cpp_preset(
    scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # llama.cpp's server adds its timings to the last chunk and needs no key.
    _use(scripted_server, kind="llamacpp", model="qwen2.5-0.5b-instruct-q4_k_m.gguf")
    last = chunk_json({}, finish_reason="stop")
    last["timings"] = {"predicted_n": 2, "predicted_ms": 12.5}
    chunks = [sse_event(chunk_json({"content": "Bon"})), sse_event(chunk_json({"content": "jour"}))]
    scripted_server.add(sse_reply(chunks=[*chunks, sse_event(last), b"data: [DONE]\n\n"]))
    assert main(["send", "--provider", "Scripted", "Salut"]) == 0
    assert capsys.readouterr().out == "Bonjour\n"
    assert "authorization" not in scripted_server.requests[0].headers


def test_the_demo_answers_send_with_no_set_up_at_all(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "hello demo"]) == 0
    captured = capsys.readouterr()
    assert "hello demo" in captured.out  # the demo quotes the message
    assert _saved(int(captured.err.splitlines()[0]))[-1][2] == "complete"


def _command(home: Path, *arguments: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "DESKTOP_CHAT_HOME": str(home), "QT_QPA_PLATFORM": ""}
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_chat", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def test_ctrl_c_stops_the_reply_and_keeps_what_arrived(
    scripted_server: ScriptedServer, app_home: Path
) -> None:
    _use(scripted_server)
    stalled = sse_reply(["first words "], finish_reason=None, done=False)
    stalled.ending = "stall"
    scripted_server.add(stalled)
    process = _command(app_home, "send", "go on")
    assert process.stdout is not None
    assert process.stdout.read(len("first words ")) == "first words "
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Stopped. The text received so far was saved." in err
    conversation_id = int(err.splitlines()[0])
    assert _saved(conversation_id)[-1] == ("assistant", "first words ", "interrupted")
    assert out == "\n"


def test_a_mistyped_command_is_an_error_with_the_usage_not_a_window(app_home: Path) -> None:
    process = _command(app_home, "lsit")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert out == ""
    assert err.startswith("usage: desktop-chat")
    assert "invalid choice: 'lsit'" in err
