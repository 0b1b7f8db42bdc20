"""Runs a parsed window-less command and turns any failure into a worded line on stderr."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from desktop_chat.cli.conversations import EXIT_FAILED, run_conversation_command
from desktop_chat.cli.providers import add_provider, list_providers
from desktop_chat.cli.send import send
from desktop_chat.cli.tools import add_tool_server, list_tool_servers
from desktop_chat.core.errors import DesktopChatError

__all__ = ["run_command"]


def run_command(
    options: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run a parsed command (``list``, ``export``, ``import``, ``provider``, ``mcp``,
    ``send``)."""
    read = sys.stdin if stdin is None else stdin
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    try:
        # "provider" and "mcp" each add (reading a secret from stdin) or list (maybe as JSON).
        setups = {
            "provider": (add_provider, list_providers),
            "mcp": (add_tool_server, list_tool_servers),
        }
        if options.command in setups:
            add, show = setups[options.command]
            if getattr(options, f"{options.command}_command") == "add":
                add(options, read, out)
            else:
                show(options.json, out)
            return 0
        if options.command == "send":
            return send(options, read, out, err)
    except DesktopChatError as error:
        print(f"desktop-chat: {error.message}", file=err)
        return EXIT_FAILED
    return run_conversation_command(options, out, err)
