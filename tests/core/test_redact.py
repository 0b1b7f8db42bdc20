"""Masking a secret, whole or in pieces, in text shown to users."""

from __future__ import annotations

import pytest

from desktop_chat.core.client._redact import MASK, mask_secret

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
