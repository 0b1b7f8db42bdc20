"""Bodies decompressed in bounded pieces and cut at a limit, whatever the chunking."""

from __future__ import annotations

import gzip
import itertools
import zlib
from collections.abc import Iterable, Iterator

import httpx
import pytest

from desktop_chat.core.client._body import STEP, body_chunks, read_limited

TEXT = b'{"data": [' + b", ".join(b'{"id": "model-%d"}' % i for i in range(2000)) + b"]}"


class _Parts(httpx.SyncByteStream):
    """A body that arrives in the given pieces, counting how many were taken."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        self._parts = parts
        self.taken = 0

    def __iter__(self) -> Iterator[bytes]:
        for part in self._parts:
            self.taken += 1
            yield part


def _response(encoding: str | None, parts: Iterable[bytes]) -> tuple[httpx.Response, _Parts]:
    stream = _Parts(parts)
    headers = {"content-encoding": encoding} if encoding else {}
    return httpx.Response(200, headers=headers, stream=stream), stream


def _pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        (None, TEXT),
        ("identity", TEXT),
        ("gzip", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", _raw_deflate(TEXT)),
    ],
)
@pytest.mark.parametrize("size", [1, 7, 1 << 20])
def test_the_body_is_the_same_however_it_is_cut(
    encoding: str | None, encoded: bytes, size: int
) -> None:
    response, _ = _response(encoding, _pieces(encoded, size))
    assert b"".join(body_chunks(response)) == TEXT


def test_a_bomb_comes_out_in_bounded_pieces_and_is_cut_at_the_limit() -> None:
    bomb = gzip.compress(bytes(64 * 1024 * 1024))  # about 64 KB on the wire
    pieces: list[int] = []

    def measured(chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            pieces.append(len(chunk))
            yield chunk

    response, _ = _response("gzip", [bomb])
    limit = 3 * STEP + 5
    assert read_limited(measured(body_chunks(response)), limit) == (bytes(limit), True)
    assert max(pieces) <= STEP
    assert sum(pieces) <= limit + STEP


def test_nothing_after_the_end_of_the_compressed_data_is_read() -> None:
    endless = itertools.chain([gzip.compress(b"body")], itertools.repeat(b"junk"))
    response, stream = _response("gzip", endless)
    assert b"".join(body_chunks(response)) == b"body"
    assert stream.taken <= 2


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
@pytest.mark.parametrize("body", [b"not compressed at all, whatever the header says", b"x"])
def test_data_that_is_not_compressed_is_a_decoding_error(encoding: str, body: bytes) -> None:
    response, _ = _response(encoding, [body])
    with pytest.raises(httpx.DecodingError):
        b"".join(body_chunks(response))


def test_an_empty_compressed_body_is_empty() -> None:
    response, _ = _response("gzip", [b"", b""])
    assert b"".join(body_chunks(response)) == b""


@pytest.mark.parametrize(
    ("first", "chunks", "limit", "expected"),
    [
        (b"", [b"abc", b"def"], 6, (b"abcdef", False)),
        (b"", [b"abc", b"defg"], 6, (b"abcdef", True)),
        (b"ab", [b"cd"], 4, (b"abcd", False)),
        (b"abcdefgh", [b"never read"], 4, (b"abcd", True)),
        (b"", [], 0, (b"", False)),
    ],
)
def test_read_limited(
    first: bytes, chunks: list[bytes], limit: int, expected: tuple[bytes, bool]
) -> None:
    assert read_limited(iter(chunks), limit, first) == expected
