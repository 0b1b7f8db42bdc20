"""Light and dark appearance: follows the system colour scheme unless the settings override it.

Colours come from the palette Qt derives for the scheme (Fusion style, so it looks the same under
every desktop); the stylesheet only adds the chat-specific touches (message bubbles, the error
banner, warnings), computed from that palette so both schemes keep their contrast.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["apply_theme", "is_dark", "stylesheet"]

_SCHEMES = {
    "light": Qt.ColorScheme.Light,
    "dark": Qt.ColorScheme.Dark,
    "system": Qt.ColorScheme.Unknown,
}


_choice = "system"


def apply_theme(app: QApplication, choice: str) -> None:
    """Use ``choice`` (``"system"``, ``"light"`` or ``"dark"``) and restyle the app."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    global _choice  # noqa: PLW0603 - the app has one appearance at a time
    _choice = choice if choice in _SCHEMES else "system"
    hints = QGuiApplication.styleHints()
    hints.setColorScheme(_SCHEMES[_choice])
    dark = is_dark()
    app.setPalette(_palette(dark))
    app.setStyleSheet(stylesheet(dark))


def is_dark() -> bool:
    """Whether the app currently shows the dark scheme."""
    # Some platforms (plain X11 without a desktop theme) ignore a requested scheme: the choice
    # in the settings wins over what the platform reports.
    if _choice != "system":
        return _choice == "dark"
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def _palette(dark: bool) -> QPalette:
    palette = QPalette()
    if not dark:
        colors = {
            QPalette.ColorRole.Window: "#f3f4f6",
            QPalette.ColorRole.WindowText: "#1f2328",
            QPalette.ColorRole.Base: "#ffffff",
            QPalette.ColorRole.AlternateBase: "#f6f8fa",
            QPalette.ColorRole.Text: "#1f2328",
            QPalette.ColorRole.Button: "#eef0f3",
            QPalette.ColorRole.ButtonText: "#1f2328",
            QPalette.ColorRole.Highlight: "#2563eb",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.Link: "#0969da",
            QPalette.ColorRole.PlaceholderText: "#6e7781",
            QPalette.ColorRole.ToolTipBase: "#ffffff",
            QPalette.ColorRole.ToolTipText: "#1f2328",
        }
    else:
        colors = {
            QPalette.ColorRole.Window: "#1b1e23",
            QPalette.ColorRole.WindowText: "#e6edf3",
            QPalette.ColorRole.Base: "#0f1115",
            QPalette.ColorRole.AlternateBase: "#161b22",
            QPalette.ColorRole.Text: "#e6edf3",
            QPalette.ColorRole.Button: "#2a2f37",
            QPalette.ColorRole.ButtonText: "#e6edf3",
            QPalette.ColorRole.Highlight: "#3b82f6",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.Link: "#58a6ff",
            QPalette.ColorRole.PlaceholderText: "#8b949e",
            QPalette.ColorRole.ToolTipBase: "#2a2f37",
            QPalette.ColorRole.ToolTipText: "#e6edf3",
        }
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    disabled = QColor("#8c959f" if not dark else "#6e7681")
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def _scroll_bars(handle: str, hover: str) -> str:
    """Flat scroll bars: a rounded handle on no groove, without arrows.

    Besides the look, this is for speed: Fusion paints its scroll bar with gradients over the
    whole length, about 1.3 ms a paint here, and a streaming reply moves the transcript's bar
    nearly every frame; these take about 0.02 ms.
    """
    return f"""
QScrollBar:vertical {{ background: transparent; width: 12px; margin: 0; }}
QScrollBar:horizontal {{ background: transparent; height: 12px; margin: 0; }}
QScrollBar::handle {{ background: {handle}; border-radius: 4px; margin: 2px; }}
QScrollBar::handle:hover, QScrollBar::handle:pressed {{ background: {hover}; }}
QScrollBar::handle:vertical {{ min-height: 32px; }}
QScrollBar::handle:horizontal {{ min-width: 32px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; border: none; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
"""


