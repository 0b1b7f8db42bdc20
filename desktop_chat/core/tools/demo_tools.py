"""A small MCP server that ships with the app, so tools can be tried with nothing else installed.

Run ``python -m desktop_chat.core.tools.demo_tools`` to serve over standard input and output (as
the app starts it), or add ``--http PORT`` to serve Streamable HTTP on 127.0.0.1 at ``/mcp``.
It offers two tools: the current time in any time zone, and safe arithmetic.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import math
import operator
import zoneinfo
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

__all__ = ["calculate", "current_time", "evaluate", "main", "server"]

MAX_EXPRESSION_LENGTH = 500
#: A larger power of a large number takes seconds and megabytes to compute.
MAX_EXPONENT = 1000
MAX_POWER_BITS = 20_000
MAX_DEPTH = 50

_BINARY: dict[type[ast.operator], Callable[[Any, Any], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}

# Warnings only: a tool error is an answer for the model, not news for the error output.
server: MCPServer = MCPServer("demo-tools", log_level="WARNING")


def _zone(name: str) -> dt.tzinfo:
    if not name.strip():
        return dt.timezone.utc
    try:
        return zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ToolError(
            f"“{name}” is not a time zone. Use an IANA name such as Europe/Paris, "
            "America/New_York or UTC."
        ) from None


@server.tool()
def current_time(timezone: str = "") -> str:
    """Tell the current date and time.

    Args:
        timezone: an IANA time zone name such as "Europe/Paris" or "Asia/Tokyo"; UTC when empty.

    Returns the date, the time, the zone's abbreviation and the day of the week, for example
    "2026-12-06 18:30:05 UTC (Sunday)".
    """
    now = dt.datetime.now(_zone(timezone))
    return now.strftime("%Y-%m-%d %H:%M:%S %Z (%A)")


def _number(node: ast.expr, depth: int) -> int | float:
    if depth > MAX_DEPTH:
        raise ToolError("The expression is nested too deeply.")
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _number(node.operand, depth + 1)
        return value if isinstance(node.op, ast.UAdd) else -value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _number(node.left, depth + 1)
        right = _number(node.right, depth + 1)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ToolError(f"Exponents larger than {MAX_EXPONENT} are not allowed.")
        # An allowed exponent still explodes on a large base: (9 ** 999) ** 999.
        if (
            isinstance(node.op, ast.Pow)
            and isinstance(left, int)
            and isinstance(right, int)
            and left.bit_length() * right > MAX_POWER_BITS
        ):
            raise ToolError("The result is too large.")
        try:
            result: object = _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ToolError("Division by zero.") from None
        except OverflowError:
            raise ToolError("The result is too large.") from None
        if not isinstance(result, (int, float)):
            raise ToolError("The result is not a real number.")
        return result
    raise ToolError(
        "Only numbers, + - * / // % **, signs and parentheses are allowed; "
        f"found “{ast.unparse(node)}”."
    )


def evaluate(expression: str) -> int | float:
    """The value of an arithmetic expression, never running anything else.

    Raises:
        ToolError: the expression is too long, not arithmetic, or has no finite value.
    """
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ToolError(f"The expression is longer than {MAX_EXPRESSION_LENGTH} characters.")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ToolError(f"“{expression}” is not an arithmetic expression.") from None
    value = _number(tree.body, 0)
    if isinstance(value, float) and not math.isfinite(value):
        raise ToolError("The result is too large.")
    return value


@server.tool()
def calculate(expression: str) -> str:
    """Work out an arithmetic expression exactly as a calculator would.

    Args:
        expression: numbers with + - * / // % ** (power), unary signs and parentheses,
            for example "(2 + 3) * 4 ** 2". Exponents are limited to 1000.

    Returns the value; integer arithmetic stays exact, division gives a decimal.
    """
    value = evaluate(expression)
    try:
        return str(value)
    except ValueError:
        # Python refuses to write out integers of more than a few thousand digits.
        raise ToolError("The result is too large.") from None


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - runs as its own process
    """Serve the tools over standard input and output, or over HTTP with ``--http PORT``."""
    parser = argparse.ArgumentParser(prog="python -m desktop_chat.core.tools.demo_tools")
    parser.add_argument("--http", type=int, metavar="PORT", help="serve Streamable HTTP")
    options = parser.parse_args(argv)
    if options.http is None:
        server.run()
    else:
        server.run("streamable-http", host="127.0.0.1", port=options.http)


if __name__ == "__main__":  # pragma: no cover - runs as its own process
    main()
