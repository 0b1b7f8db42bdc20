"""The window-less commands, in-process and as ``python -m desktop_chat`` subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from desktop_chat.__main__ import main
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.history.storage import Storage
from tests.fixtures.storage_samples import make_database

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def conversation_id() -> int:
    return make_database(database_path()).id


def _run(*arguments: str, home: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DESKTOP_CHAT_HOME": str(home), "QT_QPA_PLATFORM": ""}
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", *arguments],
        capture_output=True, text=True, env=environment, timeout=60, check=False,
    )  # fmt: skip


def test_list_table_and_json(conversation_id: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{conversation_id} * ")  # pinned first, marked
    assert lines[0].endswith("Tea brewing")
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["title"] for row in rows] == ["Tea brewing", "Second / chat: CON"]
    assert rows[0]["messages"] == 6
    assert rows[0]["pinned"] is True


def test_list_on_an_empty_home(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    assert capsys.readouterr().out == "No conversations.\n"


def test_export_one_as_markdown(
    conversation_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "tea.md"
    code = main(
        ["export", "--conversation", str(conversation_id), "--format", "md", "-o", str(target)]
    )
    assert code == 0
    assert capsys.readouterr().out == f"{target}\n"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Tea brewing\n")
    assert "About **2-3 minutes** at 80 °C." in text
    assert "Two minutes." not in text  # the other branch is not on screen
    assert "from another version" in text or "from other versions" in text
    every = tmp_path / "every.md"
    command = ["export", "--conversation", str(conversation_id), "--format", "md"]
    assert main([*command, "--all-versions", "-o", str(every)]) == 0
    assert "Two minutes." in every.read_text(encoding="utf-8")


def test_export_all_to_zip_then_import_adds_copies_once(
    conversation_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "all.zip"
    assert main(["export", "--all", "--format", "json", "-o", str(archive)]) == 0
    with zipfile.ZipFile(archive) as reader:
        assert sorted(reader.namelist()) == [
            "second-chat-con-2.json",
            f"tea-brewing-{conversation_id}.json",
        ]
    capsys.readouterr()
    assert main(["import", str(archive)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "2 imported, 0 already present, 0 skipped"
    assert main(["import", str(archive)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 imported, 2 already present, 0 skipped"
    with Storage.open(database_path()) as storage:
        assert len(storage.list_conversations()) == 4


def test_export_unknown_id_fails_on_stderr(
    conversation_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["export", "--conversation", "999", "--format", "txt", "-o", str(tmp_path / "x")])
    assert code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "desktop-chat: no conversation has id 999.\n"


def test_export_all_with_nothing_to_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--all", "--format", "md", "-o", str(tmp_path / "x")]) == 1
    assert "no conversation to export" in capsys.readouterr().err


def test_import_reports_each_file_and_fails_on_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[{", encoding="utf-8")
    code = main(["import", str(FIXTURES / "chatgpt" / "conversations.json"), str(bad)])
    assert code == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "conversations.json: 2 imported, 0 already present"
    assert captured.out.splitlines()[-1].startswith("2 imported, 0 already present, 7 skipped (")
    assert captured.out.splitlines()[-1].endswith("; 1 file refused")
    assert captured.err.startswith("desktop-chat: bad.json: not valid JSON")
    assert captured.err.endswith("Nothing was imported from it.\n")


def test_unreadable_database_is_an_error_not_a_crash(capsys: pytest.CaptureFixture[str]) -> None:
    database_path().write_bytes(b"this is not a database at all" * 10)
    assert main(["list"]) == 1
    assert capsys.readouterr().err.startswith("desktop-chat: ")
    assert database_path().read_bytes().startswith(b"this is not")  # left untouched


def test_subprocess_list_export_and_import_without_qt(conversation_id: int, app_home: Path) -> None:
    listed = _run("list", "--json", home=app_home)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["id"] == conversation_id
    target = app_home / "tea.html"
    exported = _run("export", "--conversation", str(conversation_id), "--format", "html", "-o",
                    str(target), home=app_home)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "<h1>Tea brewing</h1>" in target.read_text(encoding="utf-8")
    failed = _run("import", str(app_home / "missing.json"), home=app_home)
    assert failed.returncode == 1
    assert "missing.json: no such file." in failed.stderr
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys; from desktop_chat.__main__ import main; code = main(['list']); "
         "print(code, any(name.startswith('PySide6') for name in sys.modules))"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "DESKTOP_CHAT_HOME": str(app_home)},
    )  # fmt: skip
    assert probe.stdout.splitlines()[-1] == "0 False"


@pytest.mark.slow
def test_subprocess_pdf_export_creates_its_own_offscreen_application(
    conversation_id: int, app_home: Path
) -> None:
    target = app_home / "pdf-out"
    result = _run("export", "--all", "--format", "pdf", "-o", str(target), home=app_home)
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in target.iterdir())
    assert written == ["second-chat-con-2.pdf", f"tea-brewing-{conversation_id}.pdf"]
    text = subprocess.run(
        ["pdftotext", str(target / written[1]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "How long to steep green tea?" in text


def test_the_window_s_files_to_open_are_taken_out_of_qt_s_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[tuple[list[str], bool, list[Path]]] = []

    def run(qt_argv: list[str], self_test: bool = False, open_files: tuple[Path, ...] = ()) -> int:
        started.append((qt_argv[1:], self_test, list(open_files)))
        return 0

    monkeypatch.setattr("desktop_chat.ui.app.app.run", run)
    assert main(["--open", "a.json", "b b.zip", "-style", "fusion"]) == 0
    assert main(["-platform", "offscreen", "--open", "c.json"]) == 0
    assert main(["-platform", "offscreen"]) == 0
    assert started == [
        (["-style", "fusion"], False, [Path("a.json"), Path("b b.zip")]),
        (["-platform", "offscreen"], False, [Path("c.json")]),
        (["-platform", "offscreen"], False, []),
    ]
