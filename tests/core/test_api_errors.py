"""Every failure becomes the right typed error with a message a user can act on."""

from __future__ import annotations

import email.utils
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_chat.core.chat.advice import describe_error
from desktop_chat.core.client.api import ChatClient, ContentDelta
from desktop_chat.core.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConnectError,
    ContextLengthError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StreamInterrupted,
    StreamStalled,
    UnexpectedResponseError,
)
from tests.ports import refused_port
from tests.scripted_server import Reply, ScriptedServer, json_reply, sse_chunks, sse_reply

MESSAGES = [{"role": "user", "content": "Hi"}]
KEY = "sk-very-secret-key-123"


def stream_error(client: ChatClient) -> ApiError:
    with pytest.raises(ApiError) as info:
        list(client.stream_chat("test-model", MESSAGES))
    return info.value


def failure(server: ScriptedServer, *replies: Reply, **options: Any) -> ApiError:
    server.add(*replies)
    with ChatClient(server.base_url, KEY, **options) as client:
        return stream_error(client)


def error_body(message: str, code: str | None = None, type_: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "code": code, "param": None}}


def test_401(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, json_reply(401, error_body("Incorrect API key provided")))
    assert type(error) is AuthenticationError
    assert error.status == 401
    assert error.message.startswith("The server rejected the API key (401). Check the key")
    assert "Incorrect API key provided" in error.message


def test_403(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, json_reply(403, error_body("Model not allowed")))
    assert type(error) is AuthenticationError
    assert error.status == 403
    assert "(403)" in error.message
    assert "Model not allowed" in error.message


def test_404_names_the_url(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, json_reply(404, error_body("The model `x` does not exist")))
    assert type(error) is NotFoundError
    assert f"{scripted_server.base_url}/chat/completions" in error.message
    assert "base URL and the model name" in error.message
    assert "does not exist" in error.message


def test_429_with_retry_after_seconds(scripted_server: ScriptedServer) -> None:
    reply = json_reply(429, error_body("Slow down", "rate_limit_exceeded"), [("Retry-After", "7")])
    error = failure(scripted_server, reply)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7
    assert not error.quota_exhausted
    assert "Try again in 7 s" in error.message


def test_429_with_retry_after_http_date(scripted_server: ScriptedServer) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    reply = Reply(429, [("Retry-After", when)], [b"Too Many Requests"])
    error = failure(scripted_server, reply)
    assert isinstance(error, RateLimitError)
    assert error.retry_after is not None
    assert 25 <= error.retry_after <= 30
    assert "Too Many Requests" in error.body_snippet


