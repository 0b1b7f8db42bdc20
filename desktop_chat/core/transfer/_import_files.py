"""Reading import files safely: size limits, zip archives, JSON decoding, format detection.

Nothing here touches the database; a file is read and parsed whole before anything is stored.
"""

from __future__ import annotations

import json
import lzma
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from desktop_chat.core.attachments.prepare import MAX_FILE_BYTES
from desktop_chat.core.errors import ImportExportError
from desktop_chat.core.transfer._chatgpt_import import (
    Assets,
    looks_like_chatgpt,
    parse_chatgpt_export,
)
from desktop_chat.core.transfer._export_json import is_own_format, parse_own_json
from desktop_chat.core.transfer._import_types import ImportedConversation

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_TOTAL_BYTES",
    "ParsedFile",
    "read_import_file",
]

MAX_JSON_BYTES = 512 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 512 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
#: Exports nest about a dozen levels. Far deeper, and the code that reads, stores and fingerprints
#: a conversation would reach Python's recursion limit; the window reads it in a thread, too.
MAX_JSON_DEPTH = 100

_CHATGPT_MEMBER = re.compile(r"^conversations(-\d+)?\.json$", re.IGNORECASE)


class ParsedFile:
    """The conversations found in one file.

    Attributes:
        conversations: every conversation with at least one message to keep.
        empty: conversations that held nothing to keep.
        refused: conversations left out for another reason (an impossible date), by reason.
    """

    def __init__(
        self,
        conversations: list[ImportedConversation],
        empty: int,
        refused: Counter[str] | None = None,
    ) -> None:
        self.conversations = conversations
        self.empty = empty
        self.refused = Counter() if refused is None else refused


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _nests_deeper_than(document: Any, limit: int) -> bool:
    """Whether lists and objects in ``document`` nest deeper than ``limit``; never recurses."""
    level = [document] if isinstance(document, (dict, list)) else []
    for _ in range(limit):
        inner: list[Any] = []
        for container in level:
            values = container.values() if isinstance(container, dict) else container
            inner.extend(value for value in values if isinstance(value, (dict, list)))
        if not inner:
            return False
        level = inner
    return True


def _too_deep(name: str, path: Path) -> ImportExportError:
    return ImportExportError(
        f"{name}: the file nests too deeply to be a conversation export.", path=path
    )


def _decode(data: bytes, name: str, path: Path) -> Any:
    try:
        document = json.loads(data)
    except json.JSONDecodeError as error:
        raise ImportExportError(
            f"{name}: not valid JSON (damaged or cut short?): {error.msg} at line {error.lineno}.",
            path=path,
        ) from None
    except UnicodeDecodeError:
        raise ImportExportError(f"{name}: not UTF-8 text.", path=path) from None
    except RecursionError:
        raise _too_deep(name, path) from None
    except ValueError as error:
        raise ImportExportError(f"{name}: unreadable JSON: {error}.", path=path) from None
    if _nests_deeper_than(document, MAX_JSON_DEPTH):
        raise _too_deep(name, path)
    return document


def _parse_document(
    document: Any, name: str, path: Path, *, required: bool, assets: Assets | None = None
) -> ParsedFile | None:
    if is_own_format(document):
        return ParsedFile([parse_own_json(document, path)], 0)
    if looks_like_chatgpt(document):
        return ParsedFile(*parse_chatgpt_export(document, path, assets))
    if required:
        raise ImportExportError(
            f"{name}: neither a Desktop Chat conversation nor a ChatGPT export.", path=path
        )
    return None


def _read_json_file(path: Path) -> ParsedFile:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ImportExportError(
            f"{path.name}: {_size_text(size)} is larger than the {_size_text(MAX_JSON_BYTES)} "
            "an import accepts.",
            path=path,
        )
    parsed = _parse_document(
        _decode(path.read_bytes(), path.name, path), path.name, path, required=True
    )
    assert parsed is not None
    return parsed


