"""Start-up benchmark: process start to the first painted window and idle memory, beside a bare
PySide6 window started in the same run.

Run from the repository root::

    python -m benchmarks.bench_startup                      # --help for the options

Each start is a new ``python`` process on the offscreen platform. Ours runs the app's own entry
point (``desktop_chat.__main__.main``) with a fresh profile folder (``DESKTOP_CHAT_HOME``); the
floor is the least a PySide6 app can do: ``QApplication`` + ``QMainWindow`` + ``show``, nothing
else. A small bootstrap watches for the main window's first paint event; it then prints a
marker, idles one second, prints the resident memory (``VmRSS``) and quits. The time runs from
just before ``subprocess.Popen`` to the moment the parent reads the marker: interpreter start,
imports, settings, database, window, paint.

Each round starts the floor, ours with an empty profile (the welcome screen) and ours with the
1,000,000-message database from ``benchmarks.history_data`` (built, or reused from the cache, as
``python -m benchmarks.bench_history --cache-dir DIR`` does), in turn, so a busy machine slows
them alike; the medians and their ratios are printed. Two kinds of start are measured, as the
same run:

* ``cached``: Python's bytecode of everything already written (``PYTHONPYCACHEPREFIX`` points at a
  folder a first, unmeasured start fills), as in an installed wheel or a frozen app;
* ``none``: no bytecode is read or written for the app (``PYTHONDONTWRITEBYTECODE=1`` with an
  empty cache folder), as an editable checkout on a machine that sets that variable starts.

Targets: first paint <= 1.5x the floor's, idle RSS <= 1.3x the floor's, the large profile's first
paint <= 1.1x the empty one's. ``--rss-detail`` prints what the idle memory difference is made
of: resident memory by mapping (each shared library, the heap, anonymous memory) of ours less
the floor's.
"""

from __future__ import annotations

import argparse
import functools
import json
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FLOOR = "floor: bare PySide6 window"
OURS = "ours, empty profile"
WIDGETS = "same widgets, plain PySide6"
LARGE = "ours, 1,000,000 messages"
PAINT_RATIO_TARGET = 1.5
RSS_RATIO_TARGET = 1.3
LARGE_RATIO_TARGET = 1.1
PAINTED = "desktop-chat-bench: painted"
RSS = "desktop-chat-bench: rss-mb"
DETAIL = "desktop-chat-bench: detail"

# Runs in the child, after the app (or the floor) is set up: reports the first paint of a
# QMainWindow, then the memory after a second of idling.
_WATCHER = f"""
import json
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")

def mappings():
    # Resident kB by what is mapped: a file's base name, [heap], [anon] ...
    sizes, name = {{}}, "[anon]"
    for line in open("/proc/self/smaps"):
        head = line.split()
        if "-" in head[0] and len(head[0]) > 12 and not head[0].endswith(":"):
            name = head[5].rsplit("/", 1)[-1] if len(head) > 5 else "[anon]"
        elif head[0] == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(head[1])
    return sizes

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
        if DETAIL:
            print({DETAIL!r}, json.dumps({{
                "mappings": mappings(),
                "modules": len(sys.modules),
                "blocks": sys.getallocatedblocks(),
            }}), flush=True)
        QApplication.closeAllWindows()
        QApplication.quit()

def watch(app):
    app._bench_watcher = Watcher()
    app.installEventFilter(app._bench_watcher)
    return app
"""

# The app's real entry point, with the watcher installed on its QApplication.
_OURS = """
import desktop_chat.ui.app.app as app_module
from desktop_chat.__main__ import main

make_application = app_module.make_application
app_module.make_application = lambda argv: watch(make_application(argv))
sys.exit(main([]))
"""

# The floor: nothing but a shown main window.
_FLOOR = """
app = watch(QApplication(sys.argv))
window = QMainWindow()
window.show()
sys.exit(app.exec())
"""

