"""SecretStore over keyring: secure-backend detection, session-only fallback, error sentences."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, Windows, chainer, fail, kwallet, macOS, null

from desktop_chat.core.config.secrets import (
    MEMORY_BACKEND_NAME,
    SecretStore,
    backend_label,
    forget_session_keys,
    is_secure_backend,
)
from desktop_chat.core.errors import SecretStoreError
from tests.memory_keyring import MemoryKeyring

KEY = "sk-test-0123456789abcdef-SECRET"


@pytest.fixture(autouse=True)
def _fresh_session_keys() -> Iterator[None]:
    forget_session_keys()
    yield
    forget_session_keys()


class PlaintextKeyring(MemoryKeyring):
    """Stands for a keyrings.alt backend: classified by its module, as the real ones are."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


class FixedChain(chainer.ChainerBackend):
    """A chainer whose members are given, instead of discovered from the system."""

    backends: ClassVar[list[KeyringBackend]] = []


class RefusingKeyring(KeyringBackend):
    """A backend whose every call fails with the given keyring error."""

    priority = 1

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


def _files_containing(folder: Path, text: str) -> list[Path]:
    return [
        path for path in folder.rglob("*") if path.is_file() and text.encode() in path.read_bytes()
    ]


def test_round_trip_in_a_secure_backend(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    assert store.is_secure
    assert store.get("openai") is None
    store.set("openai", KEY)
    assert memory_keyring.passwords == {("desktop-chat", "openai"): KEY}
    assert store.get("openai") == KEY
    assert SecretStore().get("openai") == KEY
    store.delete("openai")
    assert store.get("openai") is None
    assert memory_keyring.passwords == {}


def test_deleting_a_missing_key_is_quiet(memory_keyring: MemoryKeyring) -> None:
    SecretStore().delete("never-stored")


def test_setting_an_empty_key_deletes(memory_keyring: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("p", KEY)
    store.set("p", "")
    assert store.get("p") is None
    assert memory_keyring.passwords == {}


def test_keys_are_per_provider_and_per_service(memory_keyring: MemoryKeyring) -> None:
    SecretStore().set("a", "key-a")
    SecretStore(service="other-app").set("a", "key-other")
    SecretStore().set("b", "key-b")
    assert SecretStore().get("a") == "key-a"
    assert SecretStore(service="other-app").get("a") == "key-other"
    assert SecretStore().get("b") == "key-b"


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), PlaintextKeyring()])
def test_insecure_backends_fall_back_to_session_memory(
    backend: KeyringBackend, app_home: Path
) -> None:
    keyring.set_keyring(backend)
    store = SecretStore()
    assert not store.is_secure
    assert store.backend_name == MEMORY_BACKEND_NAME
    assert "this session only" in store.explanation
    assert "never written to disk" in store.explanation
    store.set("openai", KEY)
    assert store.get("openai") == KEY
    assert SecretStore().get("openai") == KEY  # another store in the same session sees it
    if isinstance(backend, MemoryKeyring):
        assert backend.passwords == {}  # the plaintext backend was never written to
    assert _files_containing(app_home, KEY) == []
    store.delete("openai")
    assert store.get("openai") is None


