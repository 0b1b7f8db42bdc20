"""A real, private Secret Service for tests: its own D-Bus session bus and GNOME Keyring.

``secret_service`` starts ``dbus-daemon --session`` and ``gnome-keyring-daemon --unlock
--components=secrets`` with HOME, XDG_DATA_HOME and XDG_RUNTIME_DIR in a fresh temporary folder,
points ``DBUS_SESSION_BUS_ADDRESS`` at the private bus and installs the ``SecretService`` keyring
backend for the test. Nothing touches the user's real keyring. Both daemons are stopped at teardown.

When the daemons cannot start the test is skipped, except under ``CI=true``, where it fails: the CI
image installs them, so their absence there is a defect, not a reason to skip::

    from tests.keyring_service import SecretServiceSession, secret_service  # noqa: F401

    def test_real_keyring(secret_service: SecretServiceSession) -> None:
        secret_service.backend.set_password("desktop-chat", "p", "value")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

__all__ = [
    "SecretServiceSession",
    "SecretServiceUnavailableError",
    "secret_service",
    "secret_service_session",
]

_START_TIMEOUT = 10.0


class SecretServiceUnavailableError(RuntimeError):
    """The private bus or keyring daemon could not be started."""


@dataclass(frozen=True, slots=True)
class SecretServiceSession:
    """A running private Secret Service.

    Attributes:
        bus_address: the private session bus (``DBUS_SESSION_BUS_ADDRESS``).
        root: the temporary folder holding the daemons' HOME and data.
        keyring_dir: where GNOME Keyring keeps its (encrypted) keyring files.
        backend: a ``keyring.backends.SecretService.Keyring`` bound to the private bus.
    """

    bus_address: str
    root: Path
    keyring_dir: Path
    backend: KeyringBackend


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_until_ready(
    backend: KeyringBackend, daemon: subprocess.Popen[bytes], login_keyring: Path
) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    # Asking for a secret before the daemon has made the login keyring from the password makes
    # the client create a new default collection, which stays locked: wait for the file first.
    while not login_keyring.exists():
        if daemon.poll() is not None or time.monotonic() > deadline:
            raise SecretServiceUnavailableError(
                f"gnome-keyring-daemon made no login keyring (status {daemon.poll()})"
            )
        time.sleep(0.02)
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise SecretServiceUnavailableError(
                f"gnome-keyring-daemon exited with status {daemon.returncode}"
            )
        try:
            backend.get_password("desktop-chat-test", "readiness-probe")
        except Exception as exc:  # noqa: BLE001 - the service is not on the bus yet
            last_error = exc
            time.sleep(0.05)
        else:
            return
    raise SecretServiceUnavailableError(f"the Secret Service did not answer: {last_error!r}")


@contextmanager
def secret_service_session(password: str = "test-password") -> Iterator[SecretServiceSession]:
    """Run a private bus and keyring daemon for the duration of the ``with`` block.

    The caller must make ``DBUS_SESSION_BUS_ADDRESS`` point at ``bus_address`` before using
    ``backend``; the fixture below does so.

    Raises:
        SecretServiceUnavailableError: a daemon is missing or did not start.
    """
    for program in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(program) is None:
            raise SecretServiceUnavailableError(f"{program} is not installed")
    # A short path: the daemons' Unix socket paths must stay under about 100 characters.
    root = Path(tempfile.mkdtemp(prefix="dc-keyring-"))
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    env = dict(
        os.environ,
        HOME=str(root),
        XDG_DATA_HOME=str(root / "data"),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_RUNTIME_DIR=str(runtime),
    )
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    processes: list[subprocess.Popen[bytes]] = []

    def cleanup() -> None:
        for process in reversed(processes):
            _stop(process)
            if process.stdout is not None:
                process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)

    try:
        session = _start(env, root, password, processes)
    except OSError as exc:
        cleanup()
        raise SecretServiceUnavailableError(f"a daemon could not be started: {exc}") from exc
    except BaseException:
        cleanup()
        raise
    try:
        yield session
    finally:
        cleanup()


def _start(
    env: dict[str, str], root: Path, password: str, processes: list[subprocess.Popen[bytes]]
) -> SecretServiceSession:
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    processes.append(bus)
    assert bus.stdout is not None
    address = bus.stdout.readline().decode().strip()
    if not address:
        raise SecretServiceUnavailableError("dbus-daemon printed no bus address")
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    processes.append(daemon)
    assert daemon.stdin is not None
    daemon.stdin.write(password.encode())
    daemon.stdin.close()
    from keyring.backends import SecretService

    previous_address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    try:
        backend = SecretService.Keyring()
        _wait_until_ready(backend, daemon, root / "data" / "keyrings" / "login.keyring")
    finally:
        if previous_address is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = previous_address
    return SecretServiceSession(address, root, root / "data" / "keyrings", backend)


@pytest.fixture
def secret_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretServiceSession]:
    """A private Secret Service, installed as the keyring backend for one test."""
    with ExitStack() as stack:
        try:
            session = stack.enter_context(secret_service_session())
        except SecretServiceUnavailableError as exc:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"the Secret Service test daemons did not start under CI: {exc}")
            pytest.skip(f"no Secret Service for this test: {exc}")
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.bus_address)
        stack.callback(keyring.set_keyring, keyring.get_keyring())
        keyring.set_keyring(session.backend)
        yield session
