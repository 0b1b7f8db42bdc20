"""Start-up benchmark: process start to the first painted window, idle memory, import times.

Run from the repository root::

    python -m benchmarks.bench_startup                      # --help for the options

Each run starts a new ``python`` process that runs the app's own entry point
(``desktop_chat.__main__.main``) on the offscreen platform with a fresh profile folder
(``DESKTOP_CHAT_HOME``). A small bootstrap wraps the app's ``make_application`` to watch for the
main window's first paint event; it then prints a marker, idles one second, prints the resident
memory (``VmRSS``) and quits. The time is measured from just before ``subprocess.Popen`` to the
moment the parent reads the marker: interpreter start, imports, settings, database, window, paint.

Two profiles: an empty one (first run: the welcome screen) and one whose data folder holds the
1,000,000-message database from ``benchmarks.history_data`` (built, or reused from the cache,
as ``python -m benchmarks.bench_history --cache-dir DIR`` does).

Targets: <= 0.8 s with the empty profile, <= 1 s with the large one, idle RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EMPTY_TARGET_S = 0.8
LARGE_TARGET_S = 1.0
RSS_TARGET_MB = 150.0
PAINTED = "desktop-chat-bench: painted"
RSS = "desktop-chat-bench: rss-mb"

# Runs in the child: the app's real entry point, with a watcher installed on its QApplication.
_BOOTSTRAP = f"""
import sys
import desktop_chat.ui.app.app as app_module
from desktop_chat.__main__ import main

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")

make_application = app_module.make_application

def watched(argv):
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = make_application(argv)

    class Watcher(QObject):
        seen = False

        def eventFilter(self, watched, event):
            if (
                not self.seen
                and event.type() == QEvent.Type.Paint
                and isinstance(watched, QMainWindow)
            ):
                self.seen = True
                print({PAINTED!r}, flush=True)
                QTimer.singleShot(1000, self.report)
            return False

        def report(self):
            print({RSS!r}, f"{{rss_mb():.1f}}", flush=True)
            QApplication.closeAllWindows()
            QApplication.quit()

    app._bench_watcher = Watcher()
    app.installEventFilter(app._bench_watcher)
    return app

app_module.make_application = watched
sys.exit(main([]))
"""


def start_once(home: Path) -> tuple[float, float]:
    """Start the app once with profile ``home``; return (seconds to first paint, idle RSS MB)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESKTOP_CHAT_HOME=str(home))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _BOOTSTRAP],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    painted = float("nan")
    rss = float("nan")
    for line in process.stdout:
        if line.startswith(PAINTED):
            painted = time.perf_counter() - started
        elif line.startswith(RSS):
            rss = float(line.split()[-1])
    _, errors = process.communicate(timeout=30)
    if process.returncode != 0 or math.isnan(painted):
        raise RuntimeError(f"the app failed to start (exit {process.returncode}): {errors}")
    return painted, rss


def measure(home_for_run: list[Path]) -> tuple[list[float], list[float]]:
    """Start the app once per profile folder; return the times and the RSS figures."""
    times, rss = [], []
    for home in home_for_run:
        seconds, megabytes = start_once(home)
        times.append(seconds)
        rss.append(megabytes)
    return times, rss


def large_profile(folder: Path, database: Path) -> Path:
    """A profile whose data folder holds a copy of ``database`` (made once, reused)."""
    home = folder / "large"
    data = home / "data"
    data.mkdir(parents=True, exist_ok=True)
    target = data / "conversations.sqlite3"
    if not target.exists():
        shutil.copyfile(database, target)
    return home


def import_times(
    module: str = "desktop_chat.ui.app.app", top: int = 25
) -> list[tuple[int, int, str]]:
    """``python -X importtime -c "import MODULE"``: (self, cumulative us, name), biggest first."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    rows = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (.*)$", line)
        if match:
            rows.append((int(match.group(1)), int(match.group(2)), match.group(3).rstrip()))
    rows.sort(key=lambda row: row[1], reverse=True)
    return rows[:top]


def main(argv: list[str] | None = None) -> int:
    """Measure both profiles and print the figures against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "desktop-chat-bench",
        help="where bench_history keeps the generated database",
    )
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--imports", type=int, default=25, help="rows of the import table")
    options = parser.parse_args(argv)
    print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"Median of {options.repeat} starts; time from Popen to the first paint event.")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as temp:
        folder = Path(temp)
        empty_homes = [folder / f"empty-{index}" for index in range(options.repeat)]
        for home in empty_homes:
            home.mkdir()
        times, rss = measure(empty_homes)
        failures += _report("empty profile", times, rss, EMPTY_TARGET_S)
        if not options.skip_large:
            from benchmarks.bench_history import database
            from benchmarks.history_data import DATA_VERSION

            del DATA_VERSION
            path = database(options.cache_dir, 10_000, 1_000_000, 10_000, rebuild=False)
            home = large_profile(folder, path)
            start_once(home)  # the first open after the copy checks the schema; not measured
            times, rss = measure([home] * options.repeat)
            failures += _report("1,000,000-message profile", times, rss, LARGE_TARGET_S)
    print(f"\nImports of desktop_chat.ui.app.app, by cumulative time (top {options.imports}):")
    print(f"{'cumulative':>11} {'self':>9}  module")
    for own, cumulative, name in import_times(top=options.imports):
        print(f"{cumulative / 1000:>9.1f}ms {own / 1000:>7.1f}ms  {name}")
    return 1 if failures else 0


def _report(label: str, times: list[float], rss: list[float], target: float) -> int:
    median = statistics.median(times)
    memory = statistics.median(rss)
    spread = ", ".join(f"{t:.3f}" for t in times)
    time_ok = median <= target
    rss_ok = memory <= RSS_TARGET_MB
    print(
        f"{label:<28} first paint {median:.3f} s (runs: {spread}; target <= {target:g} s: "
        f"{'met' if time_ok else 'MISSED'}); idle RSS {memory:.0f} MB (target <= "
        f"{RSS_TARGET_MB:g} MB: {'met' if rss_ok else 'MISSED'})",
        flush=True,
    )
    return int(not (time_ok and rss_ok))


if __name__ == "__main__":
    sys.exit(main())
