"""The files of a sent message: image thumbnails and file chips under its text.

A thumbnail opens the image at full size; a file chip opens a read-only preview of the text that
was sent; a file an import could not find is named, greyed out. The bytes are read from the
database only when a thumbnail is shown or a viewer opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QToolButton, QWidget

from desktop_chat.core.attachments.prepare import summary
from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.models import Attachment
from desktop_chat.ui.common.inert import inert_tooltip
from desktop_chat.ui.transcript.attachment_viewer import ImageViewer, TextPreview

__all__ = ["AttachmentSource", "AttachmentStrip", "button_text"]

_THUMB = 96


class AttachmentSource(Protocol):
    """Where a message's files are read from (the storage)."""

    def attachment_data(self, sha256: str) -> bytes:
        """The stored bytes."""

    def attachment_text(self, sha256: str) -> str:
        """The text sent."""

    def attachment_thumbnail(self, sha256: str) -> bytes | None:
        """A small image, or None."""


def button_text(text: str) -> str:
    """``text`` for a button, with ``&`` shown as itself rather than as a shortcut mark."""
    return text.replace("&", "&&")


class AttachmentStrip(QWidget):
    """Shows a message's files; clicking one opens it.

    Args:
        attachments: the message's files.
        source: where to read their bytes.
        parent: the Qt parent.
    """

    def __init__(
        self,
        attachments: Sequence[Attachment],
        source: AttachmentSource,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentStrip")
        self.source = source
        self.attachments = list(attachments)
        self.buttons: list[QToolButton] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for index, attachment in enumerate(self.attachments):
            button = self._button(attachment)
            button.setProperty("attachmentIndex", index)
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)

    def _button(self, attachment: Attachment) -> QToolButton:
        button = QToolButton(self)
        button.setToolTip(inert_tooltip(attachment.name))
        button.setAutoRaise(False)
        if attachment.missing:
            button.setObjectName("missingAttachment")
            button.setText(button_text(self.tr("{name} (not found)").format(name=attachment.name)))
            button.setEnabled(False)
            return button
        detail = summary(attachment.kind, attachment.size, pages=attachment.pages)
        thumbnail = self._thumbnail(attachment) if attachment.kind == "image" else None
        if thumbnail is not None:
            button.setObjectName("imageThumbnail")
            button.setIcon(QIcon(thumbnail))
            button.setIconSize(
                thumbnail.size().scaled(QSize(_THUMB, _THUMB), Qt.AspectRatioMode.KeepAspectRatio)
            )
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setAccessibleName(self.tr("Image {name}").format(name=attachment.name))
        else:
            button.setObjectName("fileChip")
            button.setText(button_text(f"{attachment.name} · {detail}"))
            button.setAccessibleName(self.tr("File {name}").format(name=attachment.name))
        button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(self._on_button_clicked)
        return button

    def _thumbnail(self, attachment: Attachment) -> QPixmap | None:
        assert attachment.sha256 is not None
        try:
            data = self.source.attachment_thumbnail(attachment.sha256)
        except (StorageError, KeyError):
            return None
        pixmap = QPixmap()
        return pixmap if data and pixmap.loadFromData(data) else None

    def open_attachment(self, index: int) -> QWidget | None:
        """Open file ``index``: the image viewer or the text preview; None when it cannot."""
        attachment = self.attachments[index]
        if attachment.sha256 is None:
            return None
        try:
            if attachment.kind == "image":
                viewer: QWidget = ImageViewer(
                    attachment.name, self.source.attachment_data(attachment.sha256), self
                )
            else:
                viewer = TextPreview(
                    attachment.name, self.source.attachment_text(attachment.sha256), self
                )
        except (StorageError, KeyError):
            return None
        viewer.show()
        return viewer

    @Slot()
    def _on_button_clicked(self) -> None:
        button = self.sender()
        if isinstance(button, QToolButton):
            index = button.property("attachmentIndex")
            if isinstance(index, int):
                self.open_attachment(index)
