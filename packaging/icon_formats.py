"""Windows ``.ico`` and macOS ``.icns`` containers, written from ready-made PNG images.

Both formats are a small header plus a table of images; modern Windows (Vista+) and macOS (10.7+)
accept PNG data in every entry, so no pixel conversion is needed::

    ICO:  ICONDIR(reserved=0, type=1, count) ICONDIRENTRY*count (16 bytes each) PNG data...
    ICNS: b"icns" total_length(u32 BE), then per image:
          OSType (4 bytes) length (u32 BE, header included) PNG data
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

__all__ = ["ICNS_TYPES", "ICO_SIZES", "png_size", "write_icns", "write_ico"]

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

#: ICNS PNG entry types and the pixel size each holds (the @2x types hold twice their point size).
ICNS_TYPES: Mapping[str, int] = {
    "ic11": 32,  # 16 pt @2x
    "ic12": 64,  # 32 pt @2x
    "ic07": 128,
    "ic13": 256,  # 128 pt @2x
    "ic08": 256,
    "ic14": 512,  # 256 pt @2x
    "ic09": 512,
    "ic10": 1024,  # 512 pt @2x
}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Return (width, height) from a PNG's IHDR chunk.

    Raises:
        ValueError: ``data`` is not a PNG.
    """
    if not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def write_ico(images: Mapping[int, bytes]) -> bytes:
    """Return an ``.ico`` file holding ``images`` (size in pixels -> square PNG data).

    Raises:
        ValueError: a size outside 1..256 or an image whose pixels do not match its size.
    """
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries: list[bytes] = []
    for size, png in sorted(images.items()):
        _check_square(png, size)
        if not 1 <= size <= 256:
            raise ValueError(f"an .ico entry cannot be {size} pixels wide")
        # A width or height of 0 means 256: the field is one byte.
        dimension = size % 256
        entries.append(
            struct.pack("<BBBBHHII", dimension, dimension, 0, 0, 1, 32, len(png), offset)
        )
        offset += len(png)
    return header + b"".join(entries) + b"".join(png for _, png in sorted(images.items()))


def write_icns(images: Mapping[str, bytes]) -> bytes:
    """Return an ``.icns`` file holding ``images`` (ICNS type such as ``ic07`` -> PNG data).

    Raises:
        ValueError: an unknown type or an image whose pixels do not match its type.
    """
    chunks: list[bytes] = []
    for kind, png in images.items():
        if kind not in ICNS_TYPES:
            raise ValueError(f"unknown .icns entry type {kind!r}")
        _check_square(png, ICNS_TYPES[kind])
        chunks.append(kind.encode("ascii") + struct.pack(">I", 8 + len(png)) + png)
    body = b"".join(chunks)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def _check_square(png: bytes, size: int) -> None:
    if png_size(png) != (size, size):
        raise ValueError(f"expected a {size}x{size} PNG, got {png_size(png)}")
