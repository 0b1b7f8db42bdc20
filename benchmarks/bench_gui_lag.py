"""GUI loop lag while the world is slow: a locked keyring, a locked database, a stuck server.

Run from the repository root::

    python -m benchmarks.bench_gui_lag

The real main window runs offscreen. A 1 ms repeating timer on the GUI thread records when it
fires; a lag is how late each tick came. Each scenario is measured with the same timer:

- floor: a bare QApplication with an empty QMainWindow, idle, for the same time;
- locked keyring: a keyring whose reads take 1.5 s (an unlock prompt nobody answers); the user
  switches provider (the model list needs the key) and sends (the reply's client needs it);
- locked database: another program holds the database's write lock for 1.5 s while a reply
  streams (its recorder must wait) and the user's draft is saved once (the GUI's write waits
  for its short busy timeout, then gives up);
- slow shutdown: the window is closed while a reply waits on a server that accepted the request
  and never answers;
- flood: a server sends 200,000 one-character pieces as fast as the socket takes them.

Prints p50, p99 and max lag per scenario, with the floor's figures beside them. Target: p99 <= 16
ms in every scenario.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LOCK_SECONDS = 1.5
FLOOD_PIECES = 200_000
LAG_P99_TARGET_MS = 16.0


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class _LagMeter:
    """Records how late a 1 ms timer fires on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    @contextmanager
    def measuring(self) -> Iterator[None]:
        self.ticks.clear()
        self._timer.start()
        try:
            yield
        finally:
            self._timer.stop()

    def lags(self) -> list[float]:
        return [max(0.0, (b - a) * 1000 - 1.0) for a, b in itertools.pairwise(self.ticks)]


def _spin(seconds: float, until: Callable[[], bool] | None = None) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until is not None and until()):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def _install_slow_keyring(delay: float) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class SlowKeyring(KeyringBackend):
        priority = 1
        store: dict[tuple[str, str], str] = {}  # noqa: RUF012 - one per process

        def get_password(self, service: str, username: str) -> str | None:
            time.sleep(delay)  # an unlock prompt nobody answers yet
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    backend = SlowKeyring()
    backend.store[("desktop-chat", "bench")] = "sk-bench-0123456789"
    keyring.set_keyring(backend)


