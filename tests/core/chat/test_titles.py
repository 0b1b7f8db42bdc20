"""Titles made from the first message and from a model's answer."""

from __future__ import annotations

from desktop_chat.core.chat.titles import MAX_TITLE, clean_title, first_line_title


def test_clean_title() -> None:
    assert clean_title('\n  "Hello World."  \n') == "Hello World"
    assert clean_title("**Title:** Bold one") == "Bold one"
    assert clean_title("This is **the** `demo`.") == "This is the demo"
    assert clean_title("   \n  ") is None
    long = clean_title("word " * 40)
    assert long is not None
    assert len(long) <= MAX_TITLE
    assert not long.endswith(" ")


def test_first_line_title() -> None:
    assert first_line_title("  Plan a trip\nto Rome") == "Plan a trip"
    assert first_line_title("x" * 100) == "x" * MAX_TITLE
    assert first_line_title(" \n ") == ""
