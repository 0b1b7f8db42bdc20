"""PDF export: an exported HTML page laid out by Qt's rich-text engine and printed to a PDF.

The text stays real text (selectable, searchable). Works without a window: when no Qt
application exists yet (the command line), an offscreen one is created for the job.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF
from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from desktop_chat.core.errors import ImportExportError

__all__ = ["PAGE_MARGIN_MM", "RESOLUTION_DPI", "write_pdf"]

PAGE_MARGIN_MM = 15.0
RESOLUTION_DPI = 300
_BASE_POINT_SIZE = 10

_application: QGuiApplication | None = None


def _ensure_application() -> None:
    global _application  # noqa: PLW0603 - the one application of this process must outlive the call
    if QCoreApplication.instance() is None:
        _application = QGuiApplication(["desktop-chat", "-platform", "offscreen"])


def write_pdf(html: str, path: Path, title: str = "") -> None:
    """Lay out ``html`` on A4 pages and write them to ``path`` as a PDF.

    Args:
        html: a page from ``core._export_html.to_html`` (light colours).
        path: the PDF file to write (replaced if it exists).
        title: the document title stored in the PDF's metadata ("" for none).

    Raises:
        ImportExportError: the file could not be written.
    """
    try:
        # Qt only warns when it cannot open the file; finding out first gives a clear error.
        path.open("wb").close()
    except OSError as error:
        raise ImportExportError(
            f"The PDF could not be written to {path}: {error.strerror or error}.", path=path
        ) from None
    _ensure_application()
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("Desktop Chat")
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    document = QTextDocument()
    font = QFont()
    font.setPointSize(_BASE_POINT_SIZE)
    document.setDefaultFont(font)
    document.setHtml(html)
    document.print_(writer)
    del writer  # the file is complete only once the writer is gone
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size == 0:
        raise ImportExportError(f"The PDF could not be written to {path}.", path=path)
