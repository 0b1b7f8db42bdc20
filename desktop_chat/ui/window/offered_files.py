"""The files a paste or a drop offers: files copied in a file manager, or a picture.

A file manager puts the copied files on the clipboard as ``file:`` URLs; a screenshot tool puts
the picture itself, usually as PNG bytes. The encoded bytes are taken as they are (nothing is
decoded on the GUI thread); only a picture offered in no encoded form is handed over as a
``QImage``, which the attacher encodes in its own thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage

from desktop_chat.ui.workers.attacher import Source

__all__ = ["offered_files"]

_PICTURE_TYPES = (
    ("image/png", "png"),
    ("image/jpeg", "jpg"),
    ("image/webp", "webp"),
    ("image/gif", "gif"),
    ("image/bmp", "bmp"),
)
PASTED_NAME = "pasted-image"


def offered_files(mime: QMimeData) -> list[tuple[Source, str]]:
    """What ``mime`` offers to attach, as (source, name) pairs; [] when it offers text only."""
    if mime.hasUrls():
        urls = mime.urls()
        if urls and all(url.isLocalFile() for url in urls):
            return [(Path(url.toLocalFile()), Path(url.toLocalFile()).name) for url in urls]
        return []
    formats = set(mime.formats())
    for mime_type, extension in _PICTURE_TYPES:
        if mime_type in formats:
            data = bytes(mime.data(mime_type).data())
            if data:
                return [(data, f"{PASTED_NAME}.{extension}")]
    if mime.hasImage():
        picture = mime.imageData()
        if isinstance(picture, QImage) and not picture.isNull():
            return [(picture, f"{PASTED_NAME}.png")]
    return []
