"""Reading a file to attach, within limits, into what is stored and sent.

Every file goes through :func:`prepare_data`, whichever way it came (picked, dropped, pasted,
``send --attach``, a ChatGPT export): its kind is told by its bytes, images are made ready to send
(see :mod:`._images`), PDF text is extracted (:mod:`._pdf`), and text files are decoded
(:mod:`._text`). Whatever cannot be attached raises
:class:`~desktop_chat.core.errors.AttachmentError` with a sentence that names the file; nothing
here ever crashes on a bad file.

Limits, each with a worded refusal: :data:`MAX_FILE_BYTES` per file, :data:`MAX_MESSAGE_BYTES`
and :data:`MAX_FILES` per message, :data:`MAX_TEXT_CHARS` of text per message, and the pixel and
page limits of the image and PDF readers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Protocol

from desktop_chat.core.attachments._text import decode_text
from desktop_chat.core.errors import AttachmentError

__all__ = [
    "DEFAULT_MAX_SIDE",
    "KINDS",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_MESSAGE_BYTES",
    "MAX_TEXT_CHARS",
    "Measured",
    "PreparedAttachment",
    "check_message",
    "clean_name",
    "estimate_tokens",
    "prepare_data",
    "prepare_file",
    "restore",
    "size_text",
    "summary",
]

#: The longest side, in pixels, images are scaled down to by default (a setting).
DEFAULT_MAX_SIDE = 2048
#: The largest file that can be attached.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: The most bytes the attachments of one message may hold together, once prepared.
MAX_MESSAGE_BYTES = 50 * 1024 * 1024
#: The most files one message may carry.
MAX_FILES = 20
#: The most characters of text (text files and PDF text) one message may carry.
MAX_TEXT_CHARS = 1_000_000
#: The kinds of attachment: an image, a text file, a PDF's text.
KINDS = ("image", "text", "pdf")
#: The MIME types each kind may be stored and sent as.
MIME_TYPES = {
    "image": frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"}),
    "text": frozenset({"text/plain"}),
    "pdf": frozenset({"application/pdf"}),
}
_MAX_NAME = 255


def estimate_tokens(chars: int) -> int:
    """About how many tokens ``chars`` characters of text make (four characters a token)."""
    return (chars + 3) // 4


def size_text(size: int) -> str:
    """A byte count as a person reads it: ``512 B``, ``14 KB``, ``2.4 MB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def clean_name(name: str) -> str:
    """A file name fit to show and store: its last part only, no control characters, cut short."""
    base = PurePath(name.replace("\\", "/")).name if name else ""
    cleaned = "".join(ch if ch.isprintable() else "_" for ch in base).strip()
    return cleaned[:_MAX_NAME] or "attachment"


@dataclass(frozen=True, slots=True)
class PreparedAttachment:
    """A file ready to be stored with a message and sent.

    Attributes:
        name: the file's name (no folders), as shown.
        kind: ``"image"``, ``"text"`` or ``"pdf"``.
        mime: the MIME type of ``data``.
        data: the bytes stored: the prepared image, or the file as it was (text, PDF).
        text: what is sent for a text file or a PDF ("" for an image).
        pages: a PDF's page count, else None.
        width: an image's width in pixels, else None.
        height: an image's height in pixels, else None.
        thumbnail: a small PNG or JPEG of an image, else None.
        sha256: the hex SHA-256 of ``data``, which names the stored bytes.
    """

    name: str
    kind: str
    mime: str
    data: bytes
    text: str = ""
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None
    sha256: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        """Name the bytes by their hash."""
        import hashlib  # noqa: PLC0415 - loads OpenSSL, which the first paint does not need

        object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def size(self) -> int:
        """How many bytes are stored."""
        return len(self.data)

    @property
    def chars(self) -> int:
        """How many characters of text are sent."""
        return len(self.text)


class Measured(Protocol):
    """What the limits of a message look at: a prepared file, or one stored already."""

    @property
    def size(self) -> int: ...

    @property
    def chars(self) -> int: ...


def summary(kind: str, size: int, *, pages: int | None = None, chars: int = 0) -> str:
    """What a chip says beside the name: the size, and the pages or the tokens of text."""
    parts = [size_text(size)]
    if kind == "pdf" and pages is not None:
        parts.append(f"{pages} page" + ("" if pages == 1 else "s"))
    if kind in ("pdf", "text") and chars:
        parts.append(f"~{estimate_tokens(chars):,} tokens")
    return " · ".join(parts)


def _too_much_text(name: str, chars: int) -> AttachmentError:
    return AttachmentError(
        f"{name} holds {chars:,} characters of text (about {estimate_tokens(chars):,} tokens), "
        f"more than the {MAX_TEXT_CHARS:,} (about {estimate_tokens(MAX_TEXT_CHARS):,} tokens) "
        "a message can carry.",
        name=name,
    )


