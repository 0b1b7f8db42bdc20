"""Fuzzing the importers: damaged exports of both formats, arbitrary JSON and arbitrary bytes.

Every file goes through ``import_file`` into a real SQLite database. The contract: a file is
either imported or refused with ``ImportExportError``, and a refused file adds nothing.
"""

from __future__ import annotations

import copy
import io
import json
import sqlite3
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_chat.core.errors import ImportExportError
from desktop_chat.core.history.storage import Storage, open_storage
from desktop_chat.core.transfer.export import to_json
from desktop_chat.core.transfer.importers import import_file
from tests.fixtures.sample_conversation import sample

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CHATGPT = Path(__file__).parents[1] / "fixtures" / "chatgpt" / "conversations.json"
OWN_SEED: Any = json.loads(to_json(*sample()))
CHATGPT_SEED: Any = json.loads(CHATGPT.read_text(encoding="utf-8"))

# Values that have broken importers elsewhere: huge and odd numbers, lone surrogates, wrong types.
_AWKWARD = [
    10**30,
    -(10**30),
    2**63,
    10**400,
    1e308,
    -0.0,
    0,
    -1,
    True,
    "",
    "\ud800",
    "\x00",
    "x" * 300,
    [],
    {},
    None,
    "root",
    "u1",
    "a1",
]
json_values = st.recursive(
    st.one_of(
        st.sampled_from(_AWKWARD),
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=10),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _slots(node: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) pair in a decoded JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from _slots(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield node, index
            yield from _slots(value)


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> Any:
    """``seed`` with a few values replaced, removed or moved."""
    document = copy.deepcopy(seed)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        slots = list(_slots(document))
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "delete", "copy"]))
        if action == "replace":
            container[key] = draw(json_values)
        elif action == "delete":
            del container[key]
        else:
            other, other_key = draw(st.sampled_from(slots))
            container[key] = copy.deepcopy(other[other_key])
    return document


def counts(storage: Storage) -> tuple[int, int]:
    with sqlite3.connect(storage.path) as db:
        conversations = db.execute("SELECT count(*) FROM conversations").fetchone()[0]
        messages = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    return int(conversations), int(messages)


def check_import(storage: Storage, folder: Path, name: str, data: bytes) -> None:
    """Import ``data`` as ``name``: success adds what it reports, refusal adds nothing."""
    path = folder / name
    path.write_bytes(data)
    before = counts(storage)
    try:
        result = import_file(storage, path)
    except ImportExportError as refusal:
        worded = bool(refusal.message)
        assert worded, "a refusal says why"
        assert counts(storage) == before, "a refused file must import nothing"
        return
    conversations, messages = counts(storage)
    assert conversations == before[0] + len(result.imported)
    # what was stored can be read back whole
    read_back = 0
    for conversation_id in result.imported:
        assert storage.get_conversation(conversation_id) is not None
        read_back += len(storage.conversation_messages(conversation_id))
    assert messages == before[1] + read_back


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Storage, Path]]:
    folder = tmp_path_factory.mktemp("fuzz-import")
    opened = open_storage(folder / "conversations.sqlite3")
    yield opened.storage, folder
    opened.storage.close()


@FUZZ
@given(document=mutated(OWN_SEED))
def test_damaged_own_json_is_imported_or_refused_cleanly(
    database: tuple[Storage, Path], document: Any
) -> None:
    storage, folder = database
    check_import(storage, folder, "own.json", json.dumps(document).encode())


@FUZZ
@given(document=mutated(CHATGPT_SEED))
def test_damaged_chatgpt_export_is_imported_or_refused_cleanly(
    database: tuple[Storage, Path], document: Any
) -> None:
    storage, folder = database
    check_import(storage, folder, "conversations.json", json.dumps(document).encode())


@FUZZ
@given(
    document=st.one_of(
        json_values,
        st.fixed_dictionaries({"format": st.just("desktop-chat-conversation")}, optional={
            "version": json_values, "conversation": json_values, "messages": json_values}),
        st.lists(st.fixed_dictionaries({"mapping": json_values}), max_size=3),
    )
)  # fmt: skip
def test_arbitrary_json_is_imported_or_refused_cleanly(
    database: tuple[Storage, Path], document: Any
) -> None:
    storage, folder = database
    check_import(storage, folder, "any.json", json.dumps(document).encode())


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.binary(max_size=100).map(lambda tail: b"PK\x03\x04" + tail),
        st.binary(max_size=100).map(lambda tail: b'{"format": "desktop-chat-conversation"' + tail),
    )
)
def test_arbitrary_bytes_are_imported_or_refused_cleanly(
    database: tuple[Storage, Path], data: bytes
) -> None:
    storage, folder = database
    check_import(storage, folder, "bytes.json", data)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(),
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        # Two members with one name are a fair hostile input; zipfile only warns about them.
        warnings.simplefilter("ignore", UserWarning)
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    members=st.lists(
        st.tuples(
            st.sampled_from(["conversations.json", "a/b.json", "user.json", "x.txt", "../c.json"]),
            st.one_of(
                mutated(CHATGPT_SEED).map(lambda doc: json.dumps(doc).encode()),
                mutated(OWN_SEED).map(lambda doc: json.dumps(doc).encode()),
                st.binary(max_size=50),
            ),
        ),
        max_size=3,
    ),
    cut=st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
)
def test_damaged_zip_archives_are_imported_or_refused_cleanly(
    database: tuple[Storage, Path], members: list[tuple[str, bytes]], cut: int | None
) -> None:
    storage, folder = database
    data = _zip(members)
    check_import(storage, folder, "export.zip", data if cut is None else data[:cut])


# -- the inputs the fuzzing found, one test each ------------------------------------------------


def _own(message_field: str, value: object) -> bytes:
    document = copy.deepcopy(OWN_SEED)
    document["messages"][0][message_field] = value
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        pytest.param("own.json", _own("created_at", 10**30), id="own-created_at-10**30"),
        pytest.param("own.json", _own("ttft_ms", 2**63), id="own-ttft_ms-2**63"),
        pytest.param(
            "conversations.json",
            json.dumps([{**CHATGPT_SEED[0], "create_time": 10**400}]).encode(),
            id="chatgpt-create_time-10**400",
        ),
        pytest.param("own.json", _own("content", "\ud800"), id="own-lone-surrogate"),
        pytest.param(
            "conversations.json",
            json.dumps([{**CHATGPT_SEED[0], "title": "\ud800"}]).encode(),
            id="chatgpt-lone-surrogate",
        ),
    ],
)
def test_found_inputs_are_imported_or_refused_cleanly(
    tmp_path: Path, name: str, data: bytes
) -> None:
    opened = open_storage(tmp_path / "conversations.sqlite3")
    try:
        check_import(opened.storage, tmp_path, name, data)
    finally:
        opened.storage.close()
