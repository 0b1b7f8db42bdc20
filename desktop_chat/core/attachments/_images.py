"""Images made ready to send: orientation applied, metadata dropped, scaled down when large.

Pillow reads only the header when an image is opened; the pixel count is checked against
:data:`MAX_PIXELS` before anything is decoded, so a small file that claims to be a huge picture
(a decompression bomb) is refused without being unpacked. Pillow's own bomb check is turned off
for that reason: ours comes first and is worded.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "MAX_PIXELS",
    "THUMBNAIL_SIDE",
    "ImageError",
    "ReadyImage",
    "image_format",
    "make_thumbnail",
    "ready_image",
    "thumbnail_of",
]

#: The most pixels an attached image may have (a 12-megapixel photo has 12,000,000).
MAX_PIXELS = 64_000_000
#: The longest side of the thumbnails shown in chips and in the transcript.
THUMBNAIL_SIDE = 256
_JPEG_QUALITY = 88
# A JPEG may be decoded down to this share of the longest side asked for, and no further.
_DRAFT_FLOOR = 0.75

# Our check, made before decoding, replaces Pillow's warning (see the module docstring).
Image.MAX_IMAGE_PIXELS = None

# Format detected from the first bytes -> the MIME type it is sent as, when sent unchanged.
_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
# Formats models do not take as they are (BMP), or only partly (an animated GIF), become PNG.
_SENT_AS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WEBP", "GIF": "PNG", "BMP": "PNG"}
# PNG chunks that carry text or camera data rather than the picture.
_PNG_METADATA = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The modes Pillow resamples smoothly.
_RESAMPLED_MODES = frozenset({"L", "LA", "RGB", "RGBA"})


class ImageError(Exception):
    """The bytes are an image that cannot be attached; the message says why, without a name."""


@dataclass(frozen=True, slots=True)
class ReadyImage:
    """An image as it is sent and stored.

    Attributes:
        data: the encoded image.
        mime: its MIME type.
        width: its width in pixels.
        height: its height in pixels.
        thumbnail: a small PNG or JPEG of it (longest side :data:`THUMBNAIL_SIDE`).
    """

    data: bytes
    mime: str
    width: int
    height: int
    thumbnail: bytes


def image_format(head: bytes) -> str | None:
    """The image format the first bytes of a file announce (``"PNG"`` ...), or None."""
    if head.startswith(_PNG_SIGNATURE):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(b"BM") and len(head) >= 26:
        return "BMP"
    return None


def _open(data: bytes, fmt: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt])
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ImageError(f"its {fmt} data cannot be read ({error})") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"it is {width:,} × {height:,} pixels, more than the "
            f"{MAX_PIXELS // 1_000_000} megapixels an attachment may have"
        )
    return image


def _has_metadata(image: Image.Image) -> bool:
    info = image.info
    return bool(info.get("exif") or info.get("xmp") or info.get("comment")) or any(
        isinstance(key, str) and key.lower() in ("xml:com.adobe.xmp", "raw profile type exif")
        for key in info
    )


def _strip_jpeg(data: bytes) -> bytes:
    """The JPEG without its APP1 (Exif, XMP), APP13 (IPTC) and comment segments, losslessly."""
    out = bytearray(data[:2])
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            break
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: the picture itself follows, kept whole
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if marker not in (0xE1, 0xED, 0xFE):
            out += data[position:end]
        position = end
    return bytes(out + data[position:])


def _strip_png(data: bytes) -> bytes:
    """The PNG without its text, time and Exif chunks, losslessly."""
    out = bytearray(_PNG_SIGNATURE)
    position = len(_PNG_SIGNATURE)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if kind not in _PNG_METADATA:
            out += data[position:end]
        position = end
        if kind == b"IEND":
            break
    return bytes(out)


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(buffer, "JPEG", quality=_JPEG_QUALITY)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=_JPEG_QUALITY)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            image = image.convert("RGBA")
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def _transparent(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def make_thumbnail(image: Image.Image) -> bytes:
    """A small copy of ``image`` for chips and the transcript: PNG when it has transparency."""
    transparent = _transparent(image)
    small = image if image.mode in _RESAMPLED_MODES else image.convert("RGBA")
    small = small.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    if transparent:
        small.convert("RGBA").save(buffer, "PNG")
    else:
        small.convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def ready_image(data: bytes, fmt: str, max_side: int) -> ReadyImage:
    """Make an image ready to send: upright, without metadata, its longest side at most
    ``max_side`` pixels.

    The file's own bytes are kept when nothing has to change; metadata alone is removed
    without re-encoding JPEG and PNG. Pixels are re-encoded only to turn or shrink the picture,
    or for formats models do not take as they are (BMP, the first frame of a GIF).

    Raises:
        ImageError: the image is damaged or has too many pixels.
    """
    image = _open(data, fmt)
    target = _SENT_AS[fmt]
    try:
        orientation = image.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError, struct.error):
        orientation = 1
    too_large = max(image.size) > max_side
    if fmt == "JPEG" and too_large:
        # Let the decoder scale by 1/2, 1/4 or 1/8 as it decodes: a 12-megapixel photo then
        # decodes straight to 2000 px, and little or no resampling is left to do.
        ratio = _DRAFT_FLOOR * max_side / max(image.size)
        image.draft("RGB", (int(image.size[0] * ratio) + 1, int(image.size[1] * ratio) + 1))
    try:
        image.load()
        if fmt == "GIF":
            image.seek(0)
        upright = ImageOps.exif_transpose(image) if orientation != 1 else image
        if max(upright.size) > max_side:
            # Resampling works in 8-bit grey or colour; palettes, CMYK and 16-bit grey go there.
            if upright.mode not in _RESAMPLED_MODES:
                upright = upright.convert("RGBA" if _transparent(upright) else "RGB")
            upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        thumbnail = make_thumbnail(upright)
    except (OSError, ValueError, SyntaxError, struct.error, EOFError) as error:
        raise ImageError(f"its {fmt} data is damaged ({error})") from None
    width, height = upright.size
    if too_large or orientation != 1 or target != fmt:
        encoded = _encode(upright, target)
    elif fmt == "JPEG":
        encoded = _strip_jpeg(data)
    elif fmt == "PNG":
        encoded = _strip_png(data)
    elif _has_metadata(image):
        encoded = _encode(upright, target)
    else:
        encoded = data
    return ReadyImage(encoded, _MIME[target], width, height, thumbnail)


def thumbnail_of(data: bytes) -> bytes | None:
    """A thumbnail of stored image bytes (an import's), or None when they are not a usable image."""
    fmt = image_format(data[:32])
    if fmt is None:
        return None
    try:
        image = _open(data, fmt)
        image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        image.load()
        return make_thumbnail(image)
    except (ImageError, OSError, ValueError, SyntaxError, struct.error, EOFError):
        return None
