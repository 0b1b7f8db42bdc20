"""``desktop-chat provider add`` and ``provider list``, in-process, on real settings files."""

from __future__ import annotations

import io
import json

import keyring
import pytest
from keyring.backends import fail

from desktop_chat.__main__ import main
from desktop_chat.core.config.paths import settings_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import load_settings
from tests.memory_keyring import MemoryKeyring

KEY = "sk-cli-0123456789abcdef"


def test_add_with_a_key_stores_it_in_the_keyring_only(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    code = main(
        [
            "provider",
            "add",
            "Work",
            "--base-url",
            "https://api.groq.com/openai/v1",
            "--api-key-stdin",
            "--model",
            "llama-3",
        ]
    )
    assert code == 0
    assert "Added Work" in capsys.readouterr().out
    settings = load_settings().settings
    added = settings.providers[-1]
    assert (added.name, added.kind, added.model) == ("Work", "groq", "llama-3")
    assert settings.active_provider_id == added.id  # new chats use it
    assert SecretStore().get(added.id) == KEY
    assert KEY not in settings_path().read_text(encoding="utf-8")
    assert memory_keyring.get_password("desktop-chat", added.id) == KEY


def test_list_marks_the_provider_new_chats_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["provider", "add", "Local", "--base-url", "http://127.0.0.1:8080/v1"]) == 0
    capsys.readouterr()
    assert main(["provider", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("  Demo (offline)")
    assert lines[1].startswith("* Local")
    assert "http://127.0.0.1:8080/v1" in lines[1]
    assert main(["provider", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(row["name"], row["kind"], row["active"]) for row in rows] == [
        ("Demo (offline)", "demo", False),
        ("Local", "llamacpp", True),
    ]


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["Demo (offline)", "--base-url", "http://127.0.0.1:1/v1"], "exists already"),
        (["X", "--base-url", "ftp://example.com"], "must start with https://"),
        (["X", "--base-url", "https://h/v1/chat/completions"], "Leave out /chat/completions"),
        (["  ", "--base-url", "https://h/v1"], "needs a name"),
    ],
)
def test_add_refuses_what_cannot_work_and_saves_nothing(
    capsys: pytest.CaptureFixture[str], arguments: list[str], words: str
) -> None:
    assert main(["provider", "add", *arguments]) == 1
    assert words in capsys.readouterr().err
    assert not settings_path().exists()


def test_a_key_is_never_saved_without_a_secure_keyring(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY))
    code = main(["provider", "add", "W", "--base-url", "https://h/v1", "--api-key-stdin"])
    assert code == 1
    assert "the key was not stored" in capsys.readouterr().err
    assert not settings_path().exists()


def test_an_empty_or_endless_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for given, words in (("\n", "no API key"), ("k" * 5000, "longer than")):
        monkeypatch.setattr("sys.stdin", io.StringIO(given))
        code = main(["provider", "add", "W", "--base-url", "https://h/v1", "--api-key-stdin"])
        assert code == 1
        assert words in capsys.readouterr().err
    assert not settings_path().exists()
