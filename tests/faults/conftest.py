"""Fixtures for the fault suite: a scripted server that can also reset or vanish, a TLS server
with a self-signed certificate, and the real window with a short read timeout."""

from __future__ import annotations

import functools
import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_chat.core.chat import connection
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.history.storage import Storage, open_storage
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import Connection, Reply, ScriptedServer, json_reply

PROVIDER_ID = "faulty"
TEST_KEY = "sk-fault-0123456789abcdef"
#: Seconds of silence before the client gives up (kept short so stall faults end quickly).
READ_TIMEOUT = 0.5


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform warns on every window with a minimum size; that is not ours."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


@dataclass
class FaultReply(Reply):
    """A reply that may reset the connection before writing a single byte."""

    reset_first: bool = False


class FaultServer(ScriptedServer):
    """The scripted server plus a reset before the first byte (see :class:`FaultReply`)."""

    def _answer(self, sock: socket.socket, conn: Connection, reply: Reply) -> bool:
        if isinstance(reply, FaultReply) and reply.reset_first:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        return super()._answer(sock, conn, reply)


class TLSServer:
    """A loopback TLS listener with a self-signed certificate that no client trusts."""

    def __init__(self, folder: Path) -> None:
        cert, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-keyout", str(key), "-out", str(cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert, key)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="tls-server", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:<port>/v1``."""
        return f"https://127.0.0.1:{self.port}/v1"

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(2)
            try:
                with self._context.wrap_socket(sock, server_side=True):
                    pass  # the client refuses the certificate during the handshake
            except (OSError, ssl.SSLError):
                sock.close()

    def stop(self) -> None:
        """Stop listening and join the thread."""
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A started :class:`FaultServer`, stopped (threads joined) at teardown."""
    server = FaultServer()
    try:
        yield server
    finally:
        server.vanish.set()
        server.stop()


@pytest.fixture
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSServer]:
    """A TLS server on loopback whose certificate is self-signed."""
    server = TLSServer(tmp_path_factory.mktemp("tls"))
    yield server
    server.stop()


@pytest.fixture
def storage() -> Iterator[Storage]:
    """The conversation database in the test's home folder."""
    opened = open_storage(database_path())
    yield opened.storage
    opened.storage.close()


@pytest.fixture
def window(
    qtbot: QtBot, storage: Storage, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> MainWindow:
    """The main window talking to the fault server, with a read timeout of READ_TIMEOUT."""
    monkeypatch.setattr(
        connection,
        "make_client",
        functools.partial(connection.make_client, read_timeout=READ_TIMEOUT),
    )
    secrets = SecretStore()
    secrets.set(PROVIDER_ID, TEST_KEY)
    provider = ProviderConfig(
        id=PROVIDER_ID,
        name="Faulty",
        kind="custom",
        base_url=fault_server.base_url,
        model="test-model",
    )
    settings = Settings(providers=[provider], active_provider_id=PROVIDER_ID)
    fault_server.add(json_reply(200, {"data": [{"id": "test-model"}]}))
    main = MainWindow(settings, storage, database_path(), secrets, save=False)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitUntil(lambda: main.model_picker.count() == 1, timeout=3000)
    return main
