"""Text out of a PDF with pypdf, page by page, within a page count and a deadline.

A PDF can claim thousands of pages or hide a content stream that takes minutes to interpret;
the page count is checked before any page is read, and a clock is looked at between pages. The
text comes out with a ``[Page n]`` line before each page, so a model can cite pages.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

__all__ = ["MAX_PAGES", "MAX_SECONDS", "PdfError", "PdfText", "pdf_text"]

#: The most pages a PDF attachment may have.
MAX_PAGES = 1_000
#: How long reading one PDF's text may take, in seconds.
MAX_SECONDS = 120.0

# pypdf logs every oddity of a damaged file as a warning; the user gets one worded refusal.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfError(Exception):
    """The PDF cannot be attached; the message says why, without the file's name."""


@dataclass(frozen=True, slots=True)
class PdfText:
    """The text of a PDF: ``[Page n]`` before each page, and how many pages it has."""

    text: str
    pages: int


def _reader(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are encrypted with an empty password only to forbid editing.
            try:
                opened = reader.decrypt("")
            except (NotImplementedError, DependencyError) as error:
                raise PdfError(f"it is encrypted in a way that cannot be read ({error})") from None
            if not opened:
                raise PdfError("it is protected by a password")
    except PdfError:
        raise
    except FileNotDecryptedError:
        raise PdfError("it is protected by a password") from None
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise PdfError(f"it is not a readable PDF ({type(error).__name__})") from None
    return reader


def pdf_text(
    data: bytes,
    *,
    cancelled: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
    between_pages: Callable[[], None] | None = None,
) -> PdfText:
    """The text of every page of the PDF in ``data``.

    ``between_pages`` is called after each page: a worker thread passes a short sleep there, so
    the pure-Python extraction lets the GUI thread run between pages.

    Raises:
        PdfError: the file is damaged, protected by a password, too long, or too slow.
        InterruptedError: ``cancelled`` was set.
    """
    reader = _reader(data)
    try:
        count = len(reader.pages)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise PdfError(f"its page list cannot be read ({type(error).__name__})") from None
    if count > MAX_PAGES:
        raise PdfError(f"it has {count:,} pages; at most {MAX_PAGES:,} are read")
    deadline = clock() + MAX_SECONDS
    texts: list[str] = []
    for number in range(count):
        if cancelled is not None and cancelled.is_set():
            raise InterruptedError
        if clock() > deadline:
            raise PdfError(f"reading its text took longer than {MAX_SECONDS:g} s")
        try:
            page = reader.pages[number].extract_text() or ""
        except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError):
            page = ""  # one damaged page does not lose the others
        texts.append(f"[Page {number + 1}]\n{page.strip()}")
        if between_pages is not None:
            between_pages()
    return PdfText("\n\n".join(texts), count)
