"""A desktop notification when a reply finishes while the window is in the background."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.core.chat.runner import TurnOutcome
from desktop_chat.core.chat.turns import CANCELLED_REASON
from desktop_chat.core.errors import StreamProblem
from desktop_chat.ui.app.notifications import (
    DesktopNotifier,
    freedesktop_notify,
    notification_text,
    reply_notice,
)
from desktop_chat.ui.window.main_window import MainWindow
from tests.notification_service import NotificationService, notification_service  # noqa: F401
from tests.scripted_server import ScriptedServer, sse_reply
from tests.ui.conftest import send_text


def _outcome(text: str, reason: str = "stop", error: StreamProblem | None = None) -> TurnOutcome:
    return TurnOutcome(reason, error, None, text, 10, 100, 3)


def test_what_a_notification_says() -> None:
    assert reply_notice("Trip", _outcome("**Pack** `light`.")) == ("Trip", "Pack light.")
    assert reply_notice("  ", _outcome("")) == ("Desktop Chat", "The reply is empty.")
    assert reply_notice("Trip", _outcome("Half", "length")) == (
        "Trip",
        "Half (cut off at the length limit)",
    )
    failed = reply_notice("Trip", _outcome("Hal", "", StreamProblem("the connection dropped")))
    assert failed == ("Trip", "The reply did not finish. Open the chat to see why.")
    assert reply_notice("Trip", _outcome("Half", CANCELLED_REASON)) is None  # the user stopped it
    assert notification_text("a\n\nb   c", 10) == "a b c"
    assert notification_text("x" * 30, 10) == "x" * 9 + "\u2026"


def test_the_freedesktop_service_gets_the_text_escaped(
    notification_service: NotificationService,  # noqa: F811
) -> None:
    notification_id = freedesktop_notify("<b>Title</b>", "a <i>reply</i> & more")
    assert notification_id == 1
    (shown,) = notification_service.shown
    assert shown[0] == "Desktop Chat"
    assert shown[2] == "io.github.desktopchat.DesktopChat"  # the icon the installers add
    assert shown[3] == "<b>Title</b>"  # the summary is plain text by the specification
    assert shown[4] == "a &lt;i&gt;reply&lt;/i&gt; &amp; more"  # the body may be read as markup


def test_without_a_service_the_tray_stands_in_and_nothing_breaks(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    tray_messages: list[tuple[str, str]] = []
    monkeypatch.setattr(
        DesktopNotifier, "_show_in_tray", lambda self, s, b: tray_messages.append((s, b))
    )
    notifier = DesktopNotifier(QIcon(), use_bus=True)
    notifier.notify("Trip", "Pack light.")
    qtbot.waitUntil(lambda: tray_messages == [("Trip", "Pack light.")], timeout=10000)
    notifier.notify("Again", "Straight to the tray.")  # the bus is not tried again
    assert tray_messages[-1] == ("Again", "Straight to the tray.")


def test_with_neither_service_nor_tray_nothing_is_shown(qtbot: QtBot) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen has no tray
    notifier = DesktopNotifier(QIcon(), use_bus=False)
    notifier.notify("Trip", "Pack light.")
    assert notifier._tray is None


@pytest.mark.parametrize(
    "case",
    [(False, True, True), (False, False, False), (True, True, False)],
    ids=["background", "turned-off", "in-front"],
)
def test_a_reply_that_ends_in_the_background_is_announced(
    qtbot: QtBot,
    window: MainWindow,
    scripted_server: ScriptedServer,
    notification_service: NotificationService,  # noqa: F811
    case: tuple[bool, bool, bool],
) -> None:
    in_front, wanted, announced = case
    window.settings.notify_when_done = wanted
    other = QWidget()
    qtbot.addWidget(other)
    if not in_front:
        other.show()
        other.activateWindow()
        qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=5000)
    assert window.isActiveWindow() == in_front
    scripted_server.add(sse_reply(["Pack ", "light."]))
    conversation_id = send_text(window, "What should I pack?")
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=10000)
    if announced:
        qtbot.waitUntil(lambda: len(notification_service.shown) == 1, timeout=10000)
        conversation = window.storage.get_conversation(conversation_id)
        assert conversation is not None
        summary, body = notification_service.shown[0][3:5]
        assert summary == (conversation.title or "Desktop Chat")
        assert body == "Pack light."
    else:
        qtbot.wait(300)
        assert notification_service.shown == []
        assert window.notifier is None