@pytest.mark.parametrize("value", ["99999999999", "1e308", "inf", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_retry_after_is_at_most_an_hour(scripted_server: ScriptedServer, value: str) -> None:
    reply = json_reply(
        429, error_body("Slow down", "rate_limit_exceeded"), [("Retry-After", value)]
    )
    error = failure(scripted_server, reply)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 3600
    assert describe_error(error).retry_after == 3600


def test_insufficient_quota_is_told_apart(scripted_server: ScriptedServer) -> None:
    body = error_body("You exceeded your current quota", "insufficient_quota", "insufficient_quota")
    error = failure(scripted_server, json_reply(429, body))
    assert isinstance(error, RateLimitError)
    assert error.quota_exhausted
    assert error.retry_after is None
    assert "retrying will not help" in error.message


@pytest.mark.parametrize(
    "body",
    [
        error_body("This model's maximum context length is 8192 tokens", "context_length_exceeded"),
        error_body("Input is too long: too many tokens in the prompt"),
        {"detail": "prompt exceeds the context window"},
    ],
)
def test_context_length(scripted_server: ScriptedServer, body: dict[str, Any]) -> None:
    error = failure(scripted_server, json_reply(400, body))
    assert type(error) is ContextLengthError
    assert "context window" in error.message


def test_other_400(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, json_reply(400, error_body("temperature must be <= 2")))
    assert type(error) is BadRequestError
    assert error.message == (
        "The server rejected the request (400 Bad Request). The server said: "
        "temperature must be <= 2"
    )


def test_422_with_a_validation_list(scripted_server: ScriptedServer) -> None:
    body = {"detail": [{"loc": ["body", "model"], "msg": "field required"}]}
    error = failure(scripted_server, json_reply(422, body))
    assert type(error) is BadRequestError
    assert "field required" in error.message


def test_500_json(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, json_reply(500, error_body("The server had an error")))
    assert type(error) is ServerError
    assert error.status == 500
    assert "The server had an error" in error.message


def test_empty_500(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, Reply(500))
    assert type(error) is ServerError
    assert error.message == (
        "The server failed (500 Internal Server Error). Try again later. It gave no reason."
    )


def test_502_html_page_gives_a_snippet_of_visible_text(scripted_server: ScriptedServer) -> None:
    page = (
        b"<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>"
        b"<body><center><h1>502   Bad\n Gateway</h1></center><hr><center>nginx/1.25</center>"
        b"<script>var x = 1;</script></body></html>"
    )
    error = failure(scripted_server, Reply(502, [("Content-Type", "text/html")], [page]))
    assert type(error) is ServerError
    assert error.status == 502
    assert error.body_snippet == "502 Bad Gateway 502 Bad Gateway nginx/1.25"
    assert "502 Bad Gateway nginx/1.25" in error.message
    assert "<" not in error.message


def test_long_html_snippet_is_cut(scripted_server: ScriptedServer) -> None:
    page = b"<p>" + b"word " * 200 + b"</p>"
    error = failure(scripted_server, Reply(503, [("Content-Type", "text/html")], [page]))
    assert len(error.body_snippet) <= 200
    assert error.body_snippet.endswith("…")


def test_503_json(scripted_server: ScriptedServer) -> None:
    body = {"error": {"message": "Service overloaded", "type": "server_error"}}
    error = failure(scripted_server, json_reply(503, body))
    assert type(error) is ServerError
    assert "503 Service Unavailable" in error.message
    assert "Service overloaded" in error.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            error_body("Invalid key", "invalid_api_key", "invalid_request_error"),
            AuthenticationError,
        ),
        ({"error": {"message": "Rate limited", "code": 429}}, RateLimitError),
        ({"error": "something broke"}, ServerError),
    ],
)
def test_200_json_error(
    scripted_server: ScriptedServer, body: dict[str, Any], expected: type[ApiError]
) -> None:
    error = failure(scripted_server, json_reply(200, body))
    assert type(error) is expected
    assert (
        body["error"]["message"] if isinstance(body["error"], dict) else body["error"] in str(error)
    )


def test_200_html_page(scripted_server: ScriptedServer) -> None:
    page = b"<!doctype html><html><body><h1>Welcome to our site</h1></body></html>"
    error = failure(scripted_server, Reply(200, [("Content-Type", "text/html")], [page]))
    assert type(error) is UnexpectedResponseError
    assert "Welcome to our site" in error.message
    assert "ends in /v1" in error.message


def test_200_empty_body(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, Reply(200, [("Content-Type", "text/plain")]))
    assert type(error) is UnexpectedResponseError


def test_200_plain_text_that_is_not_a_stream(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, Reply(200, [], [b"hello there"]))
    assert type(error) is UnexpectedResponseError
    assert "hello there" in error.message


def test_200_json_without_choices(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, json_reply(200, {"object": "list", "data": []}))
    assert type(error) is UnexpectedResponseError
    assert "choices" in error.message


def test_malformed_http(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, Reply(raw=b"SSH-2.0-OpenSSH_9.2\r\n"))
    assert type(error) is UnexpectedResponseError
    assert "not valid HTTP" in error.message


