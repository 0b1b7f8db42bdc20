"""The icon files: every size renders, and the .ico / .icns containers parse."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from appinfo import APP_ID
from icon_formats import ICNS_TYPES, ICO_SIZES, png_size, write_icns, write_ico
from make_icons import HICOLOR_SIZES, SOURCE_SVG, IconSet, make_icons, render_png
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QImageReader


@pytest.fixture(scope="module")
def icons(tmp_path_factory: pytest.TempPathFactory) -> IconSet:
    return make_icons(tmp_path_factory.mktemp("icons"))


def _decode(png: bytes) -> QImage:
    image = QImage.fromData(png)
    assert not image.isNull()
    return image


def test_hicolor_has_every_size(icons: IconSet) -> None:
    for size in HICOLOR_SIZES:
        png = icons.hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        image = _decode(png.read_bytes())
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()
    scalable = icons.hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    assert scalable.read_bytes() == SOURCE_SVG.read_bytes()


def test_rendered_icon_shows_the_bubble_on_a_transparent_background() -> None:
    image = _decode(render_png(SOURCE_SVG, 128))
    assert image.pixelColor(0, 0).alpha() == 0  # outside the rounded square
    assert image.pixelColor(64, 40).name() == "#ffffff"  # the speech bubble
    background = image.pixelColor(20, 110)
    assert background.alpha() == 255
    assert background.blue() > 150 > background.red()


def test_ico_header_and_entries(icons: IconSet) -> None:
    data = icons.ico.read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind, count) == (0, 1, len(ICO_SIZES))
    sizes = []
    for index in range(count):
        width, height, _, _, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        size = width or 256
        assert (width, planes, bits) == (height, 1, 32)
        assert offset + length <= len(data)
        assert png_size(data[offset : offset + length]) == (size, size)
        sizes.append(size)
    assert sizes == sorted(ICO_SIZES)


def test_ico_reads_back_with_qt_image_reader(icons: IconSet) -> None:
    """Qt's own ICO reader is an independent check of the container."""
    raw = QByteArray(icons.ico.read_bytes())
    buffer = QBuffer(raw)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, QByteArray(b"ico"))
    assert reader.imageCount() == len(ICO_SIZES)
    widths = set()
    for index in range(reader.imageCount()):
        assert reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        widths.add(image.width())
    assert widths == set(ICO_SIZES)


def test_icns_header_and_entries(icons: IconSet) -> None:
    data = icons.icns.read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    found: dict[str, int] = {}
    position = 8
    while position < len(data):
        kind = data[position : position + 4].decode("ascii")
        (length,) = struct.unpack_from(">I", data, position + 4)
        image = _decode(data[position + 8 : position + length])
        assert image.width() == image.height()
        found[kind] = image.width()
        position += length
    assert position == len(data)
    assert found == dict(ICNS_TYPES)
    assert {"ic07", "ic08", "ic09", "ic10"} <= found.keys()


def test_containers_refuse_mismatched_images() -> None:
    png = render_png(SOURCE_SVG, 16)
    with pytest.raises(ValueError, match="expected a 32x32"):
        write_ico({32: png})
    with pytest.raises(ValueError, match=r"unknown \.icns entry"):
        write_icns({"ICN#": png})
    with pytest.raises(ValueError, match="not a PNG"):
        write_ico({16: b"GIF89a" + bytes(30)})


@pytest.mark.qt_log_ignore("Cannot read file")
def test_render_rejects_a_file_that_is_not_svg(tmp_path: Path) -> None:
    bad = tmp_path / "bad.svg"
    bad.write_text("this is not an svg", encoding="utf-8")
    with pytest.raises(ValueError, match="not an SVG"):
        render_png(bad, 16)
