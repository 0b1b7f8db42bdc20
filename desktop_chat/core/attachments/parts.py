"""The chat-completions content parts an attachment becomes.

A message with attachments is sent as a list of parts: its text first, then one part per file in
the order attached. Images are ``image_url`` parts holding a ``data:`` URL; text files and PDFs
are ``text`` parts whose text is framed by lines naming the file, so the model can tell where a
file starts and ends::

    --- Attached file: notes.py ---
    ...
    --- End of notes.py ---
"""

from __future__ import annotations

import base64
from typing import Any

__all__ = ["file_block", "file_part", "image_part", "text_part"]


def text_part(text: str) -> dict[str, Any]:
    """A ``text`` part."""
    return {"type": "text", "text": text}


def image_part(mime: str, data: bytes) -> dict[str, Any]:
    """An ``image_url`` part carrying the image as a base64 ``data:`` URL."""
    encoded = base64.b64encode(data).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{encoded}"}}


def file_block(name: str, kind: str, text: str, pages: int | None = None) -> str:
    """A file's text between the lines that name it."""
    if kind == "pdf":
        count = "" if pages is None else f" ({pages} page{'' if pages == 1 else 's'})"
        head = f"--- Attached PDF: {name}{count} ---"
    else:
        head = f"--- Attached file: {name} ---"
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{head}\n{body}--- End of {name} ---"


def file_part(name: str, kind: str, text: str, pages: int | None = None) -> dict[str, Any]:
    """A ``text`` part holding :func:`file_block`."""
    return text_part(file_block(name, kind, text, pages))
