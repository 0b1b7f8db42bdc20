"""The API key never leaves the keyring and the request header.

A distinctive fake key goes through everything the app does with a provider: keyring, settings,
successful chats, every failure a server can produce (some echoing the key back), the database,
every export format, the command line, and DEBUG logging of httpx and httpcore. Then every file
under ``DESKTOP_CHAT_HOME``, every export, every error, every log record and all captured output
is searched for the key, for any ten characters of its random part, and for its UTF-16 and
base64 forms.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_chat.core.chat.turns import Turn
from desktop_chat.core.client.api import ChatClient
from desktop_chat.core.config.paths import app_paths, database_path, settings_path
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings, load_settings, save_settings
from desktop_chat.core.errors import ApiError, DesktopChatError, SecretStoreError
from desktop_chat.core.history.storage import Storage, open_storage
from desktop_chat.core.transfer.export import write_export
from desktop_chat.ui.common.error_text import describe_error
from desktop_chat.ui.transcript.message_view import MessageView
from desktop_chat.ui.transfer.pdf_export import write_pdf
from desktop_chat.ui.workers.streamer import Streamer
from tests.ports import refused_port
from tests.scripted_server import (
    Reply,
    ScriptedServer,
    chunk_json,
    json_reply,
    sse_event,
    sse_reply,
)
from tests.security.leakcheck import LeakCheck, make_key

PROVIDER_ID = "leak-test"
MESSAGES = [{"role": "user", "content": "Say hello."}]
REPO = Path(__file__).parents[2]


class _RecordList(logging.Handler):
    """Keeps every record, formatted with its traceback, for the search."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)
        self.records.append(record)


@pytest.fixture
def debug_logging(app_home: Path) -> Iterator[tuple[Path, _RecordList]]:
    """The root logger at DEBUG into a file under DESKTOP_CHAT_HOME, httpx and httpcore included."""
    log_file = app_home / "logs" / "debug.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    file_handler = logging.FileHandler(log_file, encoding="utf-8")
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s %(args)s")
    )
    records = _RecordList()
    root = logging.getLogger()
    named = [logging.getLogger(name) for name in ("httpx", "httpcore", "desktop_chat", "keyring")]
    saved = [(logger, logger.level) for logger in [root, *named]]
    root.addHandler(file_handler)
    root.addHandler(records)
    for logger, _level in saved:
        logger.setLevel(logging.DEBUG)
    yield log_file, records
    root.removeHandler(file_handler)
    root.removeHandler(records)
    file_handler.close()
    for logger, level in saved:
        logger.setLevel(level)


def _refused_url() -> str:
    """The base URL of a port on which nothing listens."""
    port = refused_port()
    return f"http://127.0.0.1:{port}/v1"


def _html(status_line: str, text: str) -> Reply:
    page = f"<html><head><title>{status_line}</title></head><body><h1>{status_line}</h1>{text}"
    code = int(status_line.split(maxsplit=1)[0])
    return Reply(code, [("Content-Type", "text/html")], [(page + "</body></html>").encode()])


