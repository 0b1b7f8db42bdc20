"""Preparing attachments: kinds told by content, images made ready, text and PDF text, limits."""

from __future__ import annotations

import io
import struct
import threading
import zlib
from pathlib import Path

import pytest
from PIL import Image

from desktop_chat.core.attachments import _pdf
from desktop_chat.core.attachments._images import MAX_PIXELS
from desktop_chat.core.attachments.parts import file_block, file_part, image_part
from desktop_chat.core.attachments.prepare import (
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_MESSAGE_BYTES,
    MAX_TEXT_CHARS,
    PreparedAttachment,
    check_message,
    clean_name,
    estimate_tokens,
    prepare_data,
    prepare_file,
    size_text,
    summary,
)
from desktop_chat.core.errors import AttachmentError
from tests.attachment_files import encrypted_pdf, image, jpeg, pdf, png


def _pixels(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_a_small_png_without_metadata_is_stored_byte_for_byte() -> None:
    original = png(30, 20)
    prepared = prepare_data(original, "shot.png")
    assert (prepared.kind, prepared.mime, prepared.width, prepared.height) == (
        "image",
        "image/png",
        30,
        20,
    )
    assert prepared.data == original
    assert prepared.thumbnail is not None
    assert _pixels(prepared.thumbnail).size == (30, 20)


def test_png_text_chunks_are_dropped_losslessly() -> None:
    prepared = prepare_data(png(30, 20, Comment="taken at home"), "shot.png")
    assert b"taken at home" not in prepared.data
    assert _pixels(prepared.data).tobytes() == _pixels(png(30, 20)).tobytes()


def test_a_large_photo_is_turned_upright_scaled_and_loses_its_gps() -> None:
    original = jpeg(3000, 2000, orientation=6, gps=True)
    prepared = prepare_data(original, "photo.jpg", max_side=1024)
    result = _pixels(prepared.data)
    # Orientation 6 means the camera was turned: the picture is taller than wide once upright.
    assert result.size == (683, 1024) == (prepared.width, prepared.height)
    assert not result.getexif()
    assert prepared.mime == "image/jpeg"
    assert prepared.size < len(original)


def test_a_jpeg_that_needs_no_change_keeps_its_pixels_and_drops_its_exif() -> None:
    original = jpeg(64, 48, gps=True)
    prepared = prepare_data(original, "small.jpg")
    assert b"Exif" in original
    assert b"Exif" not in prepared.data
    # Lossless: the compressed picture itself is untouched.
    scan = original.index(b"\xff\xda")
    assert prepared.data.endswith(original[scan:])


@pytest.mark.parametrize(
    ("fmt", "mime"), [("GIF", "image/png"), ("BMP", "image/png"), ("WEBP", "image/webp")]
)
def test_other_formats_are_sent_as_models_take_them(fmt: str, mime: str) -> None:
    prepared = prepare_data(image(fmt), f"pic.{fmt.lower()}")
    assert prepared.mime == mime
    assert _pixels(prepared.data).size == (40, 30)


def test_a_decompression_bomb_is_refused_before_it_is_unpacked() -> None:
    data = bytearray(png(8, 8))
    # Claim 100,000 × 100,000 pixels in the header (and fix its checksum).
    ihdr = bytes(data[12:16]) + struct.pack(">II", 100_000, 100_000) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", 100_000, 100_000)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    with pytest.raises(AttachmentError, match=r"100,000 × 100,000 pixels.*megapixels") as caught:
        prepare_data(bytes(data), "bomb.png")
    assert caught.value.name == "bomb.png"
    assert MAX_PIXELS < 100_000 * 100_000


def test_a_damaged_image_is_refused_in_words() -> None:
    data = png(64, 64)
    with pytest.raises(AttachmentError, match=r"broken.png cannot be attached"):
        prepare_data(data[:60], "broken.png")


def test_a_pdf_gives_its_text_page_by_page() -> None:
    prepared = prepare_data(pdf(["First page", "Second (page)"]), "report.pdf")
    assert (prepared.kind, prepared.mime, prepared.pages) == ("pdf", "application/pdf", 2)
    assert prepared.text == "[Page 1]\nFirst page\n\n[Page 2]\nSecond (page)"


def test_a_scanned_pdf_says_so() -> None:
    with pytest.raises(AttachmentError, match=r"scan.pdf holds no text.*scanned"):
        prepare_data(pdf(["", ""]), "scan.pdf")


def test_a_password_protected_pdf_is_refused() -> None:
    with pytest.raises(AttachmentError, match=r"secret.pdf cannot be attached: it is protected"):
        prepare_data(encrypted_pdf(), "secret.pdf")


def test_a_damaged_pdf_is_refused() -> None:
    with pytest.raises(AttachmentError, match=r"bad.pdf cannot be attached: it is not a readable"):
        prepare_data(b"%PDF-1.4\nnothing else", "bad.pdf")


def test_a_pdf_with_too_many_pages_is_refused_before_reading_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_pdf, "MAX_PAGES", 3)
    with pytest.raises(AttachmentError, match="it has 4 pages; at most 3 are read"):
        prepare_data(pdf(["a", "b", "c", "d"]), "long.pdf")


