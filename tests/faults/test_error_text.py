"""The error banner's headline and detail complement each other for every kind of error."""

from __future__ import annotations

import pytest

from desktop_chat.core import errors
from desktop_chat.core.client._failures import error_for, transport_error
from desktop_chat.ui.common.error_text import ErrorAction, describe_error

_DROPPED = errors.StreamInterrupted(
    "The connection dropped before the reply was complete. The text received so far was kept; "
    "try again.",
    partial_text="Half",
)

CASES: dict[str, tuple[errors.ApiError, str, ErrorAction]] = {
    "401": (error_for(401, "Bad key"), "API key refused", ErrorAction.OPEN_SETTINGS),
    "403": (error_for(403, ""), "Permission denied", ErrorAction.OPEN_SETTINGS),
    "404": (
        error_for(404, "", url="http://h/v1"),
        "Wrong address or model",
        ErrorAction.OPEN_SETTINGS,
    ),
    "429": (
        error_for(429, "", headers={"retry-after": "4"}),
        "Too many requests",
        ErrorAction.WAIT,
    ),
    "quota": (
        error_for(429, "No credit", code="insufficient_quota"),
        "Quota used up",
        ErrorAction.OPEN_SETTINGS,
    ),
    "context": (
        error_for(400, "", code="context_length_exceeded"),
        "Conversation longer than the model accepts",
        ErrorAction.NEW_CHAT,
    ),
    "400": (error_for(400, "bad field"), "Invalid request", ErrorAction.RETRY),
    "500": (error_for(500, ""), "Failure on the server's side", ErrorAction.RETRY),
    "refused": (
        errors.ConnectError("Nothing is listening at h:1 (connection refused).", reason="refused"),
        "Could not reach the server",
        ErrorAction.OPEN_SETTINGS,
    ),
    "unexpected": (
        errors.UnexpectedResponseError("The server answered with a web page instead."),
        "Unexpected answer",
        ErrorAction.RETRY,
    ),
    "dropped": (_DROPPED, "Reply cut off", ErrorAction.RETRY),
    "dropped before text": (
        errors.StreamInterrupted("The connection dropped before the reply began."),
        "No reply",
        ErrorAction.RETRY,
    ),
    "stalled mid-reply": (
        errors.StreamStalled("The server sent nothing for 5 s.", partial_text="Half"),
        "Reply cut off",
        ErrorAction.RETRY,
    ),
    "stalled before text": (
        errors.StreamStalled("The server sent nothing for 5 s."),
        "No answer",
        ErrorAction.RETRY,
    ),
    "in-band error": (
        errors.StreamError("The server reported an error.", partial_text="Half"),
        "Reply cut off",
        ErrorAction.RETRY,
    ),
    "too large": (
        errors.EventTooLarge("The server sent an event larger than the limit."),
        "No reply",
        ErrorAction.RETRY,
    ),
    "unknown kind": (errors.ApiError("Something odd."), "The request failed", ErrorAction.RETRY),
}


@pytest.mark.parametrize("name", list(CASES))
def test_headline_and_detail_say_different_things(name: str) -> None:
    error, headline, action = CASES[name]
    advice = describe_error(error)
    shown_headline, _, detail = advice.text.partition("\n")
    assert shown_headline == headline
    assert detail == error.message
    assert advice.action is action
    # The headline names what happened in a few words; the detail explains it without repeating.
    assert headline.lower() not in detail.lower()


def test_the_dropped_stream_no_longer_says_it_twice() -> None:
    text = describe_error(_DROPPED).text
    assert text.count("connection dropped") == 1
    assert text.count("cut off") == 1


def test_a_dropped_stream_from_the_client_reads_well() -> None:
    import httpx

    error = transport_error(
        httpx.ReadError("reset"),
        httpx.URL("http://h/v1"),
        read_timeout=5,
        streaming=True,
        partial_text="x",
    )
    assert describe_error(error).text.startswith("Reply cut off\nThe connection dropped")


def test_rate_limit_carries_the_wait() -> None:
    advice = describe_error(error_for(429, "", headers={"retry-after": "4"}))
    assert advice.retry_after == 4


def test_a_bare_error_gets_a_full_stop() -> None:
    assert describe_error(errors.ApiError("")).text == "The request failed."


def _kinds(base: type[errors.ApiError]) -> list[type[errors.ApiError]]:
    found = []
    for kind in base.__subclasses__():
        if kind.__module__ == errors.__name__:
            found += [kind, *_kinds(kind)]
    return found


@pytest.mark.parametrize("kind", _kinds(errors.ApiError), ids=lambda kind: kind.__name__)
def test_every_kind_of_error_has_its_own_headline(kind: type[errors.ApiError]) -> None:
    advice = describe_error(kind("Details of what happened."))
    headline, _, detail = advice.text.partition("\n")
    assert headline != "The request failed"
    assert detail == "Details of what happened."


@pytest.mark.parametrize(
    ("error", "field"),
    [
        (errors.MissingKeyError("No API key is stored."), "api_key"),
        (error_for(401, "Incorrect API key provided"), "api_key"),
        (error_for(404, "The model `gpt-9` does not exist", code="model_not_found"), "model"),
        (error_for(404, ""), "base_url"),
        (errors.ConnectError("Nothing is listening.", reason="refused"), "base_url"),
        (errors.ConnectError("No such host.", reason="dns"), "base_url"),
        (errors.ConnectError("The proxy refused.", reason="proxy"), "proxy"),
    ],
    ids=["no-key", "401", "404-model", "404-address", "refused", "dns", "proxy"],
)
def test_open_settings_names_the_field_to_fix(error: errors.ApiError, field: str) -> None:
    advice = describe_error(error)
    assert advice.action is ErrorAction.OPEN_SETTINGS
    assert advice.settings_field == field
