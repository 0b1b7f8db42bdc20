"""The right-click menu of a message: copy the selection, the message in three formats, one of
its code blocks or attached images, or the whole conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from desktop_chat.ui.transcript.message_view import MessageView

__all__ = ["COPY_CONVERSATION_ACTION", "build_message_menu"]

#: Object name of the window's "Copy conversation as Markdown" action, offered here too.
COPY_CONVERSATION_ACTION = "copyConversationAction"
_PREVIEW_CHARS = 32


def _preview(code: str) -> str:
    first = next((line.strip() for line in code.splitlines() if line.strip()), "")
    return first if len(first) <= _PREVIEW_CHARS else first[: _PREVIEW_CHARS - 1] + "…"


def build_message_menu(view: MessageView) -> QMenu:
    """Return the context menu for ``view`` (not yet shown; the caller executes it)."""
    menu = QMenu(view)
    menu.setObjectName("messageMenu")
    selection = menu.addAction(view.tr("Copy"))
    selection.setObjectName("copySelectionAction")
    selection.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
    selection.setEnabled(view.body.textCursor().hasSelection())
    selection.triggered.connect(view.body.copy)
    select_all = menu.addAction(view.tr("Select all"))
    select_all.setObjectName("selectAllAction")
    select_all.setShortcut(QKeySequence(QKeySequence.StandardKey.SelectAll))
    select_all.triggered.connect(view.body.selectAll)
    menu.addSeparator()
    allowed = view.can_copy()
    for name, text, slot in (
        ("copyMarkdownAction", view.tr("Copy as Markdown"), view.copy_markdown),
        ("copyPlainAction", view.tr("Copy as plain text"), view.copy_plain_text),
        ("copyRichAction", view.tr("Copy as rich text"), view.copy_rich_text),
    ):
        action = menu.addAction(text)
        action.setObjectName(name)
        action.setEnabled(allowed)
        action.triggered.connect(slot)
    if view.role != "user":
        from desktop_chat.core.markdown.render import code_blocks  # noqa: PLC0415 - loaded when first used

        for index, code in enumerate(code_blocks(view.markdown())):
            label = view.tr("Copy code block {number}: {preview}").format(
                number=index + 1, preview=_preview(code)
            )
            action = menu.addAction(label)
            action.setObjectName(f"copyCodeAction{index}")
            action.setEnabled(allowed)
            action.setData(index)
            action.triggered.connect(view.on_copy_code_action_triggered)
    for index, image in enumerate(view.images()):
        label = view.tr("Copy image {name}").format(name=image.name.replace("&", "&&"))
        action = menu.addAction(label)
        action.setObjectName(f"copyImageAction{index}")
        action.setData(index)
        action.triggered.connect(view.on_copy_image_action_triggered)
    if view.message_id is not None:
        menu.addSeparator()
        delete = menu.addAction(view.tr("Delete this and what follows"))
        delete.setObjectName("deleteMessageAction")
        delete.setEnabled(not view.busy)
        delete.triggered.connect(view.request_delete)
    window = view.window()
    conversation = window.findChild(QAction, COPY_CONVERSATION_ACTION)
    if isinstance(conversation, QAction):
        menu.addSeparator()
        menu.addAction(conversation)
    return menu
