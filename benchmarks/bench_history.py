"""Time the conversation history at scale: open, list, load a long conversation, search, memory.

Builds (once, then cached) a database of 10,000 conversations and 1,000,000 messages with
``benchmarks.history_data`` and prints the median of several runs of each operation the window
performs at start and when the user browses. Run ``python -m benchmarks.bench_history``
(``--help`` for the options). The ``time_*`` functions take an open ``Storage`` so the window's own
benchmarks can call them.

Figures are for a warm file cache: the database was just built or read.

The window's figures (``--window``, on by default) run the real window offscreen in new processes
whose ``DESKTOP_CHAT_HOME`` holds the big database (linked, not copied) and settings for the
built-in demo provider: process start to the window shown with its list painted, opening the
10,000-message conversation to its first paint, a search for a common word to its first page of
results painted, and the process's RSS after opening that conversation.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.history_data import DATA_VERSION, build, make_home
from desktop_chat.core.history.storage import Storage

SCREENFUL = 50
# "the" is taken whole; "with" and "func" (four letters) also match as prefixes, as when typing.
COMMON_WORD = "the"
RARE_WORD = "bicycle"

_START_CHILD = """
import sys, time
started = time.perf_counter()
from desktop_chat.core.history.storage import open_storage
opened = open_storage(sys.argv[1])
opened.storage.list_conversations(limit=50)
print(time.perf_counter() - started)
opened.storage.close()
"""

_RSS_CHILD = """
import sys
from pathlib import Path
from desktop_chat.core.history.storage import Storage

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

before = rss_mb()
storage = Storage.open(sys.argv[1])
storage.mark_interrupted_streams()
storage.list_conversations()
messages = storage.current_path(int(sys.argv[2]))
print(f"{before:.1f} {rss_mb():.1f} {len(messages)}")
"""


# Started by the parent with its wall-clock time: prints the seconds from then to the window shown
# with the conversation list painted, using the application's own start-up.
_WINDOW_START_CHILD = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from desktop_chat.ui.app.app import run
from desktop_chat.ui.window.main_window import MainWindow
from desktop_chat.ui.app.startup import make_application

parent_started = float(sys.argv[1])
argv = [sys.argv[0]]
app = make_application(argv)

class Painted(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
            if window.conversation_list.count():
                print(time.time() - parent_started, flush=True)
                QTimer.singleShot(0, window.close)
                watched.removeEventFilter(self)
        return False

painted = Painted()

def watch():
    for widget in app.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.conversation_list.viewport().installEventFilter(painted)

QTimer.singleShot(0, watch)
sys.exit(run(argv))
"""

# Opens the window (as the app does), then times, in this one process: opening the longest
# conversation to its first paint, and a search to its first page of results painted.
_WINDOW_CHILD = """
import json, sys, time
from pathlib import Path
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import load_settings
from desktop_chat.core.history.storage import open_storage
from desktop_chat.ui.window.main_window import MainWindow
from desktop_chat.ui.app.startup import make_application
from desktop_chat.ui.common.theme import apply_theme

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0

big_id, small_id, word, repeat = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
app = make_application([sys.argv[0]])
loaded = load_settings()
opened = open_storage(database_path())
apply_theme(app, loaded.settings.theme)
window = MainWindow(loaded.settings, opened.storage, database_path(), SecretStore(), save=False)
window.show()
app.processEvents()

class Painted(QObject):
    area = None
    seen = False
    def eventFilter(self, watched, event):
        area = Painted.area
        if (event.type() == QEvent.Type.Paint and area is not None
                and isinstance(watched, QWidget) and area.isAncestorOf(watched)):
            Painted.seen = True
        return False

painted = Painted()
app.installEventFilter(painted)

def until_painted(area):
    # Any widget inside ``area`` painting counts: the messages cover the viewport itself.
    Painted.area, Painted.seen = area, False
    deadline = time.perf_counter() + 10
    while not Painted.seen and time.perf_counter() < deadline:
        app.processEvents()
        # Outside exec() deleteLater() never runs by itself: do what the event loop would.
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    Painted.area = None
    if not Painted.seen:
        raise SystemExit("nothing was painted within 10 s")

open_ms, search_ms, rss = [], [], None
for _ in range(repeat):
    window.open_conversation(small_id)
    until_painted(window.transcript)
    started = time.perf_counter()
    window.open_conversation(big_id)
    until_painted(window.transcript)
    open_ms.append((time.perf_counter() - started) * 1000)
    if rss is None:
        rss = rss_mb()
    path_length = len(window.transcript.messages())
for _ in range(repeat):
    window.history.search_field.clear()
    window.history.run_search()
    app.processEvents()
    started = time.perf_counter()
    window.history.search_field.setText(word)
    window.history.run_search()  # what the debounce timer calls once typing pauses
    until_painted(window.history.results)
    search_ms.append((time.perf_counter() - started) * 1000)
    hits = window.history.results.hit_count()
window.close()
opened.storage.close()
print(json.dumps({"open_ms": open_ms, "search_ms": search_ms, "rss_mb": rss,
                  "path_length": path_length, "hits": hits}))
"""


