"""Writing exports to disk: one file, a folder of files, or a zip, with safe unique names.

Markdown and text exports put the files attached to the conversation in a folder beside the
document (``<document name>_files/``, inside the zip for a zip) and link them relatively. JSON
carries them inside, HTML and PDF embed the images.
"""

from __future__ import annotations

import functools
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop_chat.core._files import atomic_target
from desktop_chat.core.errors import ImportExportError
from desktop_chat.core.history.models import Attachment, Conversation, Message
from desktop_chat.core.transfer._export_common import (
    FileSource,
    attachment_file_name,
    export_path,
)
from desktop_chat.core.transfer._export_html import to_html
from desktop_chat.core.transfer._export_json import to_json
from desktop_chat.core.transfer._export_text import Links, to_markdown, to_text

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "MAX_SLUG_BYTES",
    "PdfWriter",
    "render_text",
    "slugify",
    "unique_file_name",
    "write_export",
]

#: Writes HTML as a PDF file: ``(html, path, title)``. Supplied by the UI layer, which has Qt.
PdfWriter = Callable[[str, Path, str], None]

FORMATS = ("md", "txt", "json", "html", "pdf")
EXTENSIONS = {"md": ".md", "txt": ".txt", "json": ".json", "html": ".html", "pdf": ".pdf"}
MAX_SLUG_BYTES = 80
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{digit}" for digit in range(10)}
    | {f"lpt{digit}" for digit in range(10)}
)


def render_text(
    conversation: Conversation,
    messages: Sequence[Message],
    fmt: str,
    files: FileSource | None = None,
    links: Links | None = None,
    *,
    all_versions: bool = False,
) -> str:
    """Return a conversation in one of the text formats (``md``, ``txt``, ``json``, ``html``).

    ``files`` lets JSON carry the attached files and HTML embed the images; ``links`` says where
    Markdown and text find the files written beside them; ``all_versions`` writes every version
    of every message (JSON always holds them all).
    """
    if fmt == "md":
        return to_markdown(conversation, messages, links, all_versions=all_versions)
    if fmt == "txt":
        return to_text(conversation, messages, links, all_versions=all_versions)
    if fmt == "json":
        return to_json(conversation, messages, files)
    if fmt == "html":
        return to_html(conversation, messages, files=files, all_versions=all_versions)
    raise ValueError(f"not a text format: {fmt!r}")


def _shown_files(
    conversation: Conversation,
    messages: Sequence[Message],
    files: FileSource | None,
    *,
    all_versions: bool,
) -> list[Attachment]:
    """The stored files of the messages a text export writes, each once (none without
    ``files`` to read them from)."""
    if files is None:
        return []
    seen: dict[str, Attachment] = {}
    for entry in export_path(conversation, messages, all_versions=all_versions):
        for item in entry.message.attachments:
            if item.sha256 is not None:
                seen.setdefault(attachment_file_name(item), item)
    return list(seen.values())


def _beside(fmt: str, document: str, attached: list[Attachment]) -> tuple[str, Links]:
    """The folder the files of ``document`` go in, and the links to them; none for other formats."""
    if fmt not in ("md", "txt") or not attached:
        return "", {}
    folder = f"{Path(document).stem}_files"
    return folder, {
        item.sha256: f"{folder}/{attachment_file_name(item)}"
        for item in attached
        if item.sha256 is not None
    }


def slugify(title: str) -> str:
    """Return ``title`` as a file-name-safe slug: letters, digits and dashes, at most 80 bytes."""
    text = unicodedata.normalize("NFKC", title).lower()
    slug = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).replace("_", "-")
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    encoded = slug.encode("utf-8")[:MAX_SLUG_BYTES]
    slug = encoded.decode("utf-8", errors="ignore").strip("-")
    if not slug:
        return "conversation"
    return f"_{slug}" if slug in _WINDOWS_RESERVED else slug


def unique_file_name(conversation: Conversation, extension: str, taken: set[str]) -> str:
    """Return ``<slug>-<id><extension>``, suffixed ``-2``, ``-3`` ... if already in ``taken``.

    Names are compared case-insensitively (as Windows and macOS do); the result is added to
    ``taken``.
    """
    stem = f"{slugify(conversation.title)}-{conversation.id}"
    name = f"{stem}{extension}"
    counter = 2
    while name.lower() in taken:
        name = f"{stem}-{counter}{extension}"
        counter += 1
    taken.add(name.lower())
    return name


