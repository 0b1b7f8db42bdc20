"""The demo server's tools, in-process, and over a real link."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from desktop_chat.core.tools import demo_tools
from desktop_chat.core.tools.link import ServerLink
from tests.core.tools.conftest import demo_spec


@pytest.mark.parametrize(
    ("expression", "value"),
    [("1 + 2", "3"), ("(2 + 3) * 4 ** 2", "80"), ("7 / 2", "3.5"), ("7 // 2", "3"),
     ("7 % 4", "3"), ("-(-3)", "3"), ("+4", "4"), ("2 ** -2", "0.25"), ("1.5 * 2", "3.0"),
     ("2 ** 64", "18446744073709551616")],
)  # fmt: skip
def test_calculate(expression: str, value: str) -> None:
    assert demo_tools.calculate(expression) == value


@pytest.mark.parametrize(
    ("expression", "words"),
    [("1 / 0", "Division by zero"), ("0 ** -1", "Division by zero"),
     ("2 ** 1001", "Exponents larger than 1000"), ("(9 ** 999) ** 999", "too large"),
     ("10.0 ** 300 * 10.0 ** 300", "too large"), ("10.0 ** 400", "too large"),
     ("(-8) ** 0.5", "not a real number"), ("__import__('os')", "Only numbers"),
     ("'a' * 3", "Only numbers"), ("True + 1", "Only numbers"), ("1 +", "not an arithmetic"),
     ("1" * 501, "longer than 500"), ("-" * 60 + "1", "nested too deeply"),
     (" * ".join(["(9 ** 999)"] * 6), "too large")],
)  # fmt: skip
def test_calculate_refuses(expression: str, words: str) -> None:
    with pytest.raises(ToolError, match=re.escape(words)):
        demo_tools.calculate(expression)


def test_current_time_in_utc_and_in_a_zone() -> None:
    pattern = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ZONE \(\w+day\)"
    assert re.fullmatch(pattern.replace("ZONE", "UTC"), demo_tools.current_time())
    assert re.fullmatch(pattern.replace("ZONE", "JST"), demo_tools.current_time(" Asia/Tokyo "))


@pytest.mark.parametrize("zone", ["Mars/Base", "../etc/passwd"])
def test_current_time_refuses_unknown_zones(zone: str) -> None:
    with pytest.raises(ToolError, match="is not a time zone"):
        demo_tools.current_time(zone)


def test_the_demo_server_over_stdio(make_link: Callable[..., ServerLink]) -> None:
    link = make_link(demo_spec())
    tools = {tool.name: tool for tool in link.tools()}
    assert set(tools) == {"current_time", "calculate"}
    assert "IANA" in tools["current_time"].description
    assert tools["calculate"].input_schema["required"] == ["expression"]
    assert link.tools() == list(tools.values())  # listed once, then kept

    result = link.call("calculate", {"expression": "6 * 7"}, timeout=30)
    assert (result.text, result.is_error) == ("42", False)
    result = link.call("current_time", {"timezone": "Europe/Paris"}, timeout=30)
    assert not result.is_error
    assert re.search(r"CES?T \(\w+day\)$", result.text)

    wrong = link.call("current_time", {"timezone": "Mars/Base"}, timeout=30)
    assert wrong.is_error
    assert "“Mars/Base” is not a time zone" in wrong.text
    wrong = link.call("calculate", {"expression": "import os"}, timeout=30)
    assert wrong.is_error
    assert "not an arithmetic expression" in wrong.text