class _ZipAssets:
    """The files beside ``conversations.json`` in a ChatGPT export, found by the id that starts
    their name; each is read within :data:`MAX_FILE_BYTES`, all of them within
    :data:`MAX_ZIP_TOTAL_BYTES`."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        self._members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not info.filename.lower().endswith(".json")
        ]
        self._budget = MAX_ZIP_TOTAL_BYTES

    def __call__(self, file_id: str) -> tuple[bytes, str] | None:
        for info in self._members:
            name = PurePosixPath(info.filename).name
            if not name.startswith(file_id):
                continue
            if info.flag_bits & 0x1 or info.file_size > min(MAX_FILE_BYTES, self._budget):
                return None
            with self._archive.open(info) as member:
                data = member.read(info.file_size + 1)
            if len(data) > info.file_size:
                return None
            self._budget -= len(data)
            return data, name
        return None


def _read_zip(path: Path) -> ParsedFile:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                info
                for info in archive.infolist()
                if not info.is_dir() and info.filename.lower().endswith(".json")
            ]
            if len(archive.infolist()) > MAX_ZIP_MEMBERS:
                raise ImportExportError(
                    f"{path.name}: the archive holds more than {MAX_ZIP_MEMBERS} files.", path=path
                )
            declared = sum(info.file_size for info in members)
            if declared > MAX_ZIP_TOTAL_BYTES:
                raise ImportExportError(
                    f"{path.name}: its JSON files unpack to {_size_text(declared)}, more than the "
                    f"{_size_text(MAX_ZIP_TOTAL_BYTES)} an import accepts.",
                    path=path,
                )
            if not members:
                raise ImportExportError(f"{path.name}: the archive holds no JSON file.", path=path)
            conversations: list[ImportedConversation] = []
            empty = 0
            refused: Counter[str] = Counter()
            found = False
            assets = _ZipAssets(archive)
            for info in sorted(members, key=lambda member: member.filename):
                member_name = PurePosixPath(info.filename).name
                chatgpt_named = bool(_CHATGPT_MEMBER.match(member_name))
                if info.flag_bits & 0x1:
                    raise ImportExportError(f"{path.name}: {member_name} is encrypted.", path=path)
                with archive.open(info) as member:
                    # The declared size bounds the read; a member that unpacks to more is refused.
                    data = member.read(info.file_size + 1)
                if len(data) > info.file_size:
                    raise ImportExportError(
                        f"{path.name}: {member_name} unpacks to more than it declares.", path=path
                    )
                label = f"{path.name}/{member_name}"
                parsed = _parse_document(
                    _decode(data, label, path),
                    label,
                    path,
                    required=chatgpt_named,
                    assets=assets,
                )
                if parsed is not None:
                    found = True
                    conversations.extend(parsed.conversations)
                    empty += parsed.empty
                    refused += parsed.refused
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError) as error:
        raise ImportExportError(f"{path.name}: damaged zip archive ({error}).", path=path) from None
    except (NotImplementedError, RuntimeError, EOFError, OSError) as error:
        raise ImportExportError(
            f"{path.name}: cannot unpack the archive ({error}).", path=path
        ) from None
    if not found:
        raise ImportExportError(
            f"{path.name}: the archive holds no conversations file "
            "(conversations.json or a Desktop Chat export).",
            path=path,
        )
    return ParsedFile(conversations, empty, refused)


def read_import_file(path: Path) -> ParsedFile:
    """Read and parse every conversation in ``path`` (JSON or zip), without storing anything.

    Raises:
        ImportExportError: the file is missing, too large, damaged or of an unknown kind.
    """
    reader: Callable[[Path], ParsedFile]
    try:
        if not path.is_file():
            raise ImportExportError(f"{path.name}: no such file.", path=path)
        reader = _read_zip if zipfile.is_zipfile(path) else _read_json_file
        return reader(path)
    except OSError as error:
        raise ImportExportError(
            f"{path.name}: cannot be read ({error.strerror or error}).", path=path
        ) from None
    except MemoryError:
        raise ImportExportError(f"{path.name}: too large to read.", path=path) from None
