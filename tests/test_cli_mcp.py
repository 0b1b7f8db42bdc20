"""``desktop-chat mcp`` and ``send --tools``: tool servers set up and used without the window,
with the offline demo as the model and the tool servers as they ship (ours, and
``mcp-server-time`` from PyPI)."""

from __future__ import annotations

import json
import sys

import pytest

from desktop_chat.__main__ import main
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import load_settings
from desktop_chat.core.config.tool_servers import BUILTIN_SERVER, header_secret_id
from desktop_chat.core.history.storage import Storage

pytestmark = pytest.mark.slow


def test_mcp_add_and_list_keep_servers_and_their_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        main(
            ["mcp", "add", "time", "--env", "TZ=UTC", "--", sys.executable, "-m", "mcp_server_time"]
        )
        == 0
    )
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("tok-123\n"))
    assert (
        main(["mcp", "add", "remote", "--url", "https://tools.example/mcp", "--bearer-token-stdin"])
        == 0
    )
    assert main(["mcp", "list", "--json"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out[out.index("[") :])
    assert [(row["name"], row["transport"], row["enabled"]) for row in rows] == [
        (BUILTIN_SERVER, "stdio", False),
        ("time", "stdio", True),
        ("remote", "http", True),
    ]
    assert rows[1]["command"] == [sys.executable, "-m", "mcp_server_time"]
    settings = load_settings().settings
    time_server = settings.tool_server("time")
    assert time_server is not None
    assert time_server.env == {"TZ": "UTC"}
    assert SecretStore().get(header_secret_id("remote", "Authorization")) == "Bearer tok-123"
    assert "tok-123" not in json.dumps(rows)
    assert main(["mcp", "list"]) == 0
    table = capsys.readouterr().out
    assert "* time" in table
    assert "(built in: a clock and a calculator)" in table


def test_mcp_add_refuses_what_it_cannot_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mcp", "add", "bad name", "--", "x"]) == 1
    assert main(["mcp", "add", "none"]) == 1
    assert main(["mcp", "add", "both", "--url", "https://x", "--", "y"]) == 1
    assert main(["mcp", "add", "ftp", "--url", "ftp://x"]) == 1
    assert main(["mcp", "add", BUILTIN_SERVER, "--", "y"]) == 1
    errors = capsys.readouterr().err
    assert "cannot name a tool server" in errors
    assert "either a command" in errors
    assert "does not start with http" in errors
    assert "exists already" in errors


def test_send_with_tools_runs_them_only_when_approved(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "--tools", BUILTIN_SERVER, "what is 6 * 7?"]) == 0
    refused = capsys.readouterr()
    assert "needs approval" in refused.err
    assert "--approve-all" in refused.err
    assert "tool calculate on demo-tools: declined" in refused.err
    assert "declined" in refused.out

    assert main(["send", "--tools", BUILTIN_SERVER, "--approve-all", "what is 6 * 7?"]) == 0
    ran = capsys.readouterr()
    assert "tool calculate on demo-tools: done" in ran.err
    assert "**42**" in ran.out
    conversation_id = int(ran.err.splitlines()[0])
    with Storage.open(database_path()) as storage:
        conversation = storage.get_conversation(conversation_id)
        assert conversation is not None
        assert conversation.tool_servers == (BUILTIN_SERVER,)
        reply = storage.current_path(conversation_id)[-1]
        assert [(call.name, call.result) for call in reply.tool_calls] == [("calculate", "42")]


def test_send_with_a_server_from_pypi(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mcp", "add", "time", "--", sys.executable, "-m", "mcp_server_time"]) == 0
    assert main(["send", "--tools", "time", "--approve-all", "hello"]) == 0
    captured = capsys.readouterr()
    assert "needs approval" not in captured.err
    assert main(["send", "--tools", "nowhere", "hello"]) == 1
    assert "no tool server is named 'nowhere'" in capsys.readouterr().err
