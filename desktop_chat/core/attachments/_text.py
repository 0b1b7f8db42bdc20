"""Whether a file is text, told by its bytes rather than its name, and the text it holds.

UTF-8 (with or without a byte-order mark) and UTF-16 with a mark are read as such. Anything else
without NUL bytes whose characters are nearly all printable in Windows-1252 (the usual 8-bit
encoding of old Western files) is read in that encoding. Everything else is not text.
"""

from __future__ import annotations

import codecs

__all__ = ["decode_text"]

_SAMPLE = 64 * 1024
_PRINTABLE_SHARE = 0.97
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1b")


def _mostly_printable(text: str) -> bool:
    if not text:
        return True
    bad = sum(1 for ch in text if not ch.isprintable() and ch not in _ALLOWED_CONTROLS)
    return bad <= len(text) * (1 - _PRINTABLE_SHARE)


def decode_text(data: bytes) -> str | None:
    """The text of ``data``, or None when it is not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
        return text if _mostly_printable(text[:_SAMPLE]) else None
    if b"\x00" in data[:_SAMPLE]:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        if text.count("\ufffd") > len(text) * (1 - _PRINTABLE_SHARE):
            return None
    return text if _mostly_printable(text[:_SAMPLE]) else None
