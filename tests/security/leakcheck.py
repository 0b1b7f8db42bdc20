"""Finding an API key, or a fragment of it, in any text or bytes, in any common encoding."""

from __future__ import annotations

import base64
import secrets
import zlib
from dataclasses import dataclass, field

MARKER = "LEAKCHECK"
FRAGMENT = 10  # any run of this many characters of the key's random part counts as a leak


def make_key() -> str:
    """A distinctive fake key: ``sk-test-LEAKCHECK-<32 random hex digits>``."""
    return f"sk-test-{MARKER}-{secrets.token_hex(16)}"


def _base64_forms(secret: bytes) -> list[bytes]:
    """The key as it appears inside base64 text, whatever its offset in the encoded data."""
    forms = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + secret)
        # Drop the groups that mix in the padding bytes or the unknown tail.
        start = 4 if offset else 0
        forms.append(encoded[start:-4])
    return forms


@dataclass
class LeakCheck:
    """Searches for one key; ``where`` collects a line per place it was found."""

    key: str
    where: list[str] = field(default_factory=list)

    def needles(self) -> list[bytes]:
        random_part = self.key.rsplit("-", 1)[1]
        texts = [self.key, MARKER] + [
            random_part[i : i + FRAGMENT] for i in range(len(random_part) - FRAGMENT + 1)
        ]
        found: list[bytes] = []
        for text in texts:
            found += [text.encode(), text.encode("utf-16-le"), text.encode("utf-16-be")]
        return found + _base64_forms(self.key.encode())

    def scan(self, label: str, data: bytes | str | None) -> None:
        """Record ``label`` when ``data`` holds the key or a fragment of it."""
        if data is None:
            return
        blob = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        for needle in self.needles():
            if needle in blob:
                self.where.append(f"{label}: holds {needle[:24]!r}")
                return

    def scan_compressed(self, label: str, data: bytes) -> None:
        """Like :meth:`scan`, also inside every zlib stream (PDF page contents, zip members)."""
        self.scan(label, data)
        start = 0
        while (start := data.find(b"stream", start)) >= 0:
            start += len(b"stream")
            body = data[start : start + 2_000_000].lstrip(b"\r\n")
            try:
                self.scan(f"{label} (compressed stream)", zlib.decompressobj().decompress(body))
            except zlib.error:
                continue

    def scan_exception(self, label: str, error: BaseException) -> None:
        """The error, its causes and contexts: str, repr, args and every public attribute."""
        seen: set[int] = set()
        current: BaseException | None = error
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            name = f"{label} ({type(current).__name__})"
            self.scan(f"{name} str", str(current))
            self.scan(f"{name} repr", repr(current))
            self.scan(f"{name} args", repr(current.args))
            for attribute, value in vars(current).items():
                text = value if isinstance(value, str) else repr(value)
                self.scan(f"{name}.{attribute}", text)
            current = current.__cause__ or current.__context__