def median_seconds(action: Callable[[], object], repeat: int = 5) -> float:
    """Run ``action`` ``repeat`` times and return the median duration in seconds."""
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def time_open(path: Path, repeat: int = 5) -> float:
    """Median seconds for what start-up does: open (with the schema check) and recover streams."""

    def open_once() -> None:
        storage = Storage.open(path)
        storage.mark_interrupted_streams()
        storage.close()

    return median_seconds(open_once, repeat)


def time_list(storage: Storage, limit: int | None, repeat: int = 5) -> float:
    """Median seconds to load the conversation list (``limit`` rows, None for all)."""
    return median_seconds(lambda: storage.list_conversations(limit=limit), repeat)


def time_path(storage: Storage, conversation_id: int, repeat: int = 5) -> float:
    """Median seconds to load a conversation's branch on screen."""
    return median_seconds(lambda: storage.current_path(conversation_id), repeat)


def time_search(storage: Storage, query: str, repeat: int = 5) -> float:
    """Median seconds for the first page (50 hits) of a full-text search."""
    return median_seconds(lambda: storage.search(query, limit=50), repeat)


def time_fresh_start(path: Path, repeat: int = 5) -> float:
    """Median seconds, in a new interpreter, to import the storage, open and list a screenful.

    This is the storage's share of a window start (the interpreter's own start not counted).
    """
    root = Path(__file__).resolve().parents[1]
    durations = [
        float(
            subprocess.run(
                [sys.executable, "-c", _START_CHILD, str(path)],
                capture_output=True,
                text=True,
                check=True,
                cwd=root,
                timeout=300,
            ).stdout
        )
        for _ in range(repeat)
    ]
    return statistics.median(durations)


def measure_rss(path: Path, conversation_id: int) -> tuple[float, float, int]:
    """In a fresh interpreter: RSS before opening, after opening the conversation, its length."""
    root = Path(__file__).resolve().parents[1]
    output = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD, str(path), str(conversation_id)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        timeout=300,
    ).stdout.split()
    return float(output[0]), float(output[1]), int(output[2])


def _window_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DESKTOP_CHAT_HOME"] = str(home)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return env


def time_window_start(home: Path, repeat: int = 5) -> float:
    """Median seconds from process start to the window shown with its list painted."""
    root = Path(__file__).resolve().parents[1]
    durations = []
    for _ in range(repeat):
        started = time.time()
        output = subprocess.run(
            [sys.executable, "-c", _WINDOW_START_CHILD, repr(started)],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env=_window_env(home),
            timeout=300,
        ).stdout
        durations.append(float(output.split()[0]))
    return statistics.median(durations)