def test_reading_a_pdf_stops_at_its_deadline() -> None:
    ticks = iter(range(0, 10_000, 100))
    with pytest.raises(_pdf.PdfError, match="longer than"):
        _pdf.pdf_text(pdf(["a", "b", "c"]), clock=lambda: float(next(ticks)))


def test_reading_a_pdf_can_be_cancelled() -> None:
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(InterruptedError):
        prepare_data(pdf(["a"]), "a.pdf", cancelled=cancelled)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"def main():\n    return 1\n", "def main():\n    return 1\n"),
        ("\ufeffcaf\u00e9\n".encode(), "caf\u00e9\n"),
        ("na\u00efve\n".encode("cp1252"), "na\u00efve\n"),
        ("h\u00e9llo".encode("utf-16"), "h\u00e9llo"),
    ],
)
def test_text_is_told_by_its_content_not_its_name(data: bytes, text: str) -> None:
    prepared = prepare_data(data, "no-extension")
    assert (prepared.kind, prepared.text, prepared.data) == ("text", text, data)


@pytest.mark.parametrize("data", [b"\x00\x01\x02\x03" * 10, bytes(range(1, 32)) * 20])
def test_a_binary_file_is_refused_as_an_unknown_kind(data: bytes) -> None:
    with pytest.raises(AttachmentError, match=r"program.exe is not a file that can be attached"):
        prepare_data(data, "program.exe")


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(AttachmentError, match=r"empty.txt is empty"):
        prepare_data(b"", "empty.txt")


def test_a_file_over_the_size_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "huge.log"
    with big.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 5)
    with pytest.raises(AttachmentError, match=r"huge.log is 20.0 MB, larger than the 20.0 MB"):
        prepare_file(big)


def test_a_missing_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match=r"gone.txt is not a file"):
        prepare_file(tmp_path / "gone.txt")
    with pytest.raises(AttachmentError, match="is not a file"):
        prepare_file(tmp_path)


def test_an_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "locked.txt"
    secret.write_text("x")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(AttachmentError, match=r"locked.txt cannot be read: Permission denied"):
        prepare_file(secret)


def test_too_much_text_in_one_file_gives_the_token_estimate() -> None:
    data = b"word " * (MAX_TEXT_CHARS // 5 + 1)
    with pytest.raises(AttachmentError, match=r"about 250,002 tokens.*about 250,000 tokens"):
        prepare_data(data, "book.txt")


def _fake(size: int = 10, text: str = "") -> PreparedAttachment:
    return PreparedAttachment("f", "text", "text/plain", b"x" * size, text)


def test_the_limits_of_one_message() -> None:
    check_message([_fake() for _ in range(MAX_FILES)])
    with pytest.raises(AttachmentError, match=f"at most {MAX_FILES} files"):
        check_message([_fake() for _ in range(MAX_FILES + 1)])
    with pytest.raises(AttachmentError, match="add up to"):
        check_message([_fake(MAX_MESSAGE_BYTES // 2 + 1), _fake(MAX_MESSAGE_BYTES // 2 + 1)])
    half = "x" * (MAX_TEXT_CHARS // 2 + 1)
    with pytest.raises(AttachmentError, match="together"):
        check_message([_fake(text=half), _fake(text=half)])


def test_names_lose_their_folders_and_control_characters() -> None:
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("C:\\Users\\me\\a.txt") == "a.txt"
    assert clean_name("evil\nname\x1b.txt") == "evil_name_.txt"
    assert clean_name("") == "attachment"
    assert len(clean_name("x" * 1000)) == 255


def test_sizes_summaries_and_estimates() -> None:
    assert [size_text(n) for n in (12, 2048, 5 * 1024 * 1024)] == ["12 B", "2 KB", "5.0 MB"]
    assert estimate_tokens(9) == 3
    assert summary("pdf", 2048, pages=1, chars=400) == "2 KB · 1 page · ~100 tokens"
    assert summary("image", 100) == "100 B"


def test_parts_frame_files_and_carry_images_as_data_urls() -> None:
    assert image_part("image/png", b"\x89PNG") == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBORw=="},
    }
    assert file_block("a.py", "text", "x = 1") == (
        "--- Attached file: a.py ---\nx = 1\n--- End of a.py ---"
    )
    assert file_part("r.pdf", "pdf", "[Page 1]\nhi\n", 1)["text"] == (
        "--- Attached PDF: r.pdf (1 page) ---\n[Page 1]\nhi\n--- End of r.pdf ---"
    )
