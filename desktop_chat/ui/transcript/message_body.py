"""The text of one message: a read-only rich-text view sized to its document.

It never fetches anything: every resource request returns nothing, links open only when clicked
(http, https and mailto through the desktop), and ``copy-code:<n>`` links copy code block ``n``.
Streaming text goes through ``IncrementalRenderer``: finished blocks are appended once and only the
open tail block is replaced, so a delta costs the same at the end of a long reply as at its start.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QSizeF, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QDesktopServices,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextList,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from desktop_chat.core.markdown.long_runs import BREAK, RunBreaker, break_long_runs
from desktop_chat.core.markdown.plain_growth import appended_plain_text
from desktop_chat.ui.common.theme import is_dark

if TYPE_CHECKING:
    from desktop_chat.core.markdown.render import IncrementalRenderer, RenderUpdate

__all__ = ["MessageBody"]

_OPEN_SCHEMES = frozenset({"http", "https", "mailto"})
#: How many characters of one message are shown until the user asks for all of them: laying out
#: and painting a document costs its length, and a server or an import can hand over megabytes.
SHOWN_LIMIT = 100_000
_PLACEHOLDER_HTML = "<p>\u2060</p>"


class MessageBody(QTextBrowser):
    """Shows Markdown as safe rich text, as tall as its content, never scrolling by itself.

    Args:
        parent: the Qt parent.

    Signals:
        code_copied(int): code block ``n`` was copied to the clipboard.
        folded_changed(bool): the view now shows only the start of the message (True) or all of
            it (False); see :data:`SHOWN_LIMIT`.
    """

    code_copied = Signal(int)
    folded_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.viewport().setAutoFillBackground(False)
        self.setAutoFillBackground(False)
        self.document().setDocumentMargin(2)
        self._markdown = ""
        self._renderer: IncrementalRenderer | None = None
        self._breaker = RunBreaker()
        self._plain = False
        self._folded = False
        self._tail_start = 0
        self._tail_block_format = QTextBlockFormat()
        self._tail_block_list: QTextList | None = None
        self._tail_html = ""
        self._tail_text_start: int | None = None
        self._formulas_shown_as_source = False
        self.anchorClicked.connect(self._on_self_anchor_clicked)
        layout = self.document().documentLayout()
        layout.documentSizeChanged.connect(self._on_layout_document_size_changed)
        self.setFixedHeight(self._wanted_height())

    def markdown(self) -> str:
        """The Markdown source shown (so far, while streaming)."""
        return self._markdown

    @property
    def folded(self) -> bool:
        """Whether only the first :data:`SHOWN_LIMIT` characters are shown."""
        return self._folded

    def set_markdown(self, text: str, *, show_all: bool = False) -> None:
        """Show a finished message (its start only, if huge, unless ``show_all``)."""
        from desktop_chat.core.markdown.math import math_cache  # noqa: PLC0415 - loaded when first used
        from desktop_chat.core.markdown.render import render_markdown  # noqa: PLC0415 - loaded when first used

        self._renderer = None
        self._markdown = text
        self._plain = False
        shown = self._fold(text, show_all)
        self.setHtml(render_markdown(break_long_runs(shown), dark=is_dark(), math=math_cache()))
        self._ask_for_formulas()

    def set_plain(self, text: str, *, show_all: bool = False) -> None:
        """Show text literally (what the user typed is not Markdown-rendered)."""
        self._renderer = None
        self._markdown = text
        self._plain = True
        self.setPlainText(break_long_runs(self._fold(text, show_all)))

    def restyle(self) -> None:
        """Render again in the current theme's colours (a streaming message, from its next
        block on, and whole when it ends)."""
        if self._renderer is not None:
            self._renderer.dark = is_dark()
            self._formulas_shown_as_source = True  # so that it is rendered whole at the end
        elif self._plain:
            self.set_plain(self._markdown, show_all=not self._folded)
        else:
            self.set_markdown(self._markdown, show_all=not self._folded)

    def set_text_font(self, font: QFont) -> None:
        """Use ``font`` for the text, code and lists (its size is the text size)."""
        self.setFont(font)
        self.document().setDefaultFont(font)

    def show_all(self) -> None:
        """Show the whole of a folded message."""
        if self._folded and self._renderer is None:
            if self._plain:
                self.set_plain(self._markdown, show_all=True)
            else:
                self.set_markdown(self._markdown, show_all=True)

    def _fold(self, text: str, show_all: bool) -> str:
        """The part of ``text`` to show: all of it, or its start cut at a line end if huge."""
        folded = not show_all and len(text) > SHOWN_LIMIT
        if folded != self._folded:
            self._folded = folded
            self.folded_changed.emit(folded)
        if not folded:
            return text
        cut = text.rfind("\n", SHOWN_LIMIT - 2000, SHOWN_LIMIT)
        return text[: cut if cut > 0 else SHOWN_LIMIT]

    def begin_stream(self, text: str = "") -> None:
        """Start showing a streamed message, optionally continuing after ``text``."""
        self.clear()
        self._markdown = ""
        self._plain = False
        if self._folded:
            self._folded = False
            self.folded_changed.emit(False)
        self._tail_start = 0
        self._tail_block_format = QTextBlockFormat()
        self._tail_block_list = None
        from desktop_chat.core.markdown.math import math_cache  # noqa: PLC0415 - loaded when first used
        from desktop_chat.core.markdown.render import IncrementalRenderer  # noqa: PLC0415 - loaded when first used

        self._renderer = IncrementalRenderer(dark=is_dark(), math=math_cache())
        self._breaker = RunBreaker()
        if text:
            self.append_markdown(text)

    def append_markdown(self, delta: str) -> None:
        """Add streamed text; only the open tail block is re-rendered."""
        if self._renderer is None:
            self.begin_stream()
        assert self._renderer is not None
        room = SHOWN_LIMIT - len(self._markdown)
        self._markdown += delta
        if room <= 0:
            return  # folded: the text is kept, the view stops growing
        if len(delta) > room:
            delta = delta[:room]
            self._folded = True
            self.folded_changed.emit(True)
        self._apply(self._renderer.append(self._breaker.feed(delta)))
        # Lay the document out now, not at the next paint, so the view takes its new height
        # before that paint (see Transcript.settle).
        self._on_layout_document_size_changed(QSizeF())

    def end_stream(self) -> None:
        """Render the last block as finished."""
        if self._renderer is not None:
            self._apply(self._renderer.finish())
            self._renderer = None
            if self._folded:
                self.folded_changed.emit(True)  # the whole length is known now
            if self._formulas_shown_as_source:
                # Blocks finished while their formulas were being typeset show them as source.
                self._rerender()

    def _ask_for_formulas(self) -> None:
        """Have the formulas just shown as source typeset; render again when they are."""
        from desktop_chat.core.markdown.math import math_cache  # noqa: PLC0415 - loaded when first used

        wanted = math_cache().take_wanted()
        if not wanted:
            return
        self._formulas_shown_as_source = True
        from desktop_chat.ui.workers.math_typesetter import typesetter  # noqa: PLC0415 - only with math

        typesetter().typeset.connect(
            self._on_typesetter_typeset, Qt.ConnectionType.UniqueConnection
        )
        typesetter().request(wanted)

    @Slot()
    def _on_typesetter_typeset(self) -> None:
        if self._formulas_shown_as_source and self._renderer is None and not self._plain:
            self._rerender()

    def _rerender(self) -> None:
        self._formulas_shown_as_source = False
        self.set_markdown(self._markdown, show_all=not self._folded)

    def _apply(self, update: RenderUpdate) -> None:
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        if not update.finished_html and update.tail_html is self._tail_html and update.tail_text:
            # A long open block between two re-parses: its rendering is on screen already, only
            # the raw text after it grew. Re-inserting the whole block would cost its length.
            self._set_tail_text(cursor, update.tail_text)
            cursor.endEditBlock()
            return
        typed = (
            appended_plain_text(self._tail_html, update.tail_html)
            if not update.finished_html and not update.tail_text and self._tail_text_start is None
            else ""
        )
        if typed:
            # The open paragraph only grew by plain words: type them at its end, in the format
            # of the plain text before them, instead of replacing the whole block.
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(typed)
            cursor.endEditBlock()
            self._tail_html = update.tail_html
            return
        self._tail_text_start = None
        cursor.setPosition(self._tail_start)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        if cursor.hasSelection():
            cursor.removeSelectedText()
            # Removing the tail can hand the surviving block the format (or list) of a removed
            # one; put back what it had.
            self._restore_tail_block(cursor)
        if update.finished_html:
            self._append_html(cursor, update.finished_html)
            self._tail_start = cursor.position()
            self._tail_block_format = cursor.blockFormat()
            self._tail_block_list = cursor.currentList()
        if update.tail_html:
            self._append_html(cursor, update.tail_html)
        self._tail_html = update.tail_html
        if update.tail_text:
            self._set_tail_text(cursor, update.tail_text)
        cursor.endEditBlock()
        self._ask_for_formulas()

    def _set_tail_text(self, cursor: QTextCursor, text: str) -> None:
        """Show ``text`` unformatted (fixed pitch) after the tail's rendering, replacing the old."""
        if self._tail_text_start is None:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock(QTextBlockFormat())
            self._tail_text_start = cursor.position()
        cursor.setPosition(self._tail_text_start)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        plain = QTextCharFormat()
        plain.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        cursor.insertText(text, plain)

    def _restore_tail_block(self, cursor: QTextCursor) -> None:
        if self._tail_start == 0:
            return
        cursor.setBlockFormat(self._tail_block_format)
        # None outside a list, whatever the stubs say
        current: QTextList | None = cursor.currentList()
        if current is not None and current is not self._tail_block_list:
            current.remove(cursor.block())
            cursor.setBlockFormat(self._tail_block_format)

    def _append_html(self, cursor: QTextCursor, html: str) -> None:
        """Append blocks at the end, each keeping its own format.

        HTML inserted into an existing block merges its first block into that one (taking that
        block's format), so a placeholder paragraph takes that place and is removed afterwards.
        """
        start = cursor.position()
        if start == 0:
            cursor.insertHtml(html.strip())
            return
        cursor.insertHtml(_PLACEHOLDER_HTML + html.strip())
        end = cursor.position()
        cursor.setPosition(start)
        cursor.deleteChar()
        cursor.setPosition(end - 1)

    def createMimeDataFromSelection(self) -> QMimeData:
        """A selection copies the text without the display-only breaks in long runs."""
        selected = self.textCursor().selection()
        data = QMimeData()
        data.setText(selected.toPlainText().replace(BREAK, ""))
        data.setHtml(selected.toHtml().replace(BREAK, ""))
        return data

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        """Supply typeset formulas; refuse every other resource: nothing is ever fetched."""
        url = name if isinstance(name, QUrl) else QUrl(name)
        if kind != QTextDocument.ResourceType.ImageResource.value or url.scheme() != "math":
            return None
        return _formula_image(url.toString(), self.devicePixelRatioF())

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Let the transcript scroll: this view has no scroll range of its own."""
        event.ignore()

    @Slot(QUrl)
    def _on_self_anchor_clicked(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        if scheme == "copy-code":
            self._copy_code(url.path() or url.toString().partition(":")[2])
        elif scheme in _OPEN_SCHEMES:
            QDesktopServices.openUrl(url)

    def _copy_code(self, index_text: str) -> None:
        try:
            index = int(index_text)
        except ValueError:
            return
        from desktop_chat.core.markdown.render import code_blocks  # noqa: PLC0415 - loaded when first used

        blocks = code_blocks(self._markdown)
        if 0 <= index < len(blocks):
            QGuiApplication.clipboard().setText(blocks[index])
            self.code_copied.emit(index)

    @Slot(QSizeF)
    def _on_layout_document_size_changed(self, size: QSizeF) -> None:
        del size
        height = self._wanted_height()
        if height != self.height():
            self.setFixedHeight(height)

    def _wanted_height(self) -> int:
        margins = self.contentsMargins()
        return math.ceil(self.document().size().height()) + margins.top() + margins.bottom()


#: Formulas are drawn at this many times the screen's pixel density, so they stay sharp when
#: the transcript is zoomed.
_FORMULA_OVERSAMPLING = 2.0
_SVG_SIZE = re.compile(r'^<svg ([^>]*?)width="([\d.]+)" height="([\d.]+)"')


def _formula_image(name: str, pixel_ratio: float) -> QImage | None:
    """The image of the typeset formula a ``math:`` resource names, drawn sharp for the screen."""
    from desktop_chat.core.markdown.math import math_cache, parse_resource_name  # noqa: PLC0415

    parsed = parse_resource_name(name)
    image = None if parsed is None else math_cache().image(parsed[0])
    if parsed is None or image is None:
        return None
    scale = max(1.0, pixel_ratio) * _FORMULA_OVERSAMPLING
    svg = _SVG_SIZE.sub(
        lambda found: (
            f'<svg {found.group(1)}width="{float(found.group(2)) * scale:.3f}" '
            f'height="{float(found.group(3)) * scale:.3f}"'
        ),
        image.colored(parsed[1]),
        count=1,
    )
    drawn = QImage.fromData(svg.encode())  # the format is told by the content
    return None if drawn.isNull() else drawn
