"""The files about to be sent, as chips above the composer.

Each chip shows a thumbnail (images) or the kind of file, the name, the size, and the page count
or a token estimate; a file still being prepared says so. The × button removes a chip, and so do
Delete, Backspace and Esc while a chip has the focus. A file that cannot be attached is named, with
the reason, under the chips. Names are shown as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.core.attachments.prepare import PreparedAttachment, summary
from desktop_chat.core.history.models import Attachment
from desktop_chat.ui.common.inert import inert_tooltip, plain_label

__all__ = ["AttachmentChip", "AttachmentTray", "TrayItem", "kind_badge"]

_NAME_CHARS = 28
_THUMB = 40
_REMOVE_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Escape)


@dataclass(eq=False)
class TrayItem:
    """One file in the tray: being prepared (``job_id``), or ready (``attachment``).

    Attributes:
        name: the file's name.
        job_id: the attacher's job while the file is prepared, else None.
        attachment: the prepared file, or a stored one (an edited message's), once ready.
        thumbnail: a small image to show, when there is one.
    """

    name: str
    job_id: int | None = None
    attachment: PreparedAttachment | Attachment | None = None
    thumbnail: bytes | None = None

    @property
    def ready(self) -> bool:
        """Whether the file can be sent."""
        return self.attachment is not None


def kind_badge(kind: str) -> str:
    """The short word shown in place of a thumbnail."""
    return {"pdf": "PDF", "text": "TXT", "image": "IMG"}.get(kind, "?")


def _short(name: str) -> str:
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…"


class AttachmentChip(QFrame):
    """One file in the tray.

    Signals:
        remove_requested(): the × button, or Delete, Backspace or Esc with the focus on it.
    """

    remove_requested = Signal()

    def __init__(self, item: TrayItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setObjectName("attachmentChip")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(self.tr("Attached file {name}").format(name=item.name))
        self.setToolTip(inert_tooltip(item.name))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 4, 4)
        layout.setSpacing(6)
        self.picture = QLabel(self)
        self.picture.setObjectName("chipPicture")
        self.picture.setFixedSize(_THUMB, _THUMB)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.picture)
        words = QVBoxLayout()
        words.setSpacing(0)
        self.name_label = plain_label(_short(item.name), self)
        self.name_label.setObjectName("chipName")
        self.detail_label = plain_label("", self)
        self.detail_label.setObjectName("chipDetail")
        words.addWidget(self.name_label)
        words.addWidget(self.detail_label)
        layout.addLayout(words)
        self.remove_button = QToolButton(self)
        self.remove_button.setObjectName("chipRemoveButton")
        self.remove_button.setText("×")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setAccessibleName(self.tr("Remove {name}").format(name=item.name))
        self.remove_button.setToolTip(self.tr("Remove this file"))
        self.remove_button.clicked.connect(self.remove_requested)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        self.refresh()

    def refresh(self) -> None:
        """Show the item as it is now (prepared or not)."""
        attachment = self.item.attachment
        if attachment is None:
            self.picture.setText("…")
            self.detail_label.setText(self.tr("Preparing…"))
            return
        self.detail_label.setText(
            summary(
                attachment.kind,
                attachment.size,
                pages=attachment.pages,
                chars=attachment.chars,
            )
        )
        pixmap = QPixmap()
        if self.item.thumbnail and pixmap.loadFromData(self.item.thumbnail):
            self.picture.setPixmap(
                pixmap.scaled(
                    _THUMB,
                    _THUMB,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.picture.setText(kind_badge(attachment.kind))

    def event(self, event: QEvent) -> bool:
        """Keep Esc and Backspace for the chip while it has the focus (not the window's Stop)."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in _REMOVE_KEYS
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete, Backspace and Esc remove the file."""
        if event.key() in _REMOVE_KEYS:
            self.remove_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class AttachmentTray(QWidget):
    """The chips of the files about to be sent, and why a file was refused.

    Signals:
        item_removed(object): the user removed this ``TrayItem``.
    """

    item_removed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentTray")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 4)
        outer.setSpacing(2)
        self._scroll = QScrollArea(self)
        self._scroll.setObjectName("attachmentScroll")
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setWidgetResizable(True)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        row = QWidget(self._scroll)
        self._row = QHBoxLayout(row)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self._scroll.setWidget(row)
        outer.addWidget(self._scroll)
        self.problem_label = plain_label("", self)
        self.problem_label.setObjectName("attachmentProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        outer.addWidget(self.problem_label)
        self._chips: list[AttachmentChip] = []
        self._update_visibility()

    def items(self) -> list[TrayItem]:
        """The files in the tray, in order."""
        return [chip.item for chip in self._chips]

    def chips(self) -> list[AttachmentChip]:
        """The chips shown."""
        return list(self._chips)

    def add(self, item: TrayItem) -> AttachmentChip:
        """Show one more file."""
        chip = AttachmentChip(item, self._scroll.widget())
        chip.remove_requested.connect(self._on_chip_remove_requested)
        self._row.insertWidget(len(self._chips), chip)
        self._chips.append(chip)
        self._update_visibility()
        return chip

    def set_items(self, items: list[TrayItem]) -> None:
        """Show exactly ``items`` (another conversation's files)."""
        for chip in self._chips:
            self._row.removeWidget(chip)
            chip.deleteLater()
        self._chips = []
        self.clear_problem()
        for item in items:
            self.add(item)
        self._update_visibility()

    def refresh(self, item: TrayItem) -> None:
        """Show the new state of ``item`` (prepared), if it is in the tray."""
        for chip in self._chips:
            if chip.item is item:
                chip.refresh()

    def remove(self, item: TrayItem) -> None:
        """Take ``item``'s chip away."""
        for chip in list(self._chips):
            if chip.item is item:
                focused = chip.hasFocus()
                index = self._chips.index(chip)
                self._chips.remove(chip)
                self._row.removeWidget(chip)
                chip.deleteLater()
                if focused and self._chips:
                    self._chips[min(index, len(self._chips) - 1)].setFocus()
        self._update_visibility()

    def show_problem(self, text: str) -> None:
        """Say why a file was refused (added to what is said already)."""
        shown = self.problem_label.text()
        self.problem_label.setText(f"{shown}\n{text}" if shown else text)
        self.problem_label.show()
        self._update_visibility()

    def clear_problem(self) -> None:
        """Forget the refusals shown."""
        self.problem_label.setText("")
        self.problem_label.hide()
        self._update_visibility()

    def problem_text(self) -> str:
        """The refusals shown ("" when none)."""
        return self.problem_label.text() if not self.problem_label.isHidden() else ""

    def _update_visibility(self) -> None:
        self._scroll.setVisible(bool(self._chips))
        if self._chips:
            self._scroll.setFixedHeight(max(c.sizeHint().height() for c in self._chips) + 4)
        self.setVisible(bool(self._chips) or not self.problem_label.isHidden())

    @Slot()
    def _on_chip_remove_requested(self) -> None:
        chip = self.sender()
        if isinstance(chip, AttachmentChip):
            item = chip.item
            self.remove(item)
            self.item_removed.emit(item)