def stylesheet(dark: bool) -> str:
    """The chat-specific styles for the light or dark scheme."""
    if dark:
        c = {
            "canvas": "#0f1115",
            "user": "#1e2a3b",
            "user_border": "#2d4263",
            "muted": "#8b949e",
            "error_bg": "#3b1d1f",
            "error_border": "#8e2c2f",
            "error_text": "#ffb4ae",
            "warn": "#f0b35a",
            "sidebar": "#15181d",
            "composer": "#161b22",
            "border": "#30363d",
            "accent": "#3b82f6",
            "text": "#e6edf3",
            "hover": "#22272e",
            "selected": "#2d3748",
            "stop": "#c2410c",
            "focus": "#bfdbfe",
            "handle": "#3d444d",
            "handle_hover": "#59616b",
        }
    else:
        c = {
            "canvas": "#ffffff",
            "user": "#eef4ff",
            "user_border": "#c9dafc",
            "muted": "#57606a",
            "error_bg": "#fff1f0",
            "error_border": "#f4b4ae",
            "error_text": "#a40e26",
            "warn": "#9a6700",
            "sidebar": "#f3f4f6",
            "composer": "#ffffff",
            "border": "#d0d7de",
            "accent": "#2563eb",
            "text": "#1f2328",
            "hover": "#e5e7eb",
            "selected": "#dbe4f3",
            "stop": "#c2410c",
            "focus": "#1e3a8a",
            "handle": "#c4c9d0",
            "handle_hover": "#959ca5",
        }
    return f"""
{_scroll_bars(c["handle"], c["handle_hover"])}
#transcript, #transcriptCanvas {{ background: {c["canvas"]}; }}
#userMessage {{ background: {c["user"]}; border: 1px solid {c["user_border"]};
    border-radius: 12px; }}
#assistantMessage {{ background: transparent; border: none; }}
#messageBody {{ background: transparent; }}
#messageRole {{ font-weight: 600; color: {c["muted"]}; }}
#messageNote, #thinkingText {{ color: {c["muted"]}; font-style: italic; }}
#errorBanner {{ background: {c["error_bg"]}; border: 1px solid {c["error_border"]};
    border-radius: 8px; }}
#errorText {{ color: {c["error_text"]}; }}
#toolCallCard {{ background: {c["sidebar"]}; border: 1px solid {c["border"]};
    border-radius: 8px; }}
#toolCallCard[status="asking"] {{ border: 2px solid {c["accent"]}; }}
#toolCallCard[status="failed"], #toolCallCard[status="declined"],
#toolCallCard[status="cancelled"], #toolCallCard[status="skipped"] {{
    border: 1px solid {c["warn"]}; }}
#toolCallToggle {{ font-weight: 600; border: none; }}
#toolDescription {{ color: {c["muted"]}; }}
#conversationList {{ background: {c["sidebar"]}; padding: 4px; }}
#composerFrame {{ background: {c["composer"]}; border: 1px solid {c["border"]};
    border-radius: 12px; }}
#composerFrame[dropTarget="true"] {{ border: 2px dashed {c["focus"]}; }}
#composer {{ background: transparent; }}
#sendButton {{ background: {c["accent"]}; color: white; border: none; border-radius: 8px;
    padding: 6px 16px; font-weight: 600; }}
#sendButton:disabled {{ background: {c["border"]}; color: {c["muted"]}; }}
#stopButton {{ background: {c["stop"]}; color: white; border: none; border-radius: 8px;
    padding: 6px 16px; font-weight: 600; }}
#sendButton:focus, #stopButton:focus {{ border: 2px solid {c["focus"]}; padding: 4px 14px; }}
#jumpToLatestButton {{ border-radius: 12px; padding: 5px 12px; }}
#welcome, #welcomeContent {{ background: transparent; }}
#welcomeTitle {{ font-size: 20pt; font-weight: 600; }}
#welcomeCard {{ background: {c["composer"]}; border: 1px solid {c["border"]};
    border-radius: 12px; }}
#welcomeCardTitle {{ font-size: 12pt; font-weight: 600; }}
#welcomeHint, #statusDetail, #emptyHint {{ color: {c["muted"]}; }}
QLabel[warning="true"] {{ color: {c["warn"]}; }}
#testResult[warning="true"], #welcomeError {{ color: {c["error_text"]}; }}
"""