def measure_window(home: Path, big_id: int, small_id: int, repeat: int = 5) -> dict[str, object]:
    """Open the longest conversation and search, in one window process; raw figures in ms/MB."""
    root = Path(__file__).resolve().parents[1]
    output = subprocess.run(
        [sys.executable, "-c", _WINDOW_CHILD, str(big_id), str(small_id), COMMON_WORD, str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env=_window_env(home),
        timeout=600,
    ).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def database(cache_dir: Path, conversations: int, messages: int, big: int, rebuild: bool) -> Path:
    """Return the cached database for these sizes, building it first when needed."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"history-v{DATA_VERSION}-{conversations}c-{messages}m-{big}b.sqlite3"
    if rebuild or not path.exists():
        print(f"Building {path} ...", flush=True)
        info = build(path, conversations=conversations, messages=messages, big=big, progress=True)
        size = path.stat().st_size / 1e6
        print(f"Built {info.messages:,} messages in {info.seconds:.1f} s ({size:,.0f} MB).")
    return path


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "desktop-chat-bench",
        help="where the generated database is kept between runs",
    )
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000, help="messages in the longest one")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument(
        "--no-window", action="store_true", help="skip the window's figures (no Qt needed)"
    )
    options = parser.parse_args(argv)
    path = database(
        options.cache_dir, options.conversations, options.messages, options.big, options.rebuild
    )
    repeat = options.repeat
    big_id = 1
    rows: list[tuple[str, float, str]] = []

    def ms(label: str, seconds: float, target: str) -> None:
        rows.append((label, seconds * 1000, target))
        print(f"{label:<52} {seconds * 1000:9.1f} ms   {target}", flush=True)

    print(f"Median of {repeat} runs, {options.messages:,} messages:")
    ms("open + schema check + mark_interrupted_streams", time_open(path, repeat), "")
    ms(
        "new process: import storage, open_storage, list 50",
        time_fresh_start(path, repeat),
        "window start budget 1 s",
    )
    with Storage.open(path) as storage:
        ms(f"conversation list, first {SCREENFUL}", time_list(storage, SCREENFUL, repeat), "")
        count = len(storage.list_conversations())
        ms(f"conversation list, all {count:,}", time_list(storage, None, repeat), "")
        length = len(storage.current_path(big_id))
        ms(
            f"current path of the longest ({length:,} messages)",
            time_path(storage, big_id, repeat),
            "target < 300 ms",
        )
        for word in (COMMON_WORD, RARE_WORD, "python async", "with", "func"):
            ms(
                f"search {word!r}, first page of 50",
                time_search(storage, word, repeat),
                "target <= 100 ms",
            )
        ms(
            f"search {COMMON_WORD!r} within the longest conversation",
            median_seconds(lambda: storage.search(COMMON_WORD, conversation_id=big_id), repeat),
            "",
        )
    before, after, loaded = measure_rss(path, big_id)
    print(f"{'RSS: python + core imported':<52} {before:9.1f} MB")
    print(f"{'RSS: after open, list and ' + f'{loaded:,}-message path':<52} {after:9.1f} MB")
    if not options.no_window:
        _window_figures(path, big_id, repeat, ms)
    return 0


def _window_figures(
    path: Path, big_id: int, repeat: int, ms: Callable[[str, float, str], None]
) -> None:
    with tempfile.TemporaryDirectory(prefix="desktop-chat-bench-home-") as folder:
        home = make_home(path, Path(folder))
        with Storage.open(path) as storage:
            small_id = next(c.id for c in storage.list_conversations(limit=5) if c.id != big_id)
        ms(
            "window: process start to list painted",
            time_window_start(home, repeat),
            "target <= 1 s",
        )
        figures = measure_window(home, big_id, small_id, repeat)
        open_ms = [float(v) for v in figures["open_ms"]]  # type: ignore[attr-defined]
        search_ms = [float(v) for v in figures["search_ms"]]  # type: ignore[attr-defined]
        ms(
            f"window: open {figures['path_length']:,} messages to first paint",
            statistics.median(open_ms) / 1000,
            "target <= 300 ms",
        )
        ms(
            f"window: search {COMMON_WORD!r} to first page painted ({figures['hits']} hits)",
            statistics.median(search_ms) / 1000,
            "target <= 100 ms",
        )
        rss = float(figures["rss_mb"])  # type: ignore[arg-type]
        print(
            f"{'window: RSS after opening the longest conversation':<52} {rss:9.1f} MB"
            "   target <= 300 MB"
        )


if __name__ == "__main__":
    sys.exit(main())