def test_connection_reset_before_headers(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Le"))
    assert isinstance(error, (UnexpectedResponseError, ConnectError))


def test_connection_refused() -> None:
    port = refused_port()
    with ChatClient(f"http://127.0.0.1:{port}/v1", KEY) as client:
        error = stream_error(client)
    assert isinstance(error, ConnectError)
    assert error.reason == "refused"
    assert f"127.0.0.1:{port}" in error.message
    assert "connection refused" in error.message


def test_unknown_host() -> None:
    with ChatClient("http://no-such-host.invalid/v1", KEY) as client:
        error = stream_error(client)
    assert isinstance(error, ConnectError)
    assert error.reason == "dns"
    assert "no-such-host.invalid" in error.message
    assert "could not be found" in error.message


def test_unsupported_scheme() -> None:
    with ChatClient("ftp://example.com/v1", KEY) as client:
        error = stream_error(client)
    assert isinstance(error, ConnectError)
    assert "http://" in error.message


def test_empty_base_url() -> None:
    with ChatClient("   ", KEY) as client:
        error = stream_error(client)
    assert isinstance(error, ConnectError)
    assert "No server URL is set" in error.message


@pytest.mark.parametrize("base_url", ["http://[::1", "http://[not-an-address]/v1", "https://"])
def test_a_base_url_that_is_not_an_address_is_called_so(base_url: str) -> None:
    with ChatClient(base_url, KEY) as client:
        error = stream_error(client)
    assert isinstance(error, ConnectError)
    assert "not a valid address" in error.message
    assert "No server URL is set" not in error.message


# -- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def _read_request(sock: socket.socket) -> None:
    """Read a whole request, so that closing does not reset the connection over unread bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(65536)


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[int]:
    """A loopback TLS server with the self-signed certificate; it serves one connection."""
    cert, key = self_signed
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    body = b"".join(sse_chunks(["secure"]))
    reply = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                _read_request(tls)
                tls.sendall(reply)
        except (ssl.SSLError, OSError):
            conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(timeout=5)


def test_tls_certificate_not_verified(tls_server: int) -> None:
    with ChatClient(f"https://127.0.0.1:{tls_server}/v1", KEY, trust_env=False) as client:
        error = stream_error(client)
    assert isinstance(error, ConnectError)
    assert error.reason == "tls"
    assert "certificate" in error.message
    assert "could not be verified" in error.message
    assert "CA bundle" in error.message


def test_tls_with_the_ca_bundle_option(tls_server: int, self_signed: tuple[Path, Path]) -> None:
    url = f"https://127.0.0.1:{tls_server}/v1"
    with ChatClient(url, KEY, verify=str(self_signed[0]), trust_env=False) as client:
        events = list(client.stream_chat("m", MESSAGES))
    assert events[0] == ContentDelta("secure")


def test_tls_with_ssl_cert_file(
    tls_server: int, self_signed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed[0]))
    with ChatClient(f"https://127.0.0.1:{tls_server}/v1", KEY) as client:
        events = list(client.stream_chat("m", MESSAGES))
    assert events[0] == ContentDelta("secure")


def test_unreadable_ca_bundle(tmp_path: Path) -> None:
    with ChatClient("https://127.0.0.1:1/v1", KEY, verify=str(tmp_path / "none.pem")) as client:
        error = stream_error(client)
    assert isinstance(error, ConnectError)
    assert error.reason == "tls"
    assert "CA bundle file" in error.message


def test_a_missing_ssl_cert_file_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    missing = tmp_path / "gone.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(missing))
    with ChatClient("https://api.example.invalid/v1", KEY) as client:
        error = stream_error(client)
    assert isinstance(error, ConnectError)
    assert error.reason == "tls"
    assert f"The file {missing} named by the SSL_CERT_FILE environment variable" in error.message
    assert describe_error(error).text.startswith("Could not reach the server\n")
    # Plain http:// needs no certificate, so a server on this computer still answers.
    scripted_server.add(json_reply(200, {"data": [{"id": "local"}]}))
    with ChatClient(scripted_server.base_url) as client:
        assert client.list_models() == ["local"]


def test_tls_to_a_plain_http_server() -> None:
    listener = socket.create_server(("127.0.0.1", 0))

    def answer_in_plain_http() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=answer_in_plain_http)
    thread.start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}/v1"
    try:
        with ChatClient(url, KEY, trust_env=False) as client:
            error = stream_error(client)
    finally:
        thread.join(timeout=5)
        listener.close()
    assert isinstance(error, ConnectError)
    assert error.reason == "tls"
    assert "http://" in error.message


# -- stalls --------------------------------------------------------------------------------------


def test_stall_before_headers(scripted_server: ScriptedServer) -> None:
    error = failure(scripted_server, Reply(stall_before_headers=True), read_timeout=0.5)
    assert type(error) is StreamStalled
    assert "0.5 s" in error.message


def test_stall_mid_stream(scripted_server: ScriptedServer) -> None:
    chunks = sse_chunks(["par", "tial", "never"])
    cut = len(b"".join(chunks[:3]))
    scripted_server.add(sse_reply(chunks=chunks, ending="stall", end_at=cut))
    seen: list[object] = []
    client = ChatClient(scripted_server.base_url, KEY, read_timeout=0.5)
    with client, pytest.raises(StreamStalled) as info:
        seen.extend(client.stream_chat("m", MESSAGES))
    assert seen == [ContentDelta("par"), ContentDelta("tial")]
    assert info.value.partial_text == "partial"
    assert "in the middle of the reply" in info.value.message


def test_drop_mid_stream_is_not_a_stall(scripted_server: ScriptedServer) -> None:
    chunks = sse_chunks(["a", "b"])
    scripted_server.add(sse_reply(chunks=chunks, ending="close", end_at=len(chunks[0]) + 5))
    with ChatClient(scripted_server.base_url, KEY) as client:
        error = stream_error(client)
    assert type(error) is StreamInterrupted


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_does_not_quote_where_it_points(
    scripted_server: ScriptedServer, status: int
) -> None:
    reply = Reply(status, [("Location", "https://evil.example/paste-your-key-here")], [b"moved"])
    error = failure(scripted_server, reply)
    assert type(error) is UnexpectedResponseError
    assert f"redirected the request elsewhere ({status})" in error.message
    assert "Check the base URL in Settings" in error.message
    assert "evil.example" not in error.message


def test_invalid_port_in_base_url() -> None:
    with ChatClient("http://127.0.0.1:abc/v1", KEY) as client:
        error = stream_error(client)
    assert isinstance(error, ConnectError)
    assert "not a valid address" in error.message


def test_corrupt_gzip_mid_stream(scripted_server: ScriptedServer) -> None:
    headers = [("Content-Type", "text/event-stream"), ("Content-Encoding", "gzip")]
    scripted_server.add(Reply(200, headers, [b"not gzip at all"], framing="chunked"))
    error = failure(scripted_server)
    assert type(error) is StreamInterrupted
    assert "could not be decompressed" in error.message
    assert "connection dropped" not in error.message


def test_corrupt_gzip_in_a_whole_reply(scripted_server: ScriptedServer) -> None:
    headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
    scripted_server.add(Reply(200, headers, [b"not gzip at all"]))
    client = ChatClient(scripted_server.base_url, KEY)
    with client, pytest.raises(UnexpectedResponseError) as info:
        client.list_models()
    assert "could not be decompressed" in info.value.message


def test_a_huge_error_page_is_read_only_in_part(scripted_server: ScriptedServer) -> None:
    page = b"<p>" + b"filler " * 400_000 + b"</p>"
    reply = Reply(
        500,
        [("Content-Type", "text/html")],
        [page[i : i + 65536] for i in range(0, len(page), 65536)],
    )
    error = failure(scripted_server, reply)
    assert type(error) is ServerError
    assert error.body_snippet.startswith("filler filler")