def _write_one(
    conversation: Conversation,
    messages: Sequence[Message],
    fmt: str,
    path: Path,
    pdf_writer: PdfWriter | None,
    *,
    files: FileSource | None = None,
    links: Links | None = None,
    all_versions: bool = False,
) -> None:
    if fmt == "pdf":
        if pdf_writer is None:
            raise ImportExportError("PDF export needs the graphical toolkit.", path=path)
        html = to_html(conversation, messages, paged=True, files=files, all_versions=all_versions)
        pdf_writer(html, path, conversation.title or "Conversation")
    else:
        text = render_text(conversation, messages, fmt, files, links, all_versions=all_versions)
        path.write_text(text, encoding="utf-8", newline="\n")


def _write_beside(
    target: Path,
    conversation: Conversation,
    messages: Sequence[Message],
    fmt: str,
    *,
    pdf_writer: PdfWriter | None,
    files: FileSource | None,
    all_versions: bool,
) -> None:
    """Write one document at ``target`` and, for Markdown and text, its files beside it."""
    attached = _shown_files(conversation, messages, files, all_versions=all_versions)
    folder, links = _beside(fmt, target.name, attached)
    if folder and files is not None:
        (target.parent / folder).mkdir(exist_ok=True)
        for item in attached:
            assert item.sha256 is not None
            with atomic_target(target.parent / links[item.sha256]) as temporary:
                temporary.write_bytes(files.attachment_data(item.sha256))
    with atomic_target(target) as temporary:
        _write_one(
            conversation,
            messages,
            fmt,
            temporary,
            pdf_writer,
            files=files,
            links=links,
            all_versions=all_versions,
        )


def write_export(
    items: Sequence[tuple[Conversation, Sequence[Message]]],
    fmt: str,
    output: Path,
    *,
    pdf_writer: PdfWriter | None = None,
    files: FileSource | None = None,
    all_versions: bool = False,
) -> list[Path]:
    """Write conversations in ``fmt`` and return the files written.

    One conversation goes to ``output`` itself unless ``output`` is an existing folder or ends
    in ``.zip``; several go into the folder (created if needed) or the zip, one file each.
    A file is written completely or not at all.

    Args:
        items: (conversation, all its messages) pairs.
        fmt: one of :data:`FORMATS`.
        output: the file, folder or ``.zip`` to write.
        pdf_writer: turns HTML into a PDF file; required for ``fmt == "pdf"``.
        files: where attached files are read from (None leaves them out, naming them only).
        all_versions: write every version of every message, not only those on screen (JSON
            always holds them all).

    Raises:
        ImportExportError: the format is unknown or the output cannot be written.
    """
    if fmt not in FORMATS:
        raise ImportExportError(f"Unknown export format {fmt!r}.", path=output)
    if not items:
        raise ImportExportError("There is no conversation to export.", path=output)
    extension = EXTENSIONS[fmt]
    try:
        if output.suffix.lower() == ".zip":
            return [
                _write_zip(
                    items,
                    fmt,
                    output,
                    extension,
                    pdf_writer=pdf_writer,
                    files=files,
                    all_versions=all_versions,
                )
            ]
        write_one = functools.partial(
            _write_beside, fmt=fmt, pdf_writer=pdf_writer, files=files, all_versions=all_versions
        )
        if len(items) == 1 and not output.is_dir():
            conversation, messages = items[0]
            output.parent.mkdir(parents=True, exist_ok=True)
            write_one(output, conversation, messages)
            return [output]
        output.mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        written = []
        for conversation, messages in items:
            target = output / unique_file_name(conversation, extension, taken)
            write_one(target, conversation, messages)
            written.append(target)
        return written
    except OSError as error:
        raise ImportExportError(
            f"Cannot write {output}: {error.strerror or error}.", path=output
        ) from None


def _write_zip(
    items: Sequence[tuple[Conversation, Sequence[Message]]],
    fmt: str,
    output: Path,
    extension: str,
    *,
    pdf_writer: PdfWriter | None,
    files: FileSource | None,
    all_versions: bool,
) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    with (
        atomic_target(output) as temporary,
        zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for conversation, messages in items:
            name = unique_file_name(conversation, extension, taken)
            if fmt == "pdf":
                with tempfile.TemporaryDirectory() as folder:
                    pdf_path = Path(folder) / name
                    _write_one(
                        conversation,
                        messages,
                        fmt,
                        pdf_path,
                        pdf_writer,
                        files=files,
                        all_versions=all_versions,
                    )
                    archive.write(pdf_path, name)
                continue
            attached = _shown_files(conversation, messages, files, all_versions=all_versions)
            beside, links = _beside(fmt, name, attached)
            if beside and files is not None:
                for item in attached:
                    assert item.sha256 is not None
                    archive.writestr(links[item.sha256], files.attachment_data(item.sha256))
            text = render_text(conversation, messages, fmt, files, links, all_versions=all_versions)
            archive.writestr(name, text)
    return output