def prepare_data(
    data: bytes,
    name: str,
    *,
    max_side: int = DEFAULT_MAX_SIDE,
    cancelled: threading.Event | None = None,
    between_pages: Callable[[], None] | None = None,
) -> PreparedAttachment:
    """Prepare the bytes of a file called ``name`` (``between_pages``: see ``pdf_text``).

    Raises:
        AttachmentError: the file is too large, damaged, encrypted, or of an unknown kind.
        InterruptedError: ``cancelled`` was set while a PDF was read.
    """
    name = clean_name(name)
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentError(
            f"{name} is {size_text(len(data))}, larger than the "
            f"{size_text(MAX_FILE_BYTES)} an attachment may be.",
            name=name,
        )
    if not data:
        raise AttachmentError(f"{name} is empty.", name=name)
    # Pillow and pypdf load when a file is first attached, not with the window.
    from desktop_chat.core.attachments._images import (  # noqa: PLC0415
        ImageError,
        image_format,
        ready_image,
    )
    from desktop_chat.core.attachments._pdf import PdfError, pdf_text  # noqa: PLC0415

    fmt = image_format(data[:32])
    if fmt is not None:
        try:
            image = ready_image(data, fmt, max(16, max_side))
        except ImageError as problem:
            raise AttachmentError(f"{name} cannot be attached: {problem}.", name=name) from None
        return PreparedAttachment(
            name,
            "image",
            image.mime,
            image.data,
            width=image.width,
            height=image.height,
            thumbnail=image.thumbnail,
        )
    if b"%PDF-" in data[:1024]:
        try:
            extracted = pdf_text(data, cancelled=cancelled, between_pages=between_pages)
        except PdfError as problem:
            raise AttachmentError(f"{name} cannot be attached: {problem}.", name=name) from None
        if not any(line.strip() for line in extracted.text.splitlines() if not _page_line(line)):
            raise AttachmentError(
                f"{name} holds no text: its pages look like scanned images. Attach them as "
                "images (PNG or JPEG) instead, for a model that can see images.",
                name=name,
            )
        if len(extracted.text) > MAX_TEXT_CHARS:
            raise _too_much_text(name, len(extracted.text))
        return PreparedAttachment(
            name, "pdf", "application/pdf", data, extracted.text, pages=extracted.pages
        )
    text = decode_text(data)
    if text is None:
        raise AttachmentError(
            f"{name} is not a file that can be attached: it is neither an image (PNG, JPEG, "
            "WebP, GIF, BMP), a PDF, nor text.",
            name=name,
        )
    if len(text) > MAX_TEXT_CHARS:
        raise _too_much_text(name, len(text))
    return PreparedAttachment(name, "text", "text/plain", data, text)


def _page_line(line: str) -> bool:
    return line.startswith("[Page ") and line.endswith("]")


def prepare_file(
    path: Path,
    *,
    max_side: int = DEFAULT_MAX_SIDE,
    cancelled: threading.Event | None = None,
    between_pages: Callable[[], None] | None = None,
) -> PreparedAttachment:
    """Read and prepare the file at ``path``; never more than :data:`MAX_FILE_BYTES` is read.

    Raises:
        AttachmentError: the file cannot be read or attached (the message names it).
        InterruptedError: ``cancelled`` was set while a PDF was read.
    """
    name = clean_name(path.name)
    try:
        if not path.is_file():
            raise AttachmentError(f"{name} is not a file that can be read.", name=name)
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise AttachmentError(
            f"{name} cannot be read: {error.strerror or error}.", name=name
        ) from None
    return prepare_data(
        data, name, max_side=max_side, cancelled=cancelled, between_pages=between_pages
    )


def check_message(attachments: Sequence[Measured]) -> None:
    """Check what one message's attachments may hold together.

    Raises:
        AttachmentError: too many files, too many bytes, or too much text.
    """
    if len(attachments) > MAX_FILES:
        raise AttachmentError(f"A message can carry at most {MAX_FILES} files.")
    total = sum(item.size for item in attachments)
    if total > MAX_MESSAGE_BYTES:
        raise AttachmentError(
            f"The attachments add up to {size_text(total)}, more than the "
            f"{size_text(MAX_MESSAGE_BYTES)} one message can carry."
        )
    chars = sum(item.chars for item in attachments)
    if chars > MAX_TEXT_CHARS:
        raise AttachmentError(
            f"The attached files hold {chars:,} characters of text together (about "
            f"{estimate_tokens(chars):,} tokens), more than the {MAX_TEXT_CHARS:,} (about "
            f"{estimate_tokens(MAX_TEXT_CHARS):,} tokens) one message can carry."
        )


def restore(
    name: str,
    kind: str,
    mime: str,
    data: bytes,
    text: str = "",
    *,
    pages: int | None = None,
    width: int | None = None,
    height: int | None = None,
) -> PreparedAttachment:
    """A file exported by Desktop Chat, taken back as it was stored (an import).

    It was prepared when first attached, so it is not prepared again; what the export says is
    checked against the same limits, and an image gets its thumbnail back.

    Raises:
        AttachmentError: the kind, the MIME type, the size or the text is not acceptable.
    """
    name = clean_name(name)
    if kind not in KINDS or mime not in MIME_TYPES[kind]:
        raise AttachmentError(f"{name} has an unknown kind or type ({kind}, {mime}).", name=name)
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentError(f"{name} is larger than an attachment may be.", name=name)
    if len(text) > MAX_TEXT_CHARS:
        raise _too_much_text(name, len(text))
    from desktop_chat.core.attachments._images import thumbnail_of  # noqa: PLC0415 - Pillow

    thumbnail = thumbnail_of(data) if kind == "image" else None
    if kind == "image" and thumbnail is None:
        raise AttachmentError(
            f"{name} is not an image that can be shown (damaged, or too many pixels).",
            name=name,
        )
    return PreparedAttachment(
        name, kind, mime, data, text, pages, width, height, thumbnail=thumbnail
    )