# What PySide6 itself costs for the widgets our first window shows: the same widget tree as the
# welcome screen's (menu bar, tool bar with its icons, two combo boxes, sidebar with a list
# view, scroll area with three cards, status bar) under the app's style sheet, built in plain
# PySide6 with none of the app's code. Not a target; it tells how near the floor this window
# could come at all.
_WIDGETS = """
import os
from pathlib import Path
from PySide6.QtCore import QSize, QStringListModel, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox, QFrame, QLabel, QLineEdit, QListView, QPushButton, QScrollArea, QSizePolicy,
    QSplitter, QStackedWidget, QToolBar, QToolButton, QVBoxLayout, QWidget,
)

app = watch(QApplication(sys.argv))
app.setStyle("Fusion")
app.setStyleSheet(os.environ["BENCH_STYLE"])
icons = Path(os.environ["BENCH_ICONS"])
window = QMainWindow()
window.resize(800, 740)
for title, count in (("&File", 8), ("&Edit", 4), ("&View", 6), ("&Help", 3)):
    menu = window.menuBar().addMenu(title)
    for number in range(count):
        menu.addAction(f"{title} {number}")
bar = QToolBar("Main", window)
bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
bar.setIconSize(QSize(18, 18))
window.addToolBar(bar)
bar.addAction(QIcon(str(icons / "new-chat.svg")), "New chat")
bar.addSeparator()
bar.addWidget(QLabel(" Provider "))
provider = QComboBox()
provider.addItems(["OpenAI", "Ollama (local)"])
bar.addWidget(provider)
bar.addWidget(QLabel("  Model "))
model = QComboBox()
model.setEditable(True)
bar.addWidget(model)
for name, text in (
    ("chat-settings", "Chat settings"), ("tools", "Tools"), ("settings", "Settings")
):
    button = QToolButton()
    button.setText(text)
    button.setIcon(QIcon(str(icons / f"{name}.svg")))
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    bar.addWidget(button)
splitter = QSplitter()
sidebar = QWidget()
side = QVBoxLayout(sidebar)
side.addWidget(QPushButton("New chat"))
side.addWidget(QLineEdit(placeholderText="Search all chats (Ctrl+K)"))
history = QListView()
history.setModel(QStringListModel([], history))
side.addWidget(history)
splitter.addWidget(sidebar)
pages = QStackedWidget()
welcome = QScrollArea()
welcome.setWidgetResizable(True)
content = QWidget()
column = QVBoxLayout(content)
column.addWidget(QLabel("Welcome to Desktop Chat"))
column.addWidget(QLabel("Choose where your answers come from."))
for title, button in (("Use an API key", "Use this key"), ("A local server", "Look"),
                      ("Try it", "Try the demo")):
    card = QFrame()
    rows = QVBoxLayout(card)
    rows.addWidget(QLabel(title))
    rows.addWidget(QLabel("Some words about it."))
    if button == "Use this key":
        rows.addWidget(QLineEdit(echoMode=QLineEdit.EchoMode.Password))
    rows.addWidget(QPushButton(button))
    column.addWidget(card)
column.addStretch(1)
welcome.setWidget(content)
pages.addWidget(welcome)
splitter.addWidget(pages)
window.setCentralWidget(splitter)
window.statusBar().addWidget(QLabel("No provider yet"))
window.show()
sys.exit(app.exec())
"""


def _bootstrap(program: str, detail: bool) -> str:
    return f"DETAIL = {detail!r}\n{_WATCHER}\n{program}"


@dataclass
class Start:
    """What one start measured."""

    seconds: float
    rss_mb: float
    detail: dict[str, object] = field(default_factory=dict)


def start_once(program: str, home: Path, cache: Path | None, detail: bool = False) -> Start:
    """Start ``program`` (the app or the floor) once with profile ``home``.

    ``cache`` is the bytecode folder (``PYTHONPYCACHEPREFIX``) that may be read and written;
    None starts with a new empty one that nothing is written to.
    """
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        DESKTOP_CHAT_HOME=str(home),
        BENCH_STYLE=_light_style_sheet(),
        BENCH_ICONS=str(ROOT / "desktop_chat" / "resources" / "icons" / "actions"),
    )
    with tempfile.TemporaryDirectory(prefix="bench-nocache-") as empty:
        if cache is None:
            env.update(PYTHONPYCACHEPREFIX=empty, PYTHONDONTWRITEBYTECODE="1")
        else:
            env["PYTHONPYCACHEPREFIX"] = str(cache)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", _bootstrap(program, detail)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        painted = float("nan")
        result = Start(float("nan"), float("nan"))
        for line in process.stdout:
            if line.startswith(PAINTED):
                painted = time.perf_counter() - started
            elif line.startswith(RSS):
                result.rss_mb = float(line.split()[-1])
            elif line.startswith(DETAIL):
                result.detail = json.loads(line[len(DETAIL) :])
        _, errors = process.communicate(timeout=30)
    if process.returncode != 0 or math.isnan(painted):
        raise RuntimeError(f"the program failed to start (exit {process.returncode}): {errors}")
    result.seconds = painted
    return result