def test_no_keyring_writes_nothing_under_the_app_home(app_home: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    store = SecretStore()
    store.set("groq", KEY)
    from desktop_chat.core.config.paths import app_paths
    from desktop_chat.core.config.settings import Settings, save_settings

    app_paths()
    save_settings(Settings())
    assert any(path.is_file() for path in app_home.rglob("*"))
    assert _files_containing(app_home, KEY) == []
    forget_session_keys()
    assert SecretStore().get("groq") is None


def test_explanation_names_what_was_found() -> None:
    keyring.set_keyring(fail.Keyring())
    assert "found: no keyring" in SecretStore().explanation
    keyring.set_keyring(PlaintextKeyring())
    assert "plaintext file" in SecretStore().explanation
    keyring.set_keyring(MemoryKeyring())
    assert SecretStore().explanation.startswith("API keys are stored in the system keyring")


def test_a_chain_without_a_secure_member_is_insecure() -> None:
    FixedChain.backends = [fail.Keyring(), PlaintextKeyring()]
    assert not is_secure_backend(FixedChain())
    FixedChain.backends = []
    assert not is_secure_backend(FixedChain())


def test_a_chain_writes_only_to_its_secure_member() -> None:
    plaintext, secure = PlaintextKeyring(), MemoryKeyring()
    FixedChain.backends = [plaintext, secure]
    keyring.set_keyring(FixedChain())
    store = SecretStore()
    assert store.is_secure
    store.set("p", KEY)
    assert secure.passwords == {("desktop-chat", "p"): KEY}
    assert plaintext.passwords == {}


@pytest.mark.parametrize(
    ("backend", "label"),
    [
        (SecretService.Keyring(), "Secret Service"),
        (macOS.Keyring(), "macOS Keychain"),
        (Windows.WinVaultKeyring(), "Windows Credential Manager"),
        (kwallet.DBusKeyring(), "KDE Wallet"),
        (null.Keyring(), "null keyring (stores nothing)"),
        (PlaintextKeyring(), "plaintext file (PlaintextKeyring)"),
    ],
)
def test_backend_labels(backend: KeyringBackend, label: str) -> None:
    assert backend_label(backend) == label


def test_secure_backend_label_is_shown() -> None:
    keyring.set_keyring(SecretService.Keyring())
    store = SecretStore()
    assert (store.backend_name, store.is_secure) == ("Secret Service", True)
    assert "Secret Service" in store.explanation
    assert "Secret Service" in repr(store)


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (keyring.errors.KeyringLocked("Failed to unlock the collection!"), "is locked. Unlock it"),
        (keyring.errors.InitError("Prompt dismissed."), "Prompt dismissed"),
        (keyring.errors.PasswordSetError("refused"), "Check that the keyring is running"),
        (keyring.errors.KeyringError(), "(KeyringError)"),
        (RuntimeError("D-Bus went away"), "D-Bus went away"),
    ],
)
def test_keyring_failures_become_plain_sentences(
    error: Exception, fragment: str, caplog: pytest.LogCaptureFixture
) -> None:
    keyring.set_keyring(RefusingKeyring(error))
    store = SecretStore()
    caplog.set_level(logging.DEBUG)
    for action, call in (
        ("save", lambda: store.set("p", KEY)),
        ("read", lambda: store.get("p")),
        ("delete", lambda: store.delete("p")),
    ):
        with pytest.raises(SecretStoreError) as caught:
            call()
        message = str(caught.value)
        assert message.startswith(f"Could not {action} the API key")
        assert fragment in message
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None  # the original, which may quote the key, is gone
    assert KEY not in caplog.text


def test_an_error_that_quotes_the_key_is_not_repeated() -> None:
    keyring.set_keyring(RefusingKeyring(keyring.errors.PasswordSetError(f"bad value {KEY}")))
    with pytest.raises(SecretStoreError) as caught:
        SecretStore().set("p", KEY)
    assert KEY not in str(caught.value)
    assert KEY not in repr(caught.value)
    assert "(PasswordSetError)" in str(caught.value)


def test_failed_delete_of_a_key_that_is_still_there_is_reported() -> None:
    class StickyKeyring(MemoryKeyring):
        def delete_password(self, service: str, username: str) -> None:
            raise keyring.errors.PasswordDeleteError("permission denied")

    sticky = StickyKeyring()
    sticky.passwords[("desktop-chat", "p")] = KEY
    keyring.set_keyring(sticky)
    with pytest.raises(SecretStoreError, match="Could not delete the API key"):
        SecretStore().delete("p")


def test_store_can_be_given_a_backend_explicitly() -> None:
    backend = MemoryKeyring()
    SecretStore(backend=backend).set("p", KEY)
    assert backend.passwords == {("desktop-chat", "p"): KEY}


def test_a_key_the_keyring_refuses_can_be_kept_for_the_session(
    app_home: Path,
) -> None:
    keyring.set_keyring(RefusingKeyring(keyring.errors.InitError("Prompt dismissed..")))
    store = SecretStore()
    with pytest.raises(SecretStoreError) as caught:
        store.set("p", KEY)
    assert "(Prompt dismissed)." in caught.value.message  # not "(Prompt dismissed..)."
    store.keep_for_session("p", KEY)
    assert store.kept_for_session("p")
    assert store.get("p") == KEY  # no keyring read: it would fail again
    assert SecretStore().get("p") == KEY  # another store of this process sees it too
    with pytest.raises(SecretStoreError):
        store.delete("p")  # the keyring still refuses...
    assert not store.kept_for_session("p")  # ...but the session's key is gone
    assert _files_containing(app_home, KEY) == []


def test_a_key_the_keyring_takes_later_replaces_the_session_one(
    memory_keyring: MemoryKeyring,
) -> None:
    store = SecretStore()
    store.keep_for_session("p", "sk-session-only-0123456789")
    store.set("p", KEY)
    assert not store.kept_for_session("p")
    assert store.get("p") == KEY
    assert memory_keyring.passwords == {("desktop-chat", "p"): KEY}
