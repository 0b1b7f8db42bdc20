"""``desktop-chat send --attach``: files from the command line, with the window's rules."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from desktop_chat.__main__ import main
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.settings import load_settings
from desktop_chat.core.history.storage import Storage
from tests.attachment_files import png
from tests.scripted_server import ScriptedServer, json_reply, scripted_server, sse_reply
from tests.test_cli_send import _use

__all__ = ["scripted_server"]


def test_send_attaches_files_as_the_window_does(
    scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _use(scripted_server)
    image = tmp_path / "shot.png"
    image.write_bytes(png(12, 8))
    code = tmp_path / "tool.py"
    code.write_text("x = 1\n")
    scripted_server.add(sse_reply(["Seen."]))
    assert main(["send", "--attach", str(image), "--attach", str(code), "Look"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "Seen.\n"
    content = scripted_server.requests[0].json["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": "Look"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(png(12, 8)).decode()},
        },
        {"type": "text", "text": "--- Attached file: tool.py ---\nx = 1\n--- End of tool.py ---"},
    ]
    conversation_id = int(captured.err.splitlines()[0])
    with Storage.open(database_path()) as storage:
        user = storage.current_path(conversation_id)[0]
    assert [item.name for item in user.attachments] == ["shot.png", "tool.py"]


def test_a_file_that_cannot_be_attached_stops_before_anything_is_sent(
    scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _use(scripted_server)
    binary = tmp_path / "tool.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    assert main(["send", "--attach", str(binary), "Look"]) == 1
    assert capsys.readouterr().err.startswith(
        "desktop-chat: tool.bin is not a file that can be attached"
    )
    assert scripted_server.requests == []
    with Storage.open(database_path()) as storage:
        assert storage.list_conversations() == []


def test_a_refusal_of_images_is_worded_and_remembered(
    scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _use(scripted_server, model="text-only")
    image = tmp_path / "shot.png"
    image.write_bytes(png())
    scripted_server.add(json_reply(400, {"error": {"message": "image input is not supported"}}))
    assert main(["send", "--attach", str(image), "Look"]) == 1
    assert "This model cannot see images: " in capsys.readouterr().err
    assert not load_settings().settings.sees_images("scripted", "text-only")
