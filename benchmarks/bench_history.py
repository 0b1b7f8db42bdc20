"""Time the conversation history at scale: open, list, load a long conversation, search, memory.

Builds (once, then cached) a database of 10,000 conversations and 1,000,000 messages with
``benchmarks.history_data`` and prints the median of several runs of each operation the window
performs at start and when the user browses. Run ``python -m benchmarks.bench_history``
(``--help`` for the options). The ``time_*`` functions take an open ``Storage`` so the window's own
benchmarks can call them.

Figures are for a warm file cache: the database was just built or read.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.history_data import DATA_VERSION, build
from desktop_chat.core.storage import Storage

SCREENFUL = 50
# "the" is taken whole; "with" and "func" (four letters) also match as prefixes, as when typing.
COMMON_WORD = "the"
RARE_WORD = "bicycle"

_START_CHILD = """
import sys, time
started = time.perf_counter()
from desktop_chat.core.storage import open_storage
opened = open_storage(sys.argv[1])
opened.storage.list_conversations(limit=50)
print(time.perf_counter() - started)
opened.storage.close()
"""

_RSS_CHILD = """
import sys
from pathlib import Path
from desktop_chat.core.storage import Storage

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