class _SilentServer:
    """Accepts connections, reads the request, and never answers."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._held.append(conn)

    def close(self) -> None:
        self._sock.close()
        for conn in self._held:
            conn.close()


class _FloodServer:
    """Answers every request with ``FLOOD_PIECES`` one-character deltas, written in big blocks."""

    def __init__(self) -> None:
        import json

        self._sock = socket.create_server(("127.0.0.1", 0))

        def event(text: str) -> str:
            return (
                f"data: {json.dumps({'choices': [{'index': 0, 'delta': {'content': text}}]})}\n\n"
            )

        pieces = [event("ab "[n % 3]) for n in range(FLOOD_PIECES)]
        pieces.append("data: [DONE]\n\n")
        self._body = "".join(pieces).encode()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                request = b""
                while b"\r\n\r\n" not in request:
                    request += conn.recv(65536)
                head, _, body = request.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                while len(body) < length:
                    body += conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Connection: close\r\n\r\n" + self._body
                )

    def close(self) -> None:
        self._sock.close()


def _window(workdir: Path, base_url: str, demo_url: str) -> Any:
    from desktop_chat.core.config.providers import config_from_preset
    from desktop_chat.core.config.secrets import SecretStore
    from desktop_chat.core.config.settings import Settings
    from desktop_chat.core.history.storage import open_storage
    from desktop_chat.ui.app.app import GUI_BUSY_TIMEOUT_MS
    from desktop_chat.ui.window.main_window import MainWindow

    path = workdir / "lag.sqlite3"
    storage = open_storage(path).storage
    storage.set_busy_timeout(GUI_BUSY_TIMEOUT_MS)
    keyed = config_from_preset("openai", provider_id="bench", name="Keyed")
    keyed.base_url, keyed.model = demo_url, "demo"
    silent = config_from_preset("vllm", provider_id="silent", name="Silent")
    silent.base_url, silent.model = base_url, "never"
    demo = config_from_preset("custom", provider_id="demo-like", name="Open")
    demo.base_url, demo.model = demo_url, "demo"
    settings = Settings(providers=[demo, keyed, silent], active_provider_id=demo.id)
    window = MainWindow(settings, storage, path, SecretStore(), save=False)
    window.show()
    _spin(0.3)
    return window


def _send(window: Any, text: str) -> None:
    window.composer.setPlainText(text)
    if not window.send_current():
        raise RuntimeError("the window did not send")


def _choose(window: Any, provider_id: str) -> None:
    index = window.provider_picker.findData(provider_id)
    window.provider_picker.setCurrentIndex(index)
    window.provider_picker.activated.emit(index)


def floor(meter: _LagMeter, seconds: float) -> list[float]:
    """A bare QMainWindow, idle."""
    from PySide6.QtWidgets import QMainWindow

    bare = QMainWindow()
    bare.show()
    with meter.measuring():
        _spin(seconds)
    bare.close()
    return meter.lags()


def locked_keyring(meter: _LagMeter, window: Any) -> list[float]:
    with meter.measuring():
        window.new_chat()
        _choose(window, "bench")  # the model list reads the key
        _send(window, "the key is read while the keyring is locked")
        _spin(LOCK_SECONDS * 2 + 3, until=lambda: not window.session.live_conversations)
    return meter.lags()


def locked_database(meter: _LagMeter, window: Any, path: Path) -> list[float]:
    import sqlite3

    window.new_chat()
    _choose(window, "demo-like")
    _send(window, "a reply streams while another program holds the database")
    conversation = window.session.conversation_id
    other = sqlite3.connect(path, isolation_level=None)
    with meter.measuring():
        other.execute("BEGIN IMMEDIATE")
        _spin(0.2)
        window.composer.setPlainText("a draft saved while the lock is held")
        window._on_draft_timer_timeout()
        _spin(LOCK_SECONDS - 0.2)
        other.execute("ROLLBACK")
        _spin(3, until=lambda: conversation not in window.session.live_conversations)
    other.close()
    return meter.lags()


def slow_shutdown(meter: _LagMeter, window: Any) -> list[float]:
    window.new_chat()
    _choose(window, "silent")
    _send(window, "a server that never answers")
    _spin(0.3)
    with meter.measuring():
        _spin(0.2)
        window.close()
        _spin(0.5)
    return meter.lags()


def flood(meter: _LagMeter, window: Any, base_url: str) -> list[float]:
    from desktop_chat.core.config.providers import config_from_preset

    provider = config_from_preset("custom", provider_id="flood", name="Flood")
    provider.base_url, provider.model = base_url, "flood"
    window.settings.providers.append(provider)
    window.new_chat()
    _choose(window, "flood")
    with meter.measuring():
        _send(window, "flood me")
        _spin(300, until=lambda: not window.session.live_conversations)
    return meter.lags()


def _row(name: str, lags: list[float], floor_p99: float) -> str:
    p99 = _percentile(lags, 0.99)
    ratio = p99 / floor_p99 if floor_p99 > 0 else float("nan")
    verdict = "ok" if p99 <= LAG_P99_TARGET_MS else "OVER"
    return (
        f"{name:<17} {len(lags):>6} {statistics.median(lags):>7.2f} {p99:>7.2f} "
        f"{max(lags):>8.1f} {ratio:>8.1f}x  {verdict}"
    )


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    workdir = Path(tempfile.mkdtemp(prefix="bench-lag-"))
    os.environ["DESKTOP_CHAT_HOME"] = str(workdir / "home")
    _install_slow_keyring(LOCK_SECONDS)
    from desktop_chat.core.client.demo_server import DemoServer
    from desktop_chat.ui.app.startup import make_application

    app = make_application(["bench_gui_lag"])
    meter = _LagMeter()
    silent = _SilentServer()
    flooding = _FloodServer()
    with DemoServer(pace=1.0) as demo:
        base_floor = floor(meter, LOCK_SECONDS * 2)
        window = _window(workdir, silent.base_url, demo.start())
        keyring_lags = locked_keyring(meter, window)
        database_lags = locked_database(meter, window, workdir / "lag.sqlite3")
        flood_lags = flood(meter, window, flooding.base_url)
        shutdown_lags = slow_shutdown(meter, window)
        storage = window.storage
        window.deleteLater()
        _spin(0.2)
        storage.close()
    silent.close()
    flooding.close()
    del app
    floor_p99 = _percentile(base_floor, 0.99)
    print(f"GUI loop lag in ms (1 ms timer), Python {sys.version.split()[0]}")
    print(f"{'scenario':<17} {'ticks':>6} {'p50':>7} {'p99':>7} {'max':>8} {'p99/floor':>9}")
    print(_row("floor (bare Qt)", base_floor, floor_p99))
    for name, lags in (
        ("locked keyring", keyring_lags),
        ("locked database", database_lags),
        ("slow shutdown", shutdown_lags),
        (f"flood {FLOOD_PIECES // 1000}k", flood_lags),
    ):
        print(_row(name, lags, floor_p99))
    scenarios = (keyring_lags, database_lags, shutdown_lags, flood_lags)
    worst = max(_percentile(lags, 0.99) for lags in scenarios)
    print(f"target: p99 <= {LAG_P99_TARGET_MS:g} ms in every scenario; worst p99 {worst:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
