"""PDF export through Qt: real text on real pages, checked with poppler's tools."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from desktop_chat.core.errors import ImportExportError
from desktop_chat.core.transfer.export import to_html, write_export
from desktop_chat.ui.transfer.pdf_export import write_pdf
from tests.fixtures.sample_conversation import sample


def _pdf_text(path: Path) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def _pdf_info(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.usefixtures("qapp")
def test_pdf_holds_the_conversation_as_real_text(tmp_path: Path) -> None:
    conversation, messages = sample()
    target = tmp_path / "chat.pdf"
    assert write_export([(conversation, messages)], "pdf", target, pdf_writer=write_pdf) == [target]
    assert target.read_bytes().startswith(b"%PDF-")
    text = _pdf_text(target)
    for words in (
        "Packing list",
        "fenced block in Markdown",
        "def pack(items: list[str]) -> str:",
        "<script>alert(1)</script>",
        "Reply interrupted",
        "The user wants nested",
    ):
        assert words in text  # fmt: skip
    assert "side branch" not in text
    info = _pdf_info(target)
    assert re.search(r"^Title: +Packing list: <b>tips</b> & `tricks`$", info, re.MULTILINE)
    assert re.search(r"^Page size: .*\(A4\)$", info, re.MULTILINE)


@pytest.mark.usefixtures("qapp")
def test_long_conversation_flows_over_several_pages(tmp_path: Path) -> None:
    conversation, messages = sample()
    long_text = "\n\n".join(f"Paragraph number {index} about packing." for index in range(300))
    page = to_html(conversation, [messages[0].__class__(1, 7, None, "user", long_text)], paged=True)
    target = tmp_path / "long.pdf"
    write_pdf(page, target, "Long")
    pages = int(next(line for line in _pdf_info(target).splitlines() if line.startswith("Pages:"))
                .split()[1])  # fmt: skip
    assert pages > 3
    text = _pdf_text(target)
    assert "Paragraph number 0 " in text
    assert "Paragraph number 299 " in text


@pytest.mark.usefixtures("qapp")
def test_unwritable_target_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ImportExportError, match="could not be written"):
        write_pdf("<p>x</p>", tmp_path / "missing-folder" / "x.pdf", "x")


@pytest.mark.usefixtures("qapp")
def test_several_pdfs_into_a_zip(tmp_path: Path) -> None:
    conversation, messages = sample()
    other = conversation.__class__(id=8, title="Second", current_leaf_id=1)
    archive = tmp_path / "pdfs.zip"
    write_export([(conversation, messages), (other, messages[:1])], "pdf", archive,
                 pdf_writer=write_pdf)  # fmt: skip
    with zipfile.ZipFile(archive) as reader:
        assert reader.namelist() == ["packing-list-b-tips-b-tricks-7.pdf", "second-8.pdf"]
        reader.extract("second-8.pdf", tmp_path)
    assert "How do I write a fenced block" in _pdf_text(tmp_path / "second-8.pdf")


@pytest.mark.usefixtures("qapp")
def test_pdf_shows_attached_images(tmp_path: Path) -> None:
    from desktop_chat.core.attachments.prepare import prepare_data
    from desktop_chat.core.history.storage import Storage
    from tests.attachment_files import png

    with Storage.open(tmp_path / "c.sqlite3") as storage:
        conversation = storage.create_conversation("Pictures")
        storage.add_message(
            conversation.id,
            None,
            "user",
            "Here",
            attachments=[prepare_data(png(200, 120, "blue"), "blue.png")],
        )
        saved = storage.get_conversation(conversation.id)
        assert saved is not None
        target = tmp_path / "pictures.pdf"
        messages = storage.conversation_messages(conversation.id)
        write_export([(saved, messages)], "pdf", target, pdf_writer=write_pdf, files=storage)
    images = subprocess.run(
        ["pdfimages", "-list", str(target)], capture_output=True, text=True, check=True
    ).stdout
    assert len(images.strip().splitlines()) == 3  # two header lines, then the one image
    assert "blue.png" in _pdf_text(target)
