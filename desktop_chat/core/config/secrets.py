"""API keys in the system keyring, and nowhere else.

One keyring entry per provider: service ``desktop-chat``, user name the provider's id. When the
system offers no secure keyring (only ``keyring``'s fail or null backends, a plaintext
``keyrings.alt`` file, or a chain of those), keys are kept in this process's memory for the
session only and :attr:`SecretStore.is_secure` is False, with :attr:`SecretStore.explanation`
saying what that means. Nothing is ever written to a file of ours.

Every keyring failure becomes a :class:`~desktop_chat.core.errors.SecretStoreError` whose message
the user can act on; no message or log line ever contains a key.

``keyring`` is imported, and its backend chosen, on a store's first use, not when it is made:
choosing loads every backend plugin, which takes longer than painting the window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from desktop_chat.core.errors import SecretStoreError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = [
    "MEMORY_BACKEND_NAME",
    "SERVICE",
    "SecretStore",
    "backend_label",
    "forget_session_keys",
    "is_secure_backend",
]

SERVICE = "desktop-chat"
MEMORY_BACKEND_NAME = "in-memory (this session only)"

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

_INSECURE_CLASSES = frozenset({"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"})

_LABELS = {
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service (libsecret)",
    "keyring.backends.kwallet.DBusKeyring": "KDE Wallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KDE Wallet",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyring.backends.fail.Keyring": "no keyring",
    "keyring.backends.null.Keyring": "null keyring (stores nothing)",
}

# Keys kept for this session when no secure keyring exists; shared by every SecretStore in the
# process so that the window and a worker thread see the same keys.
_session_keys: dict[tuple[str, str], str] = {}
_session_lock = threading.Lock()


def forget_session_keys() -> None:
    """Drop every key kept in memory for this session (used when no secure keyring exists)."""
    with _session_lock:
        _session_keys.clear()


def _qualified_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _members(backend: KeyringBackend) -> list[KeyringBackend]:
    members = getattr(backend, "backends", None)
    return list(members) if isinstance(members, (list, tuple)) else []


def is_secure_backend(backend: KeyringBackend) -> bool:
    """True when ``backend`` keeps secrets encrypted by the system.

    The fail and null backends, every ``keyrings.alt`` backend (plaintext or weakly obscured
    files) and a chain holding none but those are insecure; anything else is trusted.
    """
    from keyring.backends.chainer import ChainerBackend  # noqa: PLC0415 - loaded with backend

    if isinstance(backend, ChainerBackend):
        return any(is_secure_backend(member) for member in _members(backend))
    name = _qualified_name(backend)
    return name not in _INSECURE_CLASSES and not name.startswith("keyrings.alt")


def backend_label(backend: KeyringBackend) -> str:
    """A name for ``backend`` a user recognises, such as "macOS Keychain"."""
    name = _qualified_name(backend)
    if name in _LABELS:
        return _LABELS[name]
    if name.startswith("keyrings.alt"):
        return f"plaintext file ({type(backend).__name__})"
    label = getattr(backend, "name", "")
    return label if isinstance(label, str) and label else type(backend).__name__


class _DeleteRefusedError(SecretStoreError):
    """The backend refused a deletion, which may just mean there was nothing to delete."""


def _pick_backend(backend: KeyringBackend) -> KeyringBackend | None:
    """The secure backend to talk to, or None; a chain is reduced to its best secure member.

    Writing through a chain could fall through to a plaintext member when the secure one fails,
    so the secure member is used directly.
    """
    from keyring.backends.chainer import ChainerBackend  # noqa: PLC0415 - loaded with backend

    if isinstance(backend, ChainerBackend):
        secure = [m for m in _members(backend) if is_secure_backend(m)]
        return max(secure, key=lambda m: float(getattr(m, "priority", 0)), default=None)
    return backend if is_secure_backend(backend) else None


class SecretStore:
    """Stores one API key per provider id in the system keyring.

    Args:
        service: the keyring service name.
        backend: the keyring backend to use (default: ``keyring.get_keyring()``).

    Attributes:
        backend_name: a human label for where keys go ("Secret Service", "macOS Keychain",
            "in-memory (this session only)" ...).
        is_secure: False when keys are only kept in memory for this session.
        explanation: one or two sentences for the settings screen about where keys are kept.
    """

    def __init__(self, service: str = SERVICE, backend: KeyringBackend | None = None) -> None:
        self.service = service
        self._given = backend
        self._lock = threading.Lock()
        self._chosen = False
        self._secure_backend: KeyringBackend | None = None
        self._backend_name = ""
        self._explanation = ""

    def __repr__(self) -> str:
        return f"SecretStore(service={self.service!r}, backend={self.backend_name!r})"

    @property
    def backend_name(self) -> str:
        """A human label for where keys go."""
        self._choose()
        return self._backend_name

    @property
    def is_secure(self) -> bool:
        """False when keys are only kept in memory for this session."""
        return self._backend is not None

    @property
    def explanation(self) -> str:
        """One or two sentences for the settings screen about where keys are kept."""
        self._choose()
        return self._explanation

    @property
    def _backend(self) -> KeyringBackend | None:
        self._choose()
        return self._secure_backend

    def _choose(self) -> None:
        """Import ``keyring`` and pick the backend, once (any thread may be first)."""
        with self._lock:
            if self._chosen:
                return
            import keyring  # noqa: PLC0415 - see the module docstring

            system = self._given if self._given is not None else keyring.get_keyring()
            backend = _pick_backend(system)
            if backend is not None:
                self._backend_name = backend_label(backend)
                self._explanation = (
                    f"API keys are stored in the system keyring ({self._backend_name})."
                )
            else:
                self._backend_name = MEMORY_BACKEND_NAME
                self._explanation = (
                    "No secure keyring is available on this computer (found: "
                    f"{backend_label(system)}), so API keys are kept in memory for this session "
                    "only and must be entered again after a restart. They are never written to "
                    "disk. To keep them, install and unlock a keyring such as GNOME Keyring or "
                    "KDE Wallet."
                )
            self._secure_backend = backend
            self._chosen = True

    def get(self, provider_id: str) -> str | None:
        """Return the key stored for ``provider_id``, or None when there is none.

        Raises:
            SecretStoreError: the keyring is locked or refused.
        """
        with _session_lock:
            kept = _session_keys.get((self.service, provider_id))
        if kept is not None or self._backend is None:
            return kept
        backend = self._backend
        value = self._call("read", lambda: backend.get_password(self.service, provider_id))
        return value if isinstance(value, str) and value else None

    def set(self, provider_id: str, key: str) -> None:
        """Store ``key`` for ``provider_id``; an empty key deletes the entry.

        Raises:
            SecretStoreError: the keyring is locked or refused (the message never holds the key).
        """
        if not key:
            self.delete(provider_id)
            return
        if self._backend is None:
            with _session_lock:
                _session_keys[(self.service, provider_id)] = key
            return
        backend = self._backend
        self._call("save", lambda: backend.set_password(self.service, provider_id, key), key)
        with _session_lock:  # the keyring holds it now: a key kept for the session is stale
            _session_keys.pop((self.service, provider_id), None)
        _log.debug("stored the key of provider %s in %s", provider_id, self.backend_name)

    def keep_for_session(self, provider_id: str, key: str) -> None:
        """Keep ``key`` in this process's memory only, when the keyring cannot take it.

        It is used until the application ends (before anything the keyring holds) and is never
        written anywhere; :meth:`set` and :meth:`delete` drop it.
        """
        with _session_lock:
            _session_keys[(self.service, provider_id)] = key

    def kept_for_session(self, provider_id: str) -> bool:
        """Whether the key of ``provider_id`` is kept in memory for this session only."""
        with _session_lock:
            return (self.service, provider_id) in _session_keys

    def delete(self, provider_id: str) -> None:
        """Remove the key of ``provider_id``; nothing happens when there is none.

        Raises:
            SecretStoreError: the keyring is locked or refused.
        """
        with _session_lock:
            _session_keys.pop((self.service, provider_id), None)
        if self._backend is None:
            return
        backend = self._backend
        try:
            self._call("delete", lambda: backend.delete_password(self.service, provider_id))
        except _DeleteRefusedError:
            # Backends report "no such entry" with PasswordDeleteError; only a key that is still
            # there is a failure.
            if self.get(provider_id) is not None:
                raise

    def _call(self, action: str, call: Callable[[], _T], secret: str = "") -> _T:
        """Run one keyring call, turning any failure into a SecretStoreError.

        The error is raised outside the ``except`` block so that it carries no reference to the
        original exception (whose text might quote the key).
        """
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - keyring plugins raise more than KeyringError
            error = self._error(action, exc, secret)
        raise error

    def _error(self, action: str, exc: BaseException, secret: str) -> SecretStoreError:
        import keyring.errors  # noqa: PLC0415 - loaded with the backend that raised

        _log.warning("keyring %s failed: %s", action, type(exc).__name__)
        where = f"the system keyring ({self.backend_name})"
        if isinstance(exc, keyring.errors.KeyringLocked):
            return SecretStoreError(
                f"Could not {action} the API key: {where} is locked. Unlock it (for example from "
                "your desktop's password manager) and try again."
            )
        if isinstance(exc, keyring.errors.InitError):
            return SecretStoreError(
                f"Could not {action} the API key: {where} could not be opened"
                f"{_detail(exc, secret)}. If it asked for a password, unlock it and try again."
            )
        kind = (
            _DeleteRefusedError
            if isinstance(exc, keyring.errors.PasswordDeleteError)
            else SecretStoreError
        )
        return kind(
            f"Could not {action} the API key in {where}{_detail(exc, secret)}. "
            "Check that the keyring is running and unlocked, then try again."
        )


def _detail(exc: BaseException, secret: str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if not text or (secret and secret in text) or len(text) > 200:
        return f" ({type(exc).__name__})"
    return f" ({text.rstrip('.').strip()})"  # "Prompt dismissed.." would read "..)."
