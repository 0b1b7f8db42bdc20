"""Writing exports: one file, a folder or a zip, with safe and unique file names."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import pytest

from desktop_chat.core.errors import ImportExportError
from desktop_chat.core.history.models import Conversation, Message
from desktop_chat.core.transfer.export import FORMATS, slugify, unique_file_name, write_export
from tests.fixtures.sample_conversation import sample

WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(code) for code in range(32)}


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Packing list: tips & tricks", "packing-list-tips-tricks"),
        ("../../etc/passwd", "etc-passwd"),
        ("C:\\Windows\\system32", "c-windows-system32"),
        ("CON", "_con"),
        ("lpt1", "_lpt1"),
        ("  ", "conversation"),
        ("...", "conversation"),
        ("Ünïcode 東京 title", "ünïcode-東京-title"),
        ("tab\tnew\nline\x00nul", "tab-new-line-nul"),
        ("snake_case_name", "snake-case-name"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slug_length_is_limited_in_bytes_without_splitting_characters() -> None:
    slug = slugify("東" * 200)
    assert len(slug.encode("utf-8")) <= 80
    assert slug == "東" * 26


def test_unique_names_survive_collisions_case_insensitively() -> None:
    taken: set[str] = set()
    first = Conversation(id=3, title="Notes")
    assert unique_file_name(first, ".md", taken) == "notes-3.md"
    assert unique_file_name(first, ".md", taken) == "notes-3-2.md"
    assert (
        unique_file_name(dataclasses.replace(first, title="NOTES"), ".md", taken) == "notes-3-3.md"
    )


@pytest.mark.parametrize("fmt", [fmt for fmt in FORMATS if fmt != "pdf"])
def test_single_conversation_to_a_file(tmp_path: Path, fmt: str) -> None:
    conversation, messages = sample()
    target = tmp_path / "out" / f"chat.{fmt}"
    assert write_export([(conversation, messages)], fmt, target) == [target]
    text = target.read_text(encoding="utf-8")
    assert "fenced block" in text
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left


def _several() -> list[tuple[Conversation, list[Message]]]:
    conversation, messages = sample()
    hostile = dataclasses.replace(conversation, id=8, title="../../evil/CON")
    twin = dataclasses.replace(conversation, id=9)
    return [(conversation, messages), (hostile, messages), (twin, messages)]


def test_several_conversations_to_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    written = write_export(_several(), "json", folder)
    assert [path.name for path in written] == [
        "packing-list-b-tips-b-tricks-7.json",
        "evil-con-8.json",
        "packing-list-b-tips-b-tricks-9.json",
    ]
    assert all(path.parent == folder for path in written)
    for path in written:
        assert not set(path.name) & WINDOWS_FORBIDDEN
        assert json.loads(path.read_text(encoding="utf-8"))["format"] == "desktop-chat-conversation"


def test_several_conversations_to_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    assert write_export(_several(), "md", archive) == [archive]
    with zipfile.ZipFile(archive) as reader:
        names = reader.namelist()
        assert names == [
            "packing-list-b-tips-b-tricks-7.md",
            "evil-con-8.md",
            "packing-list-b-tips-b-tricks-9.md",
        ]
        assert reader.read(names[1]).decode("utf-8").startswith("# ../../evil/CON\n")


def test_one_conversation_into_an_existing_folder(tmp_path: Path) -> None:
    conversation, messages = sample()
    assert write_export([(conversation, messages)], "txt", tmp_path) == [
        tmp_path / "packing-list-b-tips-b-tricks-7.txt"
    ]


def test_failures_are_clear_and_leave_nothing_half_written(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    conversation, messages = sample()
    with pytest.raises(ImportExportError, match="Unknown export format"):
        write_export([(conversation, messages)], "docx", tmp_path / "x.docx")
    with pytest.raises(ImportExportError, match="no conversation"):
        write_export([], "md", tmp_path / "x.md")
    with pytest.raises(ImportExportError, match="needs the graphical toolkit"):
        write_export([(conversation, messages)], "pdf", tmp_path / "x.pdf")
    blocker = tmp_path / "file"
    blocker.write_text("in the way", encoding="utf-8")
    with pytest.raises(ImportExportError, match="Cannot write"):
        write_export([(conversation, messages)], "md", blocker / "x.md")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_failing_pdf_writer_leaves_no_file(tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    conversation, messages = sample()

    def broken(html: str, path: Path, title: str) -> None:
        path.write_bytes(b"%PDF-partial")
        raise ImportExportError("The PDF could not be written.", path=path)

    with pytest.raises(ImportExportError):
        write_export([(conversation, messages)], "pdf", tmp_path / "x.pdf", pdf_writer=broken)
    assert list(tmp_path.iterdir()) == []


def test_public_surface() -> None:
    from desktop_chat.core.transfer import export, importers

    assert sorted(export.__all__) == sorted(
        ["EXTENSIONS", "FORMATS", "FORMAT_NAME", "FORMAT_VERSION", "PdfWriter", "RichText",
         "conversation_markdown", "markdown_to_text", "message_markdown", "message_rich_text",
         "message_text", "render_text", "slugify", "to_html", "to_json", "to_markdown", "to_text",
         "unique_file_name", "write_export"]
    )  # fmt: skip
    assert all(hasattr(export, name) for name in export.__all__)
    assert importers.__all__ == ["FileResult", "ImportReport", "import_file", "import_files"]
