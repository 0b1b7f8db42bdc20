"""Widgets and tooltips that show text as it is, never as Qt rich text.

A ``QLabel``, a ``QMessageBox`` and a tooltip guess whether their text is HTML
(``Qt.TextFormat.AutoText``). A model id, a conversation title or a server's error is not ours:
guessed as HTML, ``<a href=…>`` becomes a live link and ``<img width=3000>`` a box that resizes the
window. Everything made here shows its text literally.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QMessageBox, QWidget

__all__ = [
    "inert_tooltip",
    "open_plain_message",
    "plain_form_labels",
    "plain_label",
    "plain_message",
]


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows ``text`` (and whatever is set later) as plain text."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def plain_form_labels(form: QFormLayout) -> None:
    """Make the row labels ``form.addRow(text, field)`` created show their text literally."""
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        if isinstance(label, QLabel):
            label.setTextFormat(Qt.TextFormat.PlainText)


def inert_tooltip(text: str) -> str:
    """``text`` as a tooltip that shows it literally.

    Tooltips have no format setting: they render anything that looks like HTML. Escaped inside
    a paragraph that keeps line breaks, the text reads exactly as given.
    """
    if not text:
        return ""
    return f'<p style="white-space:pre-wrap">{html.escape(text)}</p>'


def plain_message(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
) -> QMessageBox:
    """A message box whose text is shown literally (call ``exec()`` or ``open()`` on it)."""
    box = QMessageBox(icon, title, "", buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    return box


def open_plain_message(
    parent: QWidget, icon: QMessageBox.Icon, title: str, text: str, name: str
) -> QMessageBox:
    """Open a window-modal message box named ``name`` that shows ``text`` literally.

    It returns at once (no nested event loop); the box deletes itself when closed.
    """
    box = plain_message(parent, icon, title, text)
    box.setObjectName(name)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
