"""Command-line entry point: starts the window, or runs a window-less command.

The window-less commands (``list``, ``export``, ``import``) never import Qt, so they work on a
machine with no display and start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from desktop_chat import __version__

COMMANDS = ("list", "export", "import")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every command line the program accepts."""
    parser = argparse.ArgumentParser(
        prog="desktop-chat",
        description="A desktop chat client for OpenAI-compatible APIs.",
    )
    parser.add_argument("--version", action="version", version=f"desktop-chat {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window, stream one reply from the built-in demo server, check it, exit",
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

    import_parser = commands.add_parser("import", help="import conversations from files")
    import_parser.add_argument("files", nargs="+", metavar="FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program with ``argv`` (default: the process arguments) and return its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Qt consumes its own options (-platform, -style ...); only parse ours when a command is given.
    if arguments and (arguments[0] in COMMANDS or arguments[0] in ("-h", "--help", "--version")):
        options = build_parser().parse_args(arguments)
        if options.command is not None:
            from desktop_chat.cli import run_command  # noqa: PLC0415 - keeps Qt out of commands

            return run_command(options)
    self_test = "--self-test" in arguments
    qt_arguments = [sys.argv[0] if sys.argv else "desktop-chat"]
    qt_arguments += [arg for arg in arguments if arg != "--self-test"]

    from desktop_chat.ui.app import run  # noqa: PLC0415 - Qt loads only when a window opens

    return run(qt_arguments, self_test=self_test)


if __name__ == "__main__":
    sys.exit(main())