def failing_replies(key: str) -> dict[str, Reply]:
    """Server replies that fail, most of them quoting the key back as careless servers do."""
    echo = f"Authorization: Bearer {key}"
    # Puts the key across the 200-character cut of the body snippet in the error message.
    straddle = "x" * 157
    return {
        "401-json-echo": json_reply(
            401,
            {
                "error": {
                    "message": f"Incorrect API key provided: {key}. Header was '{echo}'.",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            },
        ),
        "401-html-echo": _html("401 Unauthorized", f"<p>{echo}</p>"),
        "401-html-echo-at-snippet-end": Reply(
            401, [("Content-Type", "text/html")], [f"<p>{straddle} {echo}</p>".encode()]
        ),
        "401-text-echo-at-snippet-end": Reply(
            401, [("Content-Type", "text/plain")], [f"{straddle} {echo} rejected".encode()]
        ),
        "403-json-detail-echo": json_reply(403, {"detail": f"key {key} may not use this model"}),
        "429-json-echo": json_reply(
            429, {"error": {"message": f"Rate limit for {key}", "type": "rate_limit"}}
        ),
        "500-json-echo": json_reply(500, {"error": {"message": f"internal error for {echo}"}}),
        "502-html": _html("502 Bad Gateway", f"<p>nginx: upstream refused {echo}</p>"),
        "200-html-page-echo": _html("200 OK", f"<p>Welcome, {echo}</p>"),
        "stream-error-event-echo": sse_reply(
            chunks=[
                sse_event(chunk_json({"content": "Hel"})),
                sse_event({"error": {"message": f"key {key} revoked mid-stream"}}),
            ]
        ),
        "stream-error-frame-echo": sse_reply(
            chunks=[
                sse_event(chunk_json({"content": "Hel"})),
                sse_event(f"upstream said: {echo}", event="error"),
            ]
        ),
        "stream-dropped": sse_reply(["Hel", "lo"], finish_reason=None, done=False, ending="reset"),
    }


JSON_FAILURES = [name for name in failing_replies("sk-x") if not name.startswith("stream")]


@dataclass
class Exchange:
    """One exchange as the window runs it: the real streamer, recorder and error banner."""

    message_id: int
    error: ApiError | None
    banner: str


def run_chat(
    qtbot: QtBot,
    client: ChatClient,
    storage: Storage,
    conversation_id: int,
    parent_id: int | None,
) -> Exchange:
    """Stream a reply through ``Streamer`` (which closes ``client``) and show any error."""
    user = storage.add_message(conversation_id, parent_id, "user", MESSAGES[0]["content"])
    reply = storage.add_message(conversation_id, user.id, "assistant", status="streaming")
    turn = Turn(conversation_id, user, reply, list(MESSAGES), "test-model", {})
    streamer = Streamer(turn, lambda: client, database=database_path())
    failures: list[object] = []
    streamer.failed.connect(failures.append, Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(streamer.finished, timeout=30_000):
        streamer.start()
    streamer.wait()
    error = failures[0] if failures else None
    assert error is None or isinstance(error, ApiError)
    banner = ""
    if error is not None:
        logging.getLogger("desktop_chat.test").warning("reply failed: %s", error, exc_info=error)
        view = MessageView("assistant", reply.id)
        qtbot.addWidget(view)
        view.show_error(describe_error(error))
        banner = view.error_text()
    return Exchange(reply.id, error, banner)


def _scan_tree(check: LeakCheck, label: str, root: Path) -> int:
    files = [path for path in sorted(root.rglob("*")) if path.is_file()]
    for path in files:
        check.scan_compressed(f"{label} {path.relative_to(root)}", path.read_bytes())
    return len(files)


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", *arguments],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        check=False,
    )


def _chat_through_every_failure(
    qtbot: QtBot, server: ScriptedServer, storage: Storage, conversation_id: int, key: str
) -> tuple[list[tuple[str, BaseException]], list[tuple[str, str]]]:
    """A good reply, then every failure the server can send, as the window meets them.

    Returns:
        The errors raised, and the error banners the window showed, each with its name.
    """
    errors: list[tuple[str, BaseException]] = []
    banners: list[tuple[str, str]] = []
    with ChatClient(server.base_url, key) as client:
        server.add(json_reply(200, {"data": [{"id": "test-model"}]}))
        assert client.list_models() == ["test-model"]
        server.add(
            json_reply(
                200,
                {"choices": [{"message": {"content": "Plain reply."}, "finish_reason": "stop"}]},
            )
        )
        assert client.complete("test-model", MESSAGES).text == "Plain reply."
        # The failures that are not streams, through a plain JSON request (the model list).
        for name in JSON_FAILURES:
            server.add(failing_replies(key)[name])
            with pytest.raises(ApiError) as caught:
                client.list_models()
            errors.append((f"list_models {name}", caught.value))
    server.add(sse_reply(["Hello", " there"], usage={"prompt_tokens": 3, "completion_tokens": 2}))
    good = run_chat(qtbot, ChatClient(server.base_url, key), storage, conversation_id, None)
    assert good.error is None
    parent: int | None = good.message_id
    attempts: list[tuple[str, str, Reply | None]] = [
        (name, server.base_url, reply) for name, reply in failing_replies(key).items()
    ]
    attempts.append(("connect-refused", _refused_url(), None))
    for name, url, reply in attempts:
        if reply is not None:
            server.add(reply)
        failed = run_chat(qtbot, ChatClient(url, key), storage, conversation_id, parent)
        assert failed.error is not None, name
        assert failed.banner, name
        errors.append((name, failed.error))
        banners.append((name, failed.banner))
        parent = failed.message_id
    return errors, banners


@pytest.mark.slow
def test_a_full_run_leaves_the_key_nowhere(
    scripted_server: ScriptedServer,
    tmp_path: Path,
    debug_logging: tuple[Path, _RecordList],
    capfd: pytest.CaptureFixture[str],
    qtbot: QtBot,
) -> None:
    key = make_key()
    check = LeakCheck(key)
    log_file, records = debug_logging
    app_home = Path(os.environ["DESKTOP_CHAT_HOME"])

    # The key goes into the keyring; the settings name the provider but never hold a key.
    SecretStore().set(PROVIDER_ID, key)
    provider = ProviderConfig(
        id=PROVIDER_ID,
        name="Leak test",
        kind="custom",
        base_url=scripted_server.base_url,
        model="test-model",
    )
    save_settings(Settings(providers=[provider], active_provider_id=PROVIDER_ID))
    assert load_settings().settings.active_provider_id == PROVIDER_ID
    stored_key = SecretStore().get(PROVIDER_ID)
    assert stored_key == key

    storage = open_storage(database_path()).storage
    conversation = storage.create_conversation("Leak check", PROVIDER_ID, "test-model")
    errors, banners = _chat_through_every_failure(
        qtbot, scripted_server, storage, conversation.id, stored_key
    )
    # Every request really carried the key, so there was something to leak.
    assert all(r.headers.get("authorization") == f"Bearer {key}" for r in scripted_server.requests)

    # Every export format, PDF included, from what the database now holds.
    exports = tmp_path / "exports"
    messages = storage.conversation_messages(conversation.id)
    stored = storage.get_conversation(conversation.id)
    assert stored is not None
    assert len(messages) == 2 * (len(failing_replies(key)) + 2)
    for fmt in ("md", "txt", "json", "html", "pdf"):
        write_export([(stored, messages)], fmt, exports / f"leak.{fmt}", pdf_writer=write_pdf)
    pdf_text = _pdf_text(exports / "leak.pdf")
    assert "Hello there" in pdf_text  # the PDF's text is readable, so searching it means something
    check.scan("PDF text", pdf_text)
    storage.close()

    # The command line, in its own process, on the same home folder.
    runs = [
        _cli("list"),
        _cli("list", "--json"),
        *(
            _cli("export", "--all", "--format", fmt, "-o", str(tmp_path / "cli" / fmt))
            for fmt in ("md", "txt", "json", "html", "pdf")
        ),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        check.scan(f"CLI {run.args[3:]} stdout", run.stdout)
        check.scan(f"CLI {run.args[3:]} stderr", run.stderr)
    assert "Leak check" in runs[0].stdout

    for name, caught in errors:
        check.scan_exception(f"error {name}", caught)
    for name, banner in banners:
        check.scan(f"error banner {name}", banner)
    for handler in logging.getLogger().handlers:
        handler.flush()
    for record in records.records:
        check.scan(f"log record {record.name}", f"{record.getMessage()} {record.args!r}")
        check.scan(f"log record {record.name} traceback", record.exc_text)
    assert log_file.stat().st_size > 0
    assert any(record.name.startswith("httpcore") for record in records.records)
    files = _scan_tree(check, "file", app_home)
    assert settings_path().is_file()
    assert database_path().is_file()
    assert files >= 3
    _scan_tree(check, "export", exports)
    _scan_tree(check, "CLI export", tmp_path / "cli")
    check.scan("CLI PDF text", _pdf_text(tmp_path / "cli" / "pdf"))
    captured = capfd.readouterr()
    check.scan("stdout", captured.out)
    check.scan("stderr", captured.err)
    assert check.where == [], "\n".join(check.where)


@pytest.mark.parametrize("name", list(failing_replies("sk-x")))
def test_no_error_carries_the_key(scripted_server: ScriptedServer, name: str) -> None:
    key = make_key()
    check = LeakCheck(key)
    scripted_server.add(failing_replies(key)[name])
    with ChatClient(scripted_server.base_url, key) as client, pytest.raises(ApiError) as caught:
        list(client.stream_chat("test-model", MESSAGES))
    check.scan_exception(name, caught.value)
    assert check.where == [], "\n".join(check.where)


@pytest.mark.parametrize("name", JSON_FAILURES)
def test_no_error_of_a_json_request_carries_the_key(
    scripted_server: ScriptedServer, name: str
) -> None:
    key = make_key()
    check = LeakCheck(key)
    scripted_server.add(failing_replies(key)[name])
    with ChatClient(scripted_server.base_url, key) as client, pytest.raises(ApiError) as caught:
        client.list_models()
    check.scan_exception(name, caught.value)
    assert check.where == [], "\n".join(check.where)


def test_the_api_key_header_style_does_not_leak_either(scripted_server: ScriptedServer) -> None:
    key = make_key()
    check = LeakCheck(key)
    scripted_server.add(json_reply(401, {"error": {"message": f"api-key {key} is not valid"}}))
    with (
        ChatClient(scripted_server.base_url, key, auth_style="api-key") as client,
        pytest.raises(ApiError) as caught,
    ):
        list(client.stream_chat("test-model", MESSAGES))
    assert scripted_server.requests[0].headers["api-key"] == key
    check.scan_exception("api-key", caught.value)
    assert check.where == [], "\n".join(check.where)


class _ChattyFailingKeyring(KeyringBackend):
    """A keyring whose errors quote the secret they were given, as some plugins do."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError(f"cannot read {service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError(f"refused to store {password!r} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError(f"cannot delete {username}")


def test_a_keyring_error_quoting_the_key_does_not_pass_it_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = make_key()
    check = LeakCheck(key)
    caplog.set_level(logging.DEBUG)
    keyring.set_keyring(_ChattyFailingKeyring())
    with pytest.raises(SecretStoreError) as caught:
        SecretStore().set(PROVIDER_ID, key)
    check.scan_exception("keyring", caught.value)
    for record in caplog.records:
        check.scan("log", record.getMessage())
    assert check.where == [], "\n".join(check.where)
    assert isinstance(caught.value, DesktopChatError)


def test_the_key_is_kept_in_no_file_of_ours(app_home: Path) -> None:
    key = make_key()
    check = LeakCheck(key)
    store = SecretStore()
    store.set(PROVIDER_ID, key)
    save_settings(
        Settings(
            providers=[
                ProviderConfig(id=PROVIDER_ID, name="p", kind="custom", base_url="http://x/v1")
            ],
            active_provider_id=PROVIDER_ID,
        )
    )
    app_paths().ensure()
    assert store.get(PROVIDER_ID) == key
    assert _scan_tree(check, "file", app_home) >= 1
    assert check.where == [], "\n".join(check.where)
