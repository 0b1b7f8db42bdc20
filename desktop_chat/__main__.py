"""Command-line entry point: starts the window, or runs a window-less command.

The window-less commands (``list``, ``export``, ``import``, ``provider``, ``send``) never import
Qt, so they work on a machine with no display and start fast. A first word that is no command is
an error with the usage, never a window.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import desktop_chat

COMMANDS = ("list", "export", "import", "provider", "mcp", "send")


_OURS = ("-h", "--help", "--version")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every command line the program accepts."""
    parser = argparse.ArgumentParser(
        prog="desktop-chat",
        description="A desktop chat client for OpenAI-compatible APIs.",
    )
    parser.add_argument(
        "--version", action="version", version=f"desktop-chat {desktop_chat.__version__}"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window, stream one reply from the built-in demo server, check it, exit",
    )
    parser.add_argument(
        "--open",
        nargs="+",
        metavar="FILE",
        help="open the window and import these conversation exports (in the window that is "
        "already open, if there is one)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    list_parser = commands.add_parser("list", help="list saved conversations")
    list_parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    export_parser = commands.add_parser("export", help="export conversations to a file or folder")
    which = export_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--conversation", type=int, action="append", metavar="ID")
    which.add_argument("--all", action="store_true")
    export_parser.add_argument(
        "--format", required=True, choices=["md", "txt", "json", "html", "pdf"]
    )
    export_parser.add_argument("-o", "--output", required=True, metavar="PATH")
    export_parser.add_argument(
        "--all-versions",
        action="store_true",
        help="write every version of every message (edits, regenerated replies), not only "
        "those on screen",
    )

    import_parser = commands.add_parser("import", help="import conversations from files")
    import_parser.add_argument("files", nargs="+", metavar="FILE")

    provider_parser = commands.add_parser("provider", help="add or list providers")
    provider_commands = provider_parser.add_subparsers(
        dest="provider_command", metavar="ACTION", required=True
    )
    add_parser = provider_commands.add_parser("add", help="add a provider (new chats use it)")
    add_parser.add_argument("name", metavar="NAME")
    add_parser.add_argument("--base-url", required=True, metavar="URL")
    add_parser.add_argument(
        "--api-key-stdin",
        action="store_true",
        help="read the API key from standard input and store it in the system keyring",
    )
    add_parser.add_argument("--model", metavar="MODEL")
    providers_parser = provider_commands.add_parser("list", help="list the providers")
    providers_parser.add_argument("--json", action="store_true", help="print JSON")

    mcp_parser = commands.add_parser("mcp", help="add or list tool (MCP) servers")
    mcp_commands = mcp_parser.add_subparsers(dest="mcp_command", metavar="ACTION", required=True)
    mcp_add = mcp_commands.add_parser(
        "add",
        help="add a tool server: NAME -- COMMAND [ARGS...] starts a program, NAME --url URL "
        "reaches one over HTTP",
        usage="desktop-chat mcp add NAME [options] (-- COMMAND [ARGS...] | --url URL)",
    )
    mcp_add.add_argument("name", metavar="NAME")
    mcp_add.set_defaults(server_command=[])
    mcp_add.add_argument("--url", metavar="URL", help="a Streamable HTTP server's address")
    mcp_add.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="for the program"
    )
    mcp_add.add_argument("--cwd", metavar="FOLDER", help="the folder the program starts in")
    mcp_add.add_argument(
        "--header", action="append", default=[], metavar="NAME=VALUE", help="for --url"
    )
    mcp_add.add_argument(
        "--bearer-token-stdin",
        action="store_true",
        help="read a bearer token from standard input and keep it in the system keyring",
    )
    mcp_list = mcp_commands.add_parser("list", help="list the tool servers")
    mcp_list.add_argument("--json", action="store_true", help="print JSON")

    send_parser = commands.add_parser(
        "send", help="send a message and print the reply as it streams"
    )
    send_parser.add_argument("--conversation", type=int, metavar="ID")
    send_parser.add_argument("--provider", metavar="NAME")
    send_parser.add_argument("--model", metavar="MODEL")
    send_parser.add_argument("--system", metavar="TEXT", help="the chat's system prompt")
    send_parser.add_argument("--temperature", type=_temperature, metavar="T")
    send_parser.add_argument("--max-tokens", type=_max_tokens, metavar="N")
    send_parser.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="attach an image, a PDF or a text file (may be given several times)",
    )
    send_parser.add_argument(
        "--tools",
        metavar="NAME[,NAME]",
        help="the tool servers the model may use (saved with the conversation)",
    )
    send_parser.add_argument(
        "--approve-all",
        action="store_true",
        help="run every tool call without asking (otherwise calls that need approval are refused)",
    )
    send_parser.add_argument("message", metavar="MESSAGE", help='the message, or "-" for stdin')
    return parser


def _temperature(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 2.0:
        raise argparse.ArgumentTypeError("the temperature must be between 0 and 2")
    return value


def _max_tokens(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("the length limit must be at least 1 token")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program with ``argv`` (default: the process arguments) and return its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--math-worker"]:
        # The formula typesetter's child process (see core.markdown.math); not for users.
        from desktop_chat.core.markdown._math_child import main as typeset  # noqa: PLC0415

        return typeset()
    if arguments[:1] == ["--run-tool-guard"]:
        # A tool server started by a frozen app, made to end with it (see core.tools).
        from desktop_chat.core.tools._orphan_guard import main as guard  # noqa: PLC0415

        return guard(arguments[1:])
    if arguments == ["--run-demo-tools"]:
        # The built-in tool server, in a frozen app that has no "python -m" (see core.chat).
        from desktop_chat.core.tools.demo_tools import main as serve_tools  # noqa: PLC0415

        serve_tools([])
        return 0
    # Qt consumes its own options (-platform, -style ...), which all start with a dash.
    if arguments and (not arguments[0].startswith("-") or arguments[0] in _OURS):
        # Everything after "--" is the server's command line, options included.
        server_command: list[str] = []
        if arguments[:2] == ["mcp", "add"] and "--" in arguments:
            cut = arguments.index("--")
            arguments, server_command = arguments[:cut], arguments[cut + 1 :]
        options = build_parser().parse_args(arguments)
        if server_command:
            options.server_command = server_command
        if options.command is not None:
            # Imported here: keeps Qt, and the command code, out of the window's start-up.
            from desktop_chat.cli.commands import run_command  # noqa: PLC0415

            return run_command(options)
    self_test = "--self-test" in arguments
    arguments, open_files = _files_to_open(arguments)
    qt_arguments = [sys.argv[0] if sys.argv else "desktop-chat"]
    qt_arguments += [arg for arg in arguments if arg != "--self-test"]

    from desktop_chat.ui.app.app import run  # noqa: PLC0415 - Qt loads only when a window opens

    return run(qt_arguments, self_test=self_test, open_files=open_files)


def _files_to_open(arguments: list[str]) -> tuple[list[str], list[Path]]:
    """Take ``--open FILE ...`` (the files run up to the next option) out of the window's
    arguments, which are otherwise Qt's."""
    if "--open" not in arguments:
        return arguments, []
    start = arguments.index("--open") + 1
    end = start
    while end < len(arguments) and not arguments[end].startswith("-"):
        end += 1
    return arguments[: start - 1] + arguments[end:], [Path(name) for name in arguments[start:end]]


if __name__ == "__main__":
    sys.exit(main())
