"""Import files nested just below the JSON parser's limit: a worded refusal, never a traceback.

Python's parser stops at the recursion limit, but what reads, fingerprints and stores a
conversation afterwards recurses too, from a deeper stack: a file the parser just accepted used
to end the command line with a RecursionError. The files go through the real command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.__main__ import main
from desktop_chat.core.transfer._import_files import MAX_JSON_DEPTH
from desktop_chat.core.transfer.export import to_json
from tests.fixtures.sample_conversation import sample

REFUSAL = "the file nests too deeply to be a conversation export. Nothing was imported from it."


def _nested(depth: int) -> str:
    """JSON text of lists nested ``depth`` levels."""
    return "[" * depth + "]" * depth


def _own_with_usage(depth: int) -> str:
    """A Desktop Chat export nested ``depth`` levels in all, the innermost in a message's usage."""
    document: Any = json.loads(to_json(*sample()))
    document["messages"][0]["usage"] = {"deep": "NESTED"}
    # The document, its message list, the message and the usage object are four levels.
    return json.dumps(document).replace('"NESTED"', _nested(depth - 4))


def _chatgpt_with_extra(depth: int) -> str:
    """A ChatGPT export nested ``depth`` levels in all, the innermost in an unknown field."""
    message = {"author": {"role": "user"}, "content": {"content_type": "text", "parts": ["hi"]}}
    conversation = {
        "title": "Deep",
        "mapping": {"a": {"id": "a", "parent": None, "children": [], "message": message}},
        "extra": "NESTED",
    }
    # The list and the conversation are two levels.
    return json.dumps([conversation]).replace('"NESTED"', _nested(depth - 2))


def _near_the_parser_limit() -> list[int]:
    limit = sys.getrecursionlimit()
    return [limit - 60, limit - 30, limit - 10, limit - 2, limit + 10, 100_000]


@pytest.mark.parametrize("depth", _near_the_parser_limit())
@pytest.mark.parametrize("shape", [_nested, _own_with_usage, _chatgpt_with_extra])
def test_a_file_nested_near_the_parser_limit_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: Any, depth: int
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(shape(depth), encoding="utf-8")
    assert main(["import", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"desktop-chat: deep.json: {REFUSAL}\n"
    assert captured.out == "0 imported, 0 already present, 0 skipped; 1 file refused\n"
    assert main(["list"]) == 0
    assert capsys.readouterr().out == "No conversations.\n"


def test_a_deep_member_of_a_zip_is_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        writer.writestr("conversations.json", _chatgpt_with_extra(sys.getrecursionlimit() - 30))
    assert main(["import", str(archive)]) == 1
    assert capsys.readouterr().err == (
        "desktop-chat: export.zip/conversations.json: the file nests too deeply to be a "
        "conversation export. Nothing was imported from it.\n"
    )


@pytest.mark.parametrize("shape", [_own_with_usage, _chatgpt_with_extra])
def test_nesting_up_to_the_limit_still_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: Any
) -> None:
    accepted = tmp_path / "accepted.json"
    accepted.write_text(shape(MAX_JSON_DEPTH), encoding="utf-8")
    assert main(["import", str(accepted)]) == 0
    assert capsys.readouterr().out.endswith("1 imported, 0 already present, 0 skipped\n")
    refused = tmp_path / "refused.json"
    refused.write_text(shape(MAX_JSON_DEPTH + 1), encoding="utf-8")
    assert main(["import", str(refused)]) == 1
    assert capsys.readouterr().err == f"desktop-chat: refused.json: {REFUSAL}\n"


@pytest.mark.slow
def test_the_installed_command_refuses_without_a_traceback(tmp_path: Path, app_home: Path) -> None:
    # Where the parser stops depends on the stack it runs on: every depth up to it is tried.
    limit = sys.getrecursionlimit()
    paths = []
    for depth in range(limit - 40, limit + 5):
        path = tmp_path / f"deep-{depth}.json"
        path.write_text(_chatgpt_with_extra(depth), encoding="utf-8")
        paths.append(path)
    environment = {**os.environ, "DESKTOP_CHAT_HOME": str(app_home), "QT_QPA_PLATFORM": ""}
    done = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "import", *map(str, paths)],
        capture_output=True, text=True, env=environment, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"desktop-chat: {path.name}: {REFUSAL}" for path in paths]
    assert done.stdout.endswith(
        f"0 imported, 0 already present, 0 skipped; {len(paths)} files refused\n"
    )
