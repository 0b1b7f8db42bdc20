"""``list``, ``export`` and ``import``: the saved conversations without the window.

Results go to stdout, errors to stderr; the exit code is 0 on success and 1 when anything
failed. Qt is loaded only to write PDF.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from desktop_chat.core.config.paths import database_path
from desktop_chat.core.errors import DesktopChatError
from desktop_chat.core.history.models import Conversation, Message
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.history.timestamps import stored_datetime
from desktop_chat.core.transfer.export import PdfWriter, write_export
from desktop_chat.core.transfer.importers import FileResult, import_files

EXIT_OK = 0
EXIT_FAILED = 1


def _error(text: str, stderr: TextIO) -> int:
    print(f"desktop-chat: {text}", file=stderr)
    return EXIT_FAILED


def _list(storage: Storage, as_json: bool, stdout: TextIO) -> int:
    conversations = storage.list_conversations()
    if as_json:
        rows = [
            {
                "id": conversation.id,
                "title": conversation.title,
                "created_at": conversation.created_at,
                "updated_at": conversation.updated_at,
                "pinned": conversation.pinned,
                "provider": conversation.provider,
                "model": conversation.model,
                "messages": len(storage.conversation_messages(conversation.id)),
            }
            for conversation in conversations
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=stdout)
        return EXIT_OK
    if not conversations:
        print("No conversations.", file=stdout)
        return EXIT_OK
    width = max(len(str(conversation.id)) for conversation in conversations)
    for conversation in conversations:
        moment = stored_datetime(conversation.updated_at)
        updated = "unknown date" if moment is None else moment.strftime("%Y-%m-%d %H:%M")
        pin = "*" if conversation.pinned else " "
        title = " ".join(conversation.title.split()) or "(untitled)"
        print(f"{conversation.id:>{width}} {pin} {updated:16}  {title}", file=stdout)
    return EXIT_OK


def _pdf_writer() -> PdfWriter:
    # Qt loads only when a PDF is asked for: the other commands stay fast and display-free.
    from desktop_chat.ui.transfer.pdf_export import write_pdf  # noqa: PLC0415

    return write_pdf


def _export(storage: Storage, options: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if options.all:
        conversations = storage.list_conversations()
    else:
        conversations = []
        for conversation_id in dict.fromkeys(options.conversation):
            conversation = storage.get_conversation(conversation_id)
            if conversation is None:
                return _error(f"no conversation has id {conversation_id}.", stderr)
            conversations.append(conversation)
    if not conversations:
        return _error("there is no conversation to export.", stderr)
    items: list[tuple[Conversation, Sequence[Message]]] = [
        (conversation, storage.conversation_messages(conversation.id))
        for conversation in conversations
    ]
    pdf_writer = _pdf_writer() if options.format == "pdf" else None
    written = write_export(
        items,
        options.format,
        Path(options.output),
        pdf_writer=pdf_writer,
        files=storage,
        all_versions=options.all_versions,
    )
    for path in written:
        print(path, file=stdout)
    return EXIT_OK


def _import(storage: Storage, files: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    def progress(result: FileResult) -> None:
        if result.error is not None:
            print(f"desktop-chat: {result.error} Nothing was imported from it.", file=stderr)
        else:
            print(
                f"{result.path.name}: {len(result.imported)} imported, "
                f"{result.already_present} already present",
                file=stdout,
            )

    report = import_files(storage, [Path(name) for name in files], progress)
    print(report.summary(), file=stdout)
    return EXIT_FAILED if report.failed else EXIT_OK


def run_conversation_command(options: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run a parsed ``list``, ``export`` or ``import`` command and return the exit code."""
    try:
        storage = Storage.open(database_path())
    except DesktopChatError as error:
        return _error(error.message, err)
    try:
        if options.command == "list":
            return _list(storage, options.json, out)
        if options.command == "export":
            return _export(storage, options, out, err)
        if options.command == "import":
            return _import(storage, options.files, out, err)
        return _error(f"unknown command {options.command!r}.", err)
    except DesktopChatError as error:
        return _error(error.message, err)
    finally:
        storage.close()


__all__ = ["EXIT_FAILED", "EXIT_OK", "run_conversation_command"]
