"""SecretStore against a real Secret Service (GNOME Keyring on a private D-Bus session)."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

import pytest

from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings, save_settings
from desktop_chat.core.errors import SecretStoreError
from tests.keyring_service import SecretServiceSession, secret_service

__all__ = ["secret_service"]

KEY = "sk-real-keyring-7f3a9c1e5b"


def _files_containing(folder: Path, text: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_store_read_delete_in_gnome_keyring(
    secret_service: SecretServiceSession, app_home: Path
) -> None:
    store = SecretStore()
    assert store.is_secure
    assert store.backend_name == "Secret Service"
    store.set("openai", KEY)
    assert SecretStore().get("openai") == KEY
    assert secret_service.backend.get_password("desktop-chat", "openai") == KEY
    save_settings(Settings())

    # The key went into the keyring's file, encrypted; none of our files holds it.
    keyring_files = list(secret_service.keyring_dir.glob("*.keyring"))
    assert keyring_files
    assert _files_containing(secret_service.keyring_dir, KEY) == []
    assert (app_home / "config" / "settings.json").exists()
    assert _files_containing(app_home, KEY) == []

    store.delete("openai")
    assert store.get("openai") is None
    assert secret_service.backend.get_password("desktop-chat", "openai") is None
    store.delete("openai")  # deleting again is quiet


def test_keys_of_two_providers_stay_apart(secret_service: SecretServiceSession) -> None:
    store = SecretStore()
    store.set("a", "key-for-a")
    store.set("b", "key-for-b")
    assert (store.get("a"), store.get("b")) == ("key-for-a", "key-for-b")
    store.set("a", "key-for-a-2")
    assert store.get("a") == "key-for-a-2"


def test_a_locked_keyring_gives_an_actionable_error(
    secret_service: SecretServiceSession, caplog: pytest.LogCaptureFixture
) -> None:
    import secretstorage

    store = SecretStore()
    store.set("p", KEY)
    connection = secretstorage.dbus_init()
    try:
        secretstorage.get_default_collection(connection).lock()
    finally:
        connection.close()
    for call in (lambda: store.set("p", KEY + "-new"), lambda: store.get("p")):
        with pytest.raises(SecretStoreError) as caught:
            call()
        assert "is locked. Unlock it" in str(caught.value)
        assert KEY not in str(caught.value)
        # keyring's SecretService backend leaves its D-Bus connection open when the collection
        # is locked (get_preferred_collection raises before closing it); the traceback holds
        # it, so drop it before finalising those sockets below.
        del caught
    assert KEY not in caplog.text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
