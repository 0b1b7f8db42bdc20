"""The shared type rule of the JSON readers: booleans and NaN are not numbers."""

from __future__ import annotations

import math

import pytest

from desktop_chat.core._json_values import has_type


@pytest.mark.parametrize(
    ("value", "types", "expected"),
    [
        (3, (int,), True),
        (3.5, (int, float), True),
        (True, (int,), False),
        (True, (int, float), False),
        (True, (bool,), True),
        (math.nan, (float,), False),
        (math.inf, (int, float), False),
        ("x", (str,), True),
        (None, (str,), False),
        ([1], (str, int), False),
    ],
)
def test_has_type(value: object, types: tuple[type, ...], expected: bool) -> None:
    assert has_type(value, types) is expected
