"""The error tree: its drawing matches the classes, and the helpers that build messages."""

from __future__ import annotations

import email.utils
import inspect
import re

import httpx
import pytest

from desktop_chat.core import errors
from desktop_chat.core.client._failures import (
    connect_error,
    error_for,
    error_from_response,
    parse_retry_after,
    rejects_stream_options,
    visible_text,
)
from desktop_chat.core.errors import (
    ApiError,
    BadRequestError,
    ContextLengthError,
    DesktopChatError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
)


def _drawn_tree() -> dict[str, str]:
    """Each class name in the docstring's drawing, mapped to its drawn parent."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    doc = errors.__doc__ or ""
    for line in doc.splitlines():
        match = re.match(r"^(\s*(?:[│ ]*[├└]── )?)(\w+)", line)
        if not match or not match.group(2).endswith(
            ("Error", "Problem", "Stalled", "Interrupted", "TooLarge")
        ):
            continue
        depth = len(match.group(1))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[match.group(2)] = stack[-1][1]
        stack.append((depth, match.group(2)))
    return parents


def test_the_docstring_draws_the_real_tree() -> None:
    classes = {
        name: cls
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, DesktopChatError) and cls is not DesktopChatError
    }
    actual = {name: cls.__bases__[0].__name__ for name, cls in classes.items()}
    assert _drawn_tree() == actual


def test_str_and_repr() -> None:
    error = ServerError("The server failed.", status=500, body_snippet="x", partial_text="p")
    assert str(error) == "The server failed."
    assert repr(error) == "ServerError(message='The server failed.', status=500)"
    assert (error.status, error.body_snippet, error.partial_text) == (500, "x", "p")
    limited = RateLimitError("wait", retry_after=3.0, quota_exhausted=True)
    assert (limited.status, limited.retry_after, limited.quota_exhausted) == (429, 3.0, True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (" 1.5 ", 1.5), ("-3", 0.0), ("", None), (None, None), ("soon", None),
     ("nan", None), ("Wed, 21 Oct 2015 07:28:00", None), ("3600", 3600.0),
     ("99999999999", 3600.0), ("inf", 3600.0), ("Fri, 31 Dec 9999 23:59:59 GMT", 3600.0)],
)  # fmt: skip
def test_retry_after_values(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 90, usegmt=True), now=now) == 90
    assert parse_retry_after(email.utils.formatdate(now - 90, usegmt=True), now=now) == 0


def test_visible_text() -> None:
    html = "<html><head><script>x()</script></head><body><!-- c --><p>A &amp; B</p>\n\n<b>C</b>"
    assert visible_text(html) == "A & B C"
    assert visible_text("x" * 300) == "x" * 199 + "…"
    assert visible_text("  plain\ttext  ") == "plain text"


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (400, "Unrecognized request argument supplied: stream_options", True),
        (422, "include_usage is not supported", True),
        (400, "Unknown parameter: 'stream_options.include_usage'.", True),
        (400, "extra fields not permitted", True),
        (400, "model not found", False),
        (401, "stream_options", False),
    ],
)
def test_rejects_stream_options(status: int, message: str, expected: bool) -> None:
    assert rejects_stream_options(error_for(status, message)) is expected


def test_error_for_status_without_detail() -> None:
    assert isinstance(error_for(418, ""), BadRequestError)
    assert error_for(418, "").message == "The server rejected the request (418 I'm a Teapot)."
    assert "(499)" in error_for(499, "").message
    assert isinstance(error_for(0, "weird"), ServerError)


def test_context_length_by_code_or_words() -> None:
    assert isinstance(error_for(400, "x", code="context_length_exceeded"), ContextLengthError)
    assert isinstance(error_for(413, "Request too large: too many tokens"), ContextLengthError)
    assert not isinstance(error_for(500, "maximum context length"), ContextLengthError)


def test_error_from_response_shapes() -> None:
    json_headers = {"content-type": "application/json"}
    assert error_from_response(200, json_headers, b'{"choices": []}') is None
    bad_json = error_from_response(500, json_headers, b"{not json")
    assert isinstance(bad_json, ServerError)
    assert "{not json" in bad_json.message
    listed = error_from_response(400, {}, b'{"error": ["a", "b"]}')
    assert isinstance(listed, ApiError)
    assert "a; b" in listed.message
    plain = error_from_response(200, {"content-type": "text/plain"}, b"")
    assert isinstance(plain, UnexpectedResponseError)
    assert "empty body" in plain.message
    nested = error_from_response(400, json_headers, b'{"error": {"message": {"deep": 1}}}')
    assert nested is not None
    assert '{"deep": 1}' in nested.message


@pytest.mark.parametrize("proxy", [None, "http://user:secret@proxy.test:3128"])
def test_a_transport_error_without_words_is_named_by_its_type(proxy: str | None) -> None:
    error = connect_error(httpx.ConnectError(""), httpx.URL("https://api.test/v1"), proxy)
    assert "(ConnectError)" in error.message
    assert "()" not in error.message
    assert "secret" not in error.message
