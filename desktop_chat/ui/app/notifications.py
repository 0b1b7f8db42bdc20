"""Desktop notifications for replies that finish while the window is not in front.

On Linux and the BSDs the freedesktop notification service is asked over the session bus, with
jeepney (which the keyring already brings there); the call runs off the GUI thread, since a bus
can be slow or missing. Where that fails, and on Windows and macOS, a tray icon's message is
shown instead; where there is no tray either, nothing is shown.
"""

from __future__ import annotations

import html
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

from desktop_chat.core.resources import APP_ID  # the name the installers give the icon
from desktop_chat.ui.workers.background import start_background

if TYPE_CHECKING:
    from desktop_chat.core.chat.runner import TurnOutcome

__all__ = ["DesktopNotifier", "freedesktop_notify", "notification_text", "reply_notice"]

APP_NAME = "Desktop Chat"
SHOWN_MS = 8000
_BUS_TIMEOUT = 3.0
_SUMMARY_CHARS = 80
_BODY_CHARS = 200


def notification_text(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"


def reply_notice(title: str, outcome: TurnOutcome) -> tuple[str, str] | None:
    """The (summary, body) that tells of a reply that ended, or None for one the user stopped."""
    if outcome.error is None and outcome.status == "interrupted":
        return None  # stopped by the user, who knows
    summary = title.strip() or APP_NAME
    if outcome.error is not None:
        return summary, "The reply did not finish. Open the chat to see why."
    from desktop_chat.core.transfer.export import markdown_to_text  # noqa: PLC0415 - after a reply

    text = markdown_to_text(outcome.text).strip()
    if outcome.reason == "length":
        return summary, f"{text} (cut off at the length limit)" if text else "Cut off."
    return summary, text or "The reply is empty."


def freedesktop_notify(summary: str, body: str) -> int:
    """Show a notification through ``org.freedesktop.Notifications`` on the session bus.

    The body is escaped: servers may read a subset of HTML in it, and model text must stay text.

    Returns:
        The notification's id, as the service gave it.

    Raises:
        Exception: no session bus, no notification service, or a refusal (jeepney's errors).
    """
    from jeepney import DBusAddress, new_method_call  # noqa: PLC0415 - Linux only, on first use
    from jeepney.io.blocking import open_dbus_connection  # noqa: PLC0415
    from jeepney.wrappers import unwrap_msg  # noqa: PLC0415

    service = DBusAddress(
        "/org/freedesktop/Notifications",
        bus_name="org.freedesktop.Notifications",
        interface="org.freedesktop.Notifications",
    )
    text = html.escape(body, quote=False)
    arguments: tuple[object, ...] = (APP_NAME, 0, APP_ID, summary, text, [], {}, SHOWN_MS)
    message = new_method_call(service, "Notify", "susssasa{sv}i", arguments)
    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(message, timeout=_BUS_TIMEOUT)
    (notification_id,) = unwrap_msg(reply)
    return int(notification_id)


class DesktopNotifier(QObject):
    """Tells the desktop that a reply is done: a notification, or a tray message.

    Args:
        icon: the tray icon, when a tray message has to stand in.
        use_bus: ask the freedesktop service first (the default off Windows and macOS).
        parent: the Qt parent.
    """

    def __init__(
        self, icon: QIcon, *, use_bus: bool | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._icon = icon
        self._use_bus = sys.platform not in {"win32", "darwin"} if use_bus is None else use_bus
        self._tray: QSystemTrayIcon | None = None
        self._pending: dict[str, tuple[str, str]] = {}
        self._count = 0
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(SHOWN_MS + 2000)
        self._hide_timer.timeout.connect(self._on_hide_timer_timeout)

    def notify(self, summary: str, body: str) -> None:
        """Show ``summary`` and ``body`` (plain text, shortened here) without waiting."""
        summary = notification_text(summary, _SUMMARY_CHARS)
        body = notification_text(body, _BODY_CHARS)
        if not self._use_bus:
            self._show_in_tray(summary, body)
            return
        self._count += 1
        name = f"notify-{self._count}"
        self._pending[name] = (summary, body)
        start_background(
            lambda: freedesktop_notify(summary, body),
            succeeded=self._on_bus_call_succeeded,
            failed=self._on_bus_call_failed,
            name=name,
        )

    @Slot(str, object)
    def _on_bus_call_succeeded(self, name: str, notification_id: object) -> None:
        self._pending.pop(name, None)

    @Slot(str, object)
    def _on_bus_call_failed(self, name: str, error: object) -> None:
        self._use_bus = False  # no service on this desktop: the tray from now on
        shown = self._pending.pop(name, None)
        if shown is not None:
            self._show_in_tray(*shown)

    def _show_in_tray(self, summary: str, body: str) -> None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            self._tray = QSystemTrayIcon(self._icon, self)
            self._tray.setToolTip(APP_NAME)
        # Windows shows a message only from a visible icon; it goes again once the message has.
        self._tray.show()
        self._tray.showMessage(summary, body, QSystemTrayIcon.MessageIcon.Information, SHOWN_MS)
        self._hide_timer.start()

    @Slot()
    def _on_hide_timer_timeout(self) -> None:
        if self._tray is not None:
            self._tray.hide()
