"""Attaching big files: time from picking a file to its chip, GUI loop lag meanwhile, and how the
database grows when the same image is attached to many messages.

Run from the repository root::

    python -m benchmarks.bench_attach

The real main window runs offscreen. Two files are made in the run:

- a 12-megapixel photo-like JPEG (4000 × 3000, gradient and grain);
- a 300-page PDF with 40 lines of text on each page.

For each, ``MainWindow.attach_files`` is called and the GUI loop spins until the chip shows the
prepared file; a 1 ms repeating timer on the GUI thread records how late it fires meanwhile.
Beside each figure is its floor, measured in the same run: for the time, the same work done by
the libraries alone on the main thread (Pillow decoding the JPEG; pypdf extracting every page's
text); for the lag, a bare ``QMainWindow`` idle for as long. Medians of 5 rounds.

Then the same prepared image is attached to 100 messages and the database's growth is printed
beside the image's own size. Targets: attach-to-chip within 1.5 × its floor, lag p99 <= 16 ms,
growth under 1.1 × one copy of the image.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_gui_lag import _LagMeter, _percentile, _spin

ROUNDS = 5
PDF_PAGES = 300
MESSAGES = 100
LAG_P99_TARGET_MS = 16.0


def _photo(path: Path) -> None:
    from PIL import Image

    gradient = Image.linear_gradient("L").resize((4000, 3000))
    grain = Image.effect_noise((4000, 3000), 24)
    photo = Image.merge("RGB", (gradient, Image.blend(gradient, grain, 0.35), grain))
    photo.save(path, "JPEG", quality=90)


def _long_pdf(path: Path) -> None:
    from tests.attachment_files import pdf

    line = "The quarterly figures for region {n} rose by {p} percent over the year before."
    pages = [
        "\n".join(line.format(n=page, p=row % 17) for row in range(40)) for page in range(PDF_PAGES)
    ]
    path.write_bytes(pdf(pages))


def _library_floor(path: Path) -> float:
    """The same decoding or extraction done by the library alone, on this thread."""
    started = time.perf_counter()
    if path.suffix == ".jpg":
        from PIL import Image

        with Image.open(path) as image:
            image.load()
    else:
        from pypdf import PdfReader

        for page in PdfReader(io.BytesIO(path.read_bytes())).pages:
            page.extract_text()
    return time.perf_counter() - started


def _attach_once(window: Any, meter: _LagMeter, path: Path) -> tuple[float, list[float]]:
    with meter.measuring():
        started = time.perf_counter()
        (item,) = window.attach_files([path])
        _spin(120, until=lambda: item.ready or bool(window.attachment_tray.problem_text()))
        elapsed = time.perf_counter() - started
        _spin(0.05)
    if not item.ready:
        raise RuntimeError(window.attachment_tray.problem_text())
    window.attachment_tray.set_items([])
    return elapsed, meter.lags()


def _bare_lags(meter: _LagMeter, seconds: float) -> list[float]:
    from PySide6.QtWidgets import QMainWindow

    bare = QMainWindow()
    bare.show()
    with meter.measuring():
        _spin(seconds)
    bare.close()
    return meter.lags()


def _growth(workdir: Path, photo: Path) -> tuple[int, int, int]:
    """(database growth in bytes for 100 messages with the image, image size, one message's)."""
    from desktop_chat.core.attachments.prepare import prepare_file
    from desktop_chat.core.history.storage import Storage

    prepared = prepare_file(photo)

    def size(path: Path) -> int:
        return path.stat().st_size

    path = workdir / "growth.sqlite3"
    with Storage.open(path) as storage:
        conversation = storage.create_conversation("growth")
        parent = storage.add_message(conversation.id, None, "user", "start").id
        storage._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = size(path)
        for index in range(MESSAGES):
            parent = storage.add_message(
                conversation.id, parent, "user", f"look {index}", attachments=[prepared]
            ).id
        storage._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        after = size(path)
    return after - before, prepared.size, len(prepared.thumbnail or b"")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    workdir = Path(tempfile.mkdtemp(prefix="bench-attach-"))
    os.environ["DESKTOP_CHAT_HOME"] = str(workdir / "home")
    photo, document = workdir / "photo-12mp.jpg", workdir / "report-300-pages.pdf"
    _photo(photo)
    _long_pdf(document)
    from benchmarks.bench_gui_lag import _window
    from desktop_chat.ui.app.startup import make_application

    app = make_application(["bench_attach"])
    meter = _LagMeter()
    window = _window(workdir, "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1")
    rows = []
    for path, label in ((photo, "12 MP JPEG"), (document, f"{PDF_PAGES}-page PDF")):
        times, lags, floors, bare = [], [], [], []
        for _ in range(ROUNDS):
            floors.append(_library_floor(path))
            elapsed, round_lags = _attach_once(window, meter, path)
            times.append(elapsed)
            lags.extend(round_lags)
            bare.extend(_bare_lags(meter, elapsed))
        rows.append((label, path.stat().st_size, times, floors, lags, bare))
    storage = window.storage
    window.close()
    window.deleteLater()
    _spin(0.2)
    storage.close()
    del app
    print(f"Attach to chip, medians of {ROUNDS}; Python {sys.version.split()[0]}")
    print(
        f"{'file':<15} {'size':>8} {'to chip':>9} {'floor':>9} {'ratio':>6} "
        f"{'lag p50':>8} {'lag p99':>8} {'lag max':>8} {'bare p99':>9}"
    )
    for label, size, times, floors, lags, bare in rows:
        median, floor = statistics.median(times), statistics.median(floors)
        print(
            f"{label:<15} {size / 1e6:>6.1f}MB {median * 1000:>7.0f}ms {floor * 1000:>7.0f}ms "
            f"{median / floor:>5.2f}x {statistics.median(lags):>6.2f}ms "
            f"{_percentile(lags, 0.99):>6.2f}ms {max(lags):>6.1f}ms "
            f"{_percentile(bare, 0.99):>7.2f}ms"
        )
    grown, image, thumbnail = _growth(workdir, photo)
    print(
        f"Database growth for the same image on {MESSAGES} messages: {grown / 1e6:.2f} MB "
        f"for a {image / 1e6:.2f} MB prepared image (+{thumbnail / 1e3:.0f} KB thumbnail): "
        f"{grown / image:.2f} x one copy ({MESSAGES} copies would be {MESSAGES} x)"
    )
    print(f"targets: to chip <= 1.5 x floor, lag p99 <= {LAG_P99_TARGET_MS:g} ms, growth < 1.1 x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
