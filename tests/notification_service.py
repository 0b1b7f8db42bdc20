"""A real freedesktop notification service on a private session bus, for tests.

``notification_service`` starts ``dbus-daemon --session``, points ``DBUS_SESSION_BUS_ADDRESS`` at
it and serves ``org.freedesktop.Notifications`` from a thread with jeepney, recording each
``Notify`` call's arguments. Like the Secret Service tests, it skips when ``dbus-daemon`` is
missing, except under ``CI=true``, where the image installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from jeepney import HeaderFields, MessageType, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

__all__ = ["NotificationService", "notification_service"]


@dataclass
class NotificationService:
    """The running service.

    Attributes:
        shown: each Notify call's arguments (app name, replaced id, icon, summary, body, actions,
            hints, timeout), in order.
    """

    shown: list[tuple[object, ...]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def serve(self, connection: DBusConnection) -> None:
        """Answer Notify calls until stopped."""
        while not self._stop.is_set():
            try:
                message = connection.receive(timeout=0.1)
            except TimeoutError:
                continue
            member = message.header.fields.get(HeaderFields.member)
            if message.header.message_type is MessageType.method_call and member == "Notify":
                self.shown.append(tuple(message.body))
                connection.send(new_method_return(message, "u", (len(self.shown),)))


@pytest.fixture
def notification_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[NotificationService]:
    """A notification service on a private bus that the test's process talks to."""
    if shutil.which("dbus-daemon") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dbus-daemon is missing from the CI image")
        pytest.skip("dbus-daemon is not installed")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().decode().strip()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    service = NotificationService()
    connection = open_dbus_connection(bus=address)
    connection.send_and_get_reply(message_bus.RequestName("org.freedesktop.Notifications"))
    thread = threading.Thread(target=service.serve, args=(connection,), daemon=True)
    thread.start()
    yield service
    service._stop.set()
    thread.join(5)
    connection.close()
    bus.terminate()
    bus.wait(5)
    bus.stdout.close()
