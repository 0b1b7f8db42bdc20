"""A response body read in bounded pieces, decompressed, and cut at a size limit.

httpx inflates a compressed body one network read at a time with no bound on what a read turns
into: 64 KB of a gzip bomb become about 64 MB at once. Here gzip and deflate bodies are inflated
with zlib's ``max_length``, so no piece is larger than ``STEP`` bytes, and a reader that stops at
its limit never holds much more than the limit. Only those two encodings are asked for.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

import httpx

__all__ = ["ACCEPT_ENCODING", "STEP", "body_chunks", "read_limited"]

#: The ``Accept-Encoding`` every request sends: the encodings :func:`body_chunks` inflates itself.
ACCEPT_ENCODING = "gzip, deflate"
#: The largest piece :func:`body_chunks` yields from a compressed body.
STEP = 64 * 1024


def body_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The body of ``response`` as it arrives, decompressed.

    Raises:
        httpx.DecodingError: a gzip or deflate body that is not valid compressed data.
        httpx.RequestError: reading failed.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return response.iter_raw()
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _inflate(response.iter_raw(), encoding)
    # An encoding nobody asked for: httpx decodes it if it can, and passes it through otherwise.
    return response.iter_bytes()


def _wbits(encoding: str, first: bytes) -> int:
    """zlib's window bits for a body that starts with ``first`` (at least 2 bytes)."""
    if encoding != "deflate":
        return zlib.MAX_WBITS | 16
    # "deflate" is meant to be zlib-wrapped, but some servers send a raw deflate stream.
    wrapped = first[0] & 0x0F == 8 and ((first[0] << 8) | first[1]) % 31 == 0
    return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS


def _inflate(raw: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    inflater: zlib._Decompress | None = None
    start = b""
    for received in raw:
        data = received
        if inflater is None:
            start += received
            if len(start) < 2:  # what a deflate body is wrapped in shows in its first 2 bytes
                continue
            inflater = zlib.decompressobj(_wbits(encoding, start))
            data = start
        while True:
            try:
                out = inflater.decompress(data, STEP)
            except zlib.error as exc:
                raise httpx.DecodingError(f"invalid {encoding} data: {exc}") from None
            if out:
                yield out
            data = inflater.unconsumed_tail
            if not data and len(out) < STEP:
                break
        if inflater.eof:
            # Whatever follows the end of the compressed data is not part of the body.
            return
    if start and inflater is None:
        raise httpx.DecodingError(f"invalid {encoding} data: one byte")


def read_limited(chunks: Iterable[bytes], limit: int, first: bytes = b"") -> tuple[bytes, bool]:
    """Read ``first`` and then ``chunks`` until the end or until more than ``limit`` bytes came.

    Returns:
        At most ``limit`` bytes of the body, and True when the body was longer than that.
    """
    parts = [first]
    size = len(first)
    if size > limit:
        return first[:limit], True
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(parts)[:limit], True
    return b"".join(parts), False