@functools.cache
def _light_style_sheet() -> str:
    # Imported here, in the parent: the widgets program itself runs none of the app's code.
    from desktop_chat.ui.common.theme import stylesheet

    return stylesheet(dark=False)


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
    """Measure the floor and both profiles, in turn, and print the figures and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="rounds per kind of start")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "desktop-chat-bench",
        help="where bench_history keeps the generated database",
    )
    parser.add_argument(
        "--bytecode", choices=["cached", "none", "both"], default="both", help="kinds of start"
    )
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--rss-detail", action="store_true", help="what the RSS difference is")
    parser.add_argument("--imports", type=int, default=25, help="rows of the import table")
    options = parser.parse_args(argv)
    print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"load average before: {_load()}")
    print(f"Medians of {options.repeat} rounds; time from Popen to the first paint event.")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as temp:
        folder = Path(temp)
        programs: dict[str, tuple[str, Path | None]] = {
            FLOOR: (_FLOOR, None),
            OURS: (_OURS, None),
            WIDGETS: (_WIDGETS, None),
        }
        if not options.skip_large:
            from benchmarks.bench_history import database

            path = database(options.cache_dir, 10_000, 1_000_000, 10_000, rebuild=False)
            home = large_profile(folder, path)
            programs[LARGE] = (_OURS, home)
        kinds = ["cached", "none"] if options.bytecode == "both" else [options.bytecode]
        for kind in kinds:
            cache = folder / "bytecode" if kind == "cached" else None
            if cache is not None or not options.skip_large:
                # Unmeasured: fills the bytecode folder, and the first open of the copied
                # database checks its schema.
                for program, fixed in programs.values():
                    start_once(program, fixed or _fresh(folder), cache)
            starts: dict[str, list[Start]] = {name: [] for name in programs}
            for _ in range(options.repeat):
                for name, (program, fixed) in programs.items():
                    starts[name].append(start_once(program, fixed or _fresh(folder), cache))
            failures += _report(kind, starts)
        if options.rss_detail:
            _rss_detail(folder)
    print(f"load average after: {_load()}")
    print(f"\nImports of desktop_chat.ui.app.app, by cumulative time (top {options.imports}):")
    print(f"{'cumulative':>11} {'self':>9}  module")
    for own, cumulative, name in import_times(top=options.imports):
        print(f"{cumulative / 1000:>9.1f}ms {own / 1000:>7.1f}ms  {name}")
    return 1 if failures else 0


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _fresh(folder: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix="home-", dir=folder))


def _report(kind: str, starts: dict[str, list[Start]]) -> int:
    """Print one table of medians and ratios; return 1 when a target is missed."""
    names = list(starts)
    paint = {name: statistics.median(s.seconds for s in starts[name]) for name in names}
    rss = {name: statistics.median(s.rss_mb for s in starts[name]) for name in names}
    floor, ours = FLOOR, OURS
    print(f"\nBytecode {kind}:")
    print(f"  {'':28} {'first paint':>11} {'x floor':>8} {'idle RSS':>9} {'x floor':>8}  runs (s)")
    for name in names:
        runs = ", ".join(f"{s.seconds:.2f}" for s in starts[name])
        print(
            f"  {name:28} {paint[name]:10.3f}s {paint[name] / paint[floor]:8.2f} "
            f"{rss[name]:7.1f}MB {rss[name] / rss[floor]:8.2f}  {runs}"
        )
    checks = [
        ("first paint / floor", paint[ours] / paint[floor], PAINT_RATIO_TARGET),
        ("idle RSS / floor", rss[ours] / rss[floor], RSS_RATIO_TARGET),
    ]
    if LARGE in paint:
        checks.append(
            ("1,000,000 messages / empty", paint[LARGE] / paint[ours], LARGE_RATIO_TARGET)
        )
    missed = 0
    for label, ratio, target in checks:
        met = ratio <= target
        missed += not met
        print(f"  {label:28} {ratio:5.2f}x (target <= {target:g}x): {'met' if met else 'MISSED'}")
    print(
        f"  {'same widgets / floor':28} {paint[WIDGETS] / paint[floor]:5.2f}x first paint, "
        f"{rss[WIDGETS] / rss[floor]:.2f}x idle RSS (no target: PySide6's own cost of this window)"
    )
    return int(missed > 0)


def _rss_detail(folder: Path) -> None:
    """Print what ours holds resident beyond the floor, by mapping, after a second idle."""
    cache = folder / "bytecode"
    floor = start_once(_FLOOR, _fresh(folder), cache, detail=True).detail
    ours = start_once(_OURS, _fresh(folder), cache, detail=True).detail
    mine: dict[str, int] = ours["mappings"]  # type: ignore[assignment]
    base: dict[str, int] = floor["mappings"]  # type: ignore[assignment]
    rows = sorted(
        ((mine.get(name, 0) - base.get(name, 0), name) for name in {*mine, *base}), reverse=True
    )
    total = sum(mine.values()) - sum(base.values())
    print(f"\nIdle RSS, ours less the floor: {total / 1024:+.1f} MB, by mapping:")
    for difference, name in rows:
        if abs(difference) >= 256:
            print(f"  {difference / 1024:+7.1f} MB  {name}")
    print(
        f"  Python modules loaded: {ours['modules']} against {floor['modules']}; "
        f"allocated blocks {ours['blocks']:,} against {floor['blocks']:,}"
    )


if __name__ == "__main__":
    sys.exit(main())
