"""The less travelled paths of preparing attachments: odd image modes, damaged PDFs, odd text,
and what an import may hand over."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf._page import PageObject
from pypdf.errors import FileNotDecryptedError, PdfReadError

from desktop_chat.core.attachments import _images, _pdf, prepare
from desktop_chat.core.attachments._images import _strip_jpeg, thumbnail_of
from desktop_chat.core.attachments._text import decode_text
from desktop_chat.core.attachments.prepare import MAX_FILE_BYTES, prepare_data, restore
from desktop_chat.core.errors import AttachmentError
from tests.attachment_files import encrypted_pdf, pdf, png


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("image", "fmt", "mime"),
    [
        (Image.new("CMYK", (3000, 100)), "JPEG", "image/jpeg"),
        (Image.new("RGB", (3000, 100)), "WEBP", "image/webp"),
        (Image.new("I;16", (3000, 100)), "PNG", "image/png"),
    ],
)
def test_large_images_of_any_mode_are_scaled_and_encoded(
    image: Image.Image, fmt: str, mime: str
) -> None:
    prepared = prepare_data(_encoded(image, fmt), f"big.{fmt.lower()}")
    assert prepared.mime == mime
    assert (prepared.width, prepared.height) == (2048, 68)


def test_a_transparent_image_gets_a_png_thumbnail() -> None:
    prepared = prepare_data(_encoded(Image.new("RGBA", (40, 40)), "PNG"), "clear.png")
    assert prepared.thumbnail is not None
    assert prepared.thumbnail.startswith(b"\x89PNG")


def test_a_webp_with_exif_is_encoded_again_without_it() -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    data = _encoded(Image.new("RGB", (20, 20)), "WEBP", exif=exif.tobytes())
    prepared = prepare_data(data, "photo.webp")
    assert b"Camera maker" in data
    assert b"Camera maker" not in prepared.data


def test_a_jpeg_whose_segments_are_damaged_keeps_the_rest_as_it_is() -> None:
    damaged = b"\xff\xd8" + b"\x00garbage"
    assert _strip_jpeg(damaged) == damaged


def test_thumbnails_of_stored_bytes_that_are_no_image() -> None:
    assert thumbnail_of(b"plain words") is None
    assert thumbnail_of(png(8, 8)[:40]) is None
    assert thumbnail_of(png(8, 8)) is not None


def test_a_pdf_encrypted_in_a_way_that_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def cannot(self: PdfReader, password: str) -> None:
        raise NotImplementedError("an unknown algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", cannot)
    with pytest.raises(AttachmentError, match="encrypted in a way that cannot be read"):
        prepare_data(encrypted_pdf(), "odd.pdf")


def test_a_pdf_that_refuses_to_open_without_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: PdfReader, *args: object, **kwargs: object) -> None:
        raise FileNotDecryptedError("File has not been decrypted")

    monkeypatch.setattr(PdfReader, "__init__", refuse)
    with pytest.raises(AttachmentError, match="protected by a password"):
        prepare_data(pdf(["x"]), "locked.pdf")


def test_a_pdf_whose_pages_cannot_be_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: PdfReader) -> object:
        raise PdfReadError("no page tree")

    monkeypatch.setattr(PdfReader, "pages", property(broken))
    with pytest.raises(AttachmentError, match="page list cannot be read"):
        prepare_data(pdf(["x"]), "pages.pdf")


def test_a_damaged_page_loses_only_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    original = PageObject.extract_text
    calls: list[int] = []

    def flaky(self: PageObject, *args: object, **kwargs: object) -> str:
        calls.append(1)
        if len(calls) == 2:
            raise KeyError("/Font")
        return original(self)

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    paused: list[int] = []
    text = _pdf.pdf_text(pdf(["one", "two", "three"]), between_pages=lambda: paused.append(1))
    assert text.text == "[Page 1]\none\n\n[Page 2]\n\n\n[Page 3]\nthree"
    assert len(paused) == 3


def test_too_much_pdf_text_gives_the_token_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepare, "MAX_TEXT_CHARS", 10)
    with pytest.raises(AttachmentError, match=r"long\.pdf holds .* characters"):
        prepare_data(pdf(["a line long enough"]), "long.pdf", cancelled=threading.Event())


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe\x00\xd8",  # UTF-16 with a lone surrogate
        b"\x81\x8d\x8f\x90\x9d\xc3" * 50,  # neither UTF-8 nor Windows-1252
    ],
)
def test_bytes_that_only_look_like_text_are_not_text(data: bytes) -> None:
    assert decode_text(data) is None


def test_empty_bytes_are_empty_text() -> None:
    assert decode_text(b"") == ""


def test_what_an_import_hands_over_is_held_to_the_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image = png(10, 10)
    restored = restore("../a.png", "image", "image/png", image, width=10, height=10)
    assert (restored.name, restored.thumbnail is not None) == ("a.png", True)
    with pytest.raises(AttachmentError, match="unknown kind or type"):
        restore("a.html", "text", "text/html", b"<p>")
    with pytest.raises(AttachmentError, match="larger than an attachment may be"):
        restore("big.txt", "text", "text/plain", b"x" * (MAX_FILE_BYTES + 1))
    monkeypatch.setattr(prepare, "MAX_TEXT_CHARS", 3)
    with pytest.raises(AttachmentError, match="characters of text"):
        restore("a.txt", "text", "text/plain", b"abcd", "abcd")
    assert _images.MAX_PIXELS > 12_000_000


@pytest.mark.parametrize(
    ("image", "fmt"), [(Image.new("CMYK", (30, 20)), "JPEG"), (Image.new("I;16", (30, 20)), "PNG")]
)
def test_a_turned_image_of_an_odd_mode_is_turned_upright(image: Image.Image, fmt: str) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    prepared = prepare_data(_encoded(image, fmt, exif=exif.tobytes()), f"turned.{fmt.lower()}")
    assert (prepared.width, prepared.height) == (20, 30)


def test_stripping_stops_at_the_end_of_a_short_file() -> None:
    from desktop_chat.core.attachments._images import _strip_png

    assert _strip_jpeg(b"\xff\xd8\xff\xe0\x00\x02") == b"\xff\xd8\xff\xe0\x00\x02"
    signature = png(4, 4)[:8]
    assert _strip_png(signature + b"\x00\x00") == signature


def test_a_pdf_encrypted_only_against_editing_is_read() -> None:
    prepared = prepare_data(encrypted_pdf(""), "readable.pdf")
    assert prepared.text == "[Page 1]\nclassified"
