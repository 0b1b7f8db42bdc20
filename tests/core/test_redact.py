"""Masking a secret, whole or in pieces, in text shown to users."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_chat.core.client._redact import (
    MASK,
    EchoMasker,
    mask_secret,
    mask_url,
    url_without_credentials,
)

KEY = "sk-test-0123456789abcdef"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"bad key {KEY}.", f"bad key {MASK}."),
        (f"{KEY}{KEY}", MASK + MASK),
        (f"cut here: {KEY[:14]}…", f"cut here: {MASK}…"),
        (f"…{KEY[-9:]} tail", f"…{MASK} tail"),
        (f"a {KEY} and {KEY[:10]}", f"a {MASK} and {MASK}"),
        ("nothing secret here", "nothing secret here"),
        ("sk-te", "sk-te"),
        ("", ""),
    ],
)
def test_every_long_run_of_the_key_is_masked(text: str, expected: str) -> None:
    assert mask_secret(text, KEY) == expected


def test_a_short_secret_is_masked_whole() -> None:
    assert mask_secret("key abc here", "abc") == f"key {MASK} here"


def test_no_secret_changes_nothing() -> None:
    assert mask_secret("text", "") == "text"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"reversed {KEY[::-1]} here", f"reversed {MASK} here"),
        (f"spaced {' '.join(KEY)} here", f"spaced {MASK} here"),
        (f"dashed {'-'.join(KEY.upper())}.", f"dashed {MASK}."),
        (f"spaced and reversed {' '.join(KEY[::-1])}!", f"spaced and reversed {MASK}!"),
        (f"cut {' '.join(KEY[:14])}…", f"cut {MASK}…"),
        ("risk: test 0123 words", "risk: test 0123 words"),
    ],
)
def test_a_reversed_or_spread_out_key_is_masked(text: str, expected: str) -> None:
    assert mask_secret(text, KEY) == expected


def test_the_words_a_key_begins_with_are_not_masked_when_they_run_together() -> None:
    key = "sk-proj-Xq7Lm2Rt9Vb4Nc8Wz1Kd6Hf3"
    text = "The risk project: sk proj files."
    assert mask_secret(text, key) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nothing at https://user:pass@host/v1 (404).", "Nothing at https://host/v1 (404)."),
        ("at HTTP://u:p@ss@10.0.0.1:8080/v1/x", "at HTTP://10.0.0.1:8080/v1/x"),
        ("two: http://a@x/ and socks5://b:c@y:1", "two: http://x/ and socks5://y:1"),
        ("mail bob@example.org, see https://example.org/a@b", None),
        ("https://host/v1", None),
    ],
)
def test_urls_lose_their_user_name_and_password(text: str, expected: str | None) -> None:
    assert mask_url(text) == (text if expected is None else expected)


def test_one_url_loses_its_credentials() -> None:
    assert url_without_credentials("https://me:p%40ss@h:1/v1") == "https://h:1/v1"
    assert url_without_credentials("https://h/v1") == "https://h/v1"


def _echo(pieces: list[str], secret: str = KEY) -> tuple[list[str], str]:
    masker = EchoMasker(secret)
    shown = [masker.feed(piece) for piece in pieces]
    shown.append(masker.flush())
    return shown, "".join(shown)


def test_a_key_split_over_pieces_is_masked_and_held_back_text_comes_at_the_end() -> None:
    shown, whole = _echo(["Your key is sk-te", "st-0123456", "789abcdef. It ends in sk-"])
    assert whole == f"Your key is {MASK}. It ends in sk-"
    assert shown == ["Your key is ", "", f"{MASK}. It ends in ", "sk-"]


def test_one_or_two_characters_that_begin_the_key_are_shown_at_once() -> None:
    shown, whole = _echo(["It ends in s", "k-test-0123456789abcdef, or f", "e"])
    assert shown == ["It ends in s", f"{MASK}, or f", "e", ""]
    assert whole == f"It ends in s{MASK}, or fe"


def test_ordinary_text_is_not_held_back() -> None:
    shown, _ = _echo(["Hello ", "world."])
    assert shown == ["Hello ", "world.", ""]


def test_a_placeholder_key_is_not_masked_in_a_reply() -> None:
    assert _echo(["Run ollama ", "serve."], "ollama")[1] == "Run ollama serve."


@given(
    st.lists(st.sampled_from(["a ", KEY, KEY[::-1], "sk-", "sk-test", "f"]), max_size=8),
    st.data(),
)
def test_how_the_reply_is_cut_never_changes_what_is_masked(
    words: list[str], data: st.DataObject
) -> None:
    text = "".join(words)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(text)))))
    pieces = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    whole = EchoMasker(KEY).mask(text)
    # Cut anywhere, the reply is the text masked whole, except that the key's first one or two
    # characters may show before a mask.
    starts = sorted({KEY[:1], KEY[:2], KEY[::-1][:1], KEY[::-1][:2]}, key=len, reverse=True)
    lone_start = "(?:" + "|".join(re.escape(start) for start in starts) + ")?"
    allowed = (lone_start + re.escape(MASK)).join(re.escape(part) for part in whole.split(MASK))
    for shown in (_echo(pieces)[1], _echo(list(text))[1]):
        assert re.fullmatch(allowed, shown), shown
        assert KEY[2:] not in shown
        assert KEY[::-1][2:] not in shown


def test_a_server_s_own_partial_mask_is_folded_into_ours() -> None:
    text = "Incorrect API key provided: sk-test-********cdef. You can find your key online."
    assert mask_secret(text, KEY) == (
        f"Incorrect API key provided: {MASK}. You can find your key online."
    )
