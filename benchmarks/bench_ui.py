"""UI streaming benchmark: the real main window, offscreen, fed by a paced loopback server.

Run from the repository root::

    python -m benchmarks.bench_ui            # --help for rates, sizes and duration

A server in its own process streams deltas at a fixed rate (200, 1,000 and 5,000 per second),
each one HTTP chunk carrying a sequence marker, and records ``time.monotonic()`` just before
writing each. The window streams them into a conversation that already holds 10, 1,000 or 10,000
messages (built with ``benchmarks.history_data``). The window's message body is watched: each time
streamed text lands in its document the time is noted with the same system-wide clock, so the
latency of a delta is "in the document" minus "written by the server".

Beside it, in the same run and taking turns with it, runs the floor: a bare ``QTextBrowser`` in
a window of the same size, fed by a thread reading the same stream with raw httpx ``iter_raw``,
that appends the same deltas as plain text once per frame (16 ms), as the window batches them.

Per (size, rate) it prints, for ours and for the floor, the median of ``--repeat`` streams of:
latency p50 and p99; how late a 1 ms repeating timer fired in the GUI thread while streaming
(p99 and max: the event loop's responsiveness); CPU per delta from the first paint of streamed
text to the last, less the idle cost of the lag timer itself, of the GUI thread
(``time.thread_time``) and of the whole process (``time.process_time``: the streaming thread
and the saving too); the GUI-thread CPU of the whole reply (sending, streaming and finishing);
whether every delta is in the document at the end; and the last delta's latency (whether the
view kept up). Then the ratios of ours to the floor.

Targets: process CPU per delta <= 2x the floor's, latency p99 <= 1.5x the floor's, loop lag p99
<= 1.5x the floor's; the per-delta cost with 10,000 earlier messages within 1.2x of the cost
with 10.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import platform
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Targets, as ratios to the floor measured in the same run.
CPU_RATIO = 2.0
LATENCY_RATIO = 1.5
LAG_RATIO = 1.5
COST_RATIO_TARGET = 1.2
RATES = (200, 1_000, 5_000)
SIZES = (10, 1_000, 10_000)
_MARKER = re.compile(r"w(\d{6})")
# A paragraph break every so often, as real replies have: finished blocks are then laid out once.
_PARAGRAPH_EVERY = 40

# -- the paced server (its own process, started before Qt) ---------------------------------------


def _chunk(event: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(event), event)


def _delta_event(seq: int) -> bytes:
    text = f"w{seq:06d} " + ("\n\n" if seq % _PARAGRAPH_EVERY == _PARAGRAPH_EVERY - 1 else "")
    payload = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "model": "bench-model",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


_END = (
    b'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","choices":'
    b'[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)


def _read_request(sock: socket.socket) -> tuple[str, bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65_536)
        if not more:
            return None
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        more = sock.recv(65_536)
        if not more:
            return None
        body += more
    return lines[0], body


def _stream(sock: socket.socket, rate: float, count: int) -> list[float]:
    """Write ``count`` deltas at ``rate`` per second; return each one's write time."""
    events = [_chunk(_delta_event(seq)) for seq in range(count)]
    sock.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    written = [0.0] * count
    start = time.monotonic() + 0.05
    for seq, frame in enumerate(events):
        due = start + seq / rate
        now = time.monotonic()
        while now < due:
            if due - now > 0.0015:
                time.sleep(due - now - 0.001)
            now = time.monotonic()
        written[seq] = now
        sock.sendall(frame)
    sock.sendall(_chunk(_END) + b"0\r\n\r\n")
    return written


def _serve(ready: Connection) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    ready.send(listener.getsockname()[1])
    while True:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_serve_connection, args=(sock, ready), daemon=True).start()


def _serve_connection(sock: socket.socket, report: Connection) -> None:
    with sock:
        while (request := _read_request(sock)) is not None:
            line, body = request
            if line.startswith("GET"):
                models = b'{"data": [{"id": "bench-model"}]}'
                sock.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(models), models)
                )
                continue
            # The last user message says how to stream: "rate=<n> count=<n>".
            order = json.loads(body)["messages"][-1]["content"]
            fields = dict(part.split("=") for part in order.split())
            written = _stream(sock, float(fields["rate"]), int(fields["count"]))
            report.send(written)


class PacedServer:
    """The paced delta server in a forked process (start it before any Qt object exists)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        if not self._pipe.poll(10):
            raise RuntimeError("the benchmark server did not start")
        self.base_url = f"http://127.0.0.1:{self._pipe.recv()}/v1"

    def write_times(self, timeout: float = 30) -> list[float]:
        """The write times of the stream that just ended."""
        if not self._pipe.poll(timeout):
            raise RuntimeError("the benchmark server sent no timings")
        times: list[float] = self._pipe.recv()
        return times

    def stop(self) -> None:
        """Kill the server process."""
        self._process.kill()
        self._process.join(5)


# -- measuring in the window ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """The figures of one stream."""

    rate: int
    prior: int
    deltas: int
    latency_p50_ms: float
    latency_p99_ms: float
    lag_p99_ms: float
    lag_max_ms: float
    cpu_us_per_delta: float
    process_us_per_delta: float
    reply_cpu_ms: float
    complete: bool
    final_latency_ms: float


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class _MemoryKeyring:
    """Install an in-process keyring so the window can look up (absent) keys without D-Bus."""

    @staticmethod
    def install() -> None:
        import keyring
        from keyring.backend import KeyringBackend

        class Backend(KeyringBackend):
            priority = 1
            store: dict[tuple[str, str], str] = {}  # noqa: RUF012 - one per process

            def get_password(self, service: str, username: str) -> str | None:
                return self.store.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.store[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                self.store.pop((service, username), None)

        keyring.set_keyring(Backend())


class Bench:
    """Drives the window: one conversation per size, one stream per rate."""

    def __init__(self, server: PacedServer, workdir: Path) -> None:
        from desktop_chat.ui.app.startup import make_application

        self.server = server
        self.workdir = workdir
        self.app = make_application(["bench_ui"])

    def _spin(self, seconds: float) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(round(seconds * 1000), loop.quit)
        loop.exec()

    def open_window(self, prior: int) -> Any:
        from benchmarks.history_data import build
        from desktop_chat.core.config.providers import config_from_preset
        from desktop_chat.core.config.secrets import SecretStore
        from desktop_chat.core.config.settings import Settings
        from desktop_chat.core.history.storage import open_storage
        from desktop_chat.ui.common.theme import stylesheet
        from desktop_chat.ui.window.main_window import MainWindow

        path = self.workdir / f"prior-{prior}.sqlite3"
        build(path, conversations=2, messages=prior + 2, big=prior)
        storage = open_storage(path).storage
        provider = config_from_preset("ollama")
        provider.base_url = self.server.base_url
        provider.model = "bench-model"
        settings = Settings(providers=[provider], active_provider_id=provider.id)
        window = MainWindow(settings, storage, path, SecretStore(), save=False)
        # Styled as the app styles it (its style sheet), on this window alone: the floor, in
        # the same QApplication, stays a bare widget in Qt's default style.
        window.setStyleSheet(stylesheet(dark=False))
        window.show()
        window.open_conversation(1)
        self._spin(0.3)
        return window

    def close_window(self, window: Any) -> None:
        storage = window.storage
        window.close()
        window.deleteLater()
        self._spin(0.1)
        storage.close()

    def run(self, window: Any, rate: int, count: int, prior: int) -> RunResult:
        """Stream ``count`` deltas at ``rate`` into the real window and measure it."""
        session = window.session
        watch = _Watch()

        def begin(done: Callable[[], None]) -> None:
            def on_streaming_changed(streaming: bool) -> None:
                if not streaming:
                    session.streaming_changed.disconnect(on_streaming_changed)
                    done()

            session.streaming_changed.connect(on_streaming_changed)
            window.composer.setPlainText(f"rate={rate} count={count}")
            if not window.send_current():
                raise RuntimeError("the window did not send")
            body = window.transcript.last_view().body
            original = body.append_markdown

            def watched(delta: str) -> None:
                original(delta)
                watch.landed(delta)

            body.append_markdown = watched

        def shown() -> tuple[str, str]:
            view = window.transcript.last_view()
            # A reply past the shown limit shows its start until Show all: all of it is shown.
            body = view.body
            document = view.markdown() if body.folded else body.document().toPlainText()
            return view.markdown(), document

        return self._measure(begin, shown, watch, rate=rate, count=count, prior=prior)

    def run_floor(self, floor: Any, rate: int, count: int) -> RunResult:
        """The same stream into a bare QTextBrowser, as plain text once per frame."""
        watch = _Watch()
        floor.on_flush = watch.landed

        def begin(done: Callable[[], None]) -> None:
            floor.start(rate, count, done)

        def shown() -> tuple[str, str]:
            text = floor.browser.toPlainText()
            return text, text

        return self._measure(begin, shown, watch, rate=rate, count=count, prior=0)

    def _measure(
        self,
        begin: Callable[[Callable[[], None]], None],
        shown: Callable[[], tuple[str, str]],
        watch: _Watch,
        *,
        rate: int,
        count: int,
        prior: int,
    ) -> RunResult:
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        ticks: list[float] = []
        lag_timer = QTimer()
        lag_timer.setTimerType(Qt.TimerType.PreciseTimer)
        lag_timer.setInterval(1)
        lag_timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        lag_timer.start()
        idle_cpu, idle_process = time.thread_time(), time.process_time()
        idle_wall = time.perf_counter()
        self._spin(0.5)
        idle_wall = time.perf_counter() - idle_wall
        idle_rate = (time.thread_time() - idle_cpu) / idle_wall
        idle_process_rate = (time.process_time() - idle_process) / idle_wall
        ticks.clear()

        loop = QEventLoop()
        cpu = time.thread_time()
        wall = time.perf_counter()
        begin(loop.quit)
        loop.exec()
        cpu = time.thread_time() - cpu
        wall = time.perf_counter() - wall
        lag_timer.stop()
        written = self.server.write_times()

        arrived: dict[int, float] = {}
        for moment, text in watch.texts:
            for match in _MARKER.finditer(text):
                arrived.setdefault(int(match.group(1)), moment)
        latencies = [(arrived[seq] - written[seq]) * 1000 for seq in range(count) if seq in arrived]
        lags = [max(0.0, (b - a) * 1000 - 1.0) for a, b in itertools.pairwise(ticks)]
        source, document = shown()
        complete = (
            len(arrived) == count
            and len(_MARKER.findall(source)) == count
            and f"w{count - 1:06d}" in document
        )
        first, last = watch.steady[0], watch.steady[-1]
        steady_deltas = sum(point[3] for point in watch.steady[1:])
        steady_wall = last[2] - first[2]
        steady_cpu = (last[0] - first[0]) - idle_rate * steady_wall
        steady_process = (last[1] - first[1]) - idle_process_rate * steady_wall
        whole_cpu = max(0.0, cpu - idle_rate * wall)
        return RunResult(
            rate=rate,
            prior=prior,
            deltas=count,
            latency_p50_ms=_percentile(latencies, 0.50),
            latency_p99_ms=_percentile(latencies, 0.99),
            lag_p99_ms=_percentile(lags, 0.99),
            lag_max_ms=max(lags, default=float("nan")),
            cpu_us_per_delta=max(0.0, steady_cpu) / max(1, steady_deltas) * 1e6,
            process_us_per_delta=max(0.0, steady_process) / max(1, steady_deltas) * 1e6,
            reply_cpu_ms=whole_cpu * 1000,
            complete=complete,
            final_latency_ms=latencies[-1] if len(latencies) == count else float("nan"),
        )


def make_floor(base_url: str, width: int, height: int) -> Any:
    """The floor: a bare ``QTextBrowser`` filling a window of the given size, fed by a thread
    that reads the same stream with raw httpx ``iter_raw`` (and msgspec, as ours does), and
    appending the text plainly, once per frame, as the window batches and paints."""
    import httpx
    import msgspec
    from PySide6.QtCore import QThread, QTimer, Signal, Slot
    from PySide6.QtGui import QTextCursor
    from PySide6.QtWidgets import QMainWindow, QTextBrowser

    decode = msgspec.json.Decoder().decode

    class Reader(QThread):
        notice = Signal()

        def __init__(self, rate: int, count: int) -> None:
            super().__init__()
            self.order = f"rate={rate} count={count}"
            self.lock = threading.Lock()
            self.batch: list[str] = []
            self.waiting = False

        def run(self) -> None:
            body = {
                "model": "bench-model",
                "messages": [{"role": "user", "content": self.order}],
                "stream": True,
            }
            url = f"{base_url}/chat/completions"
            with httpx.Client(timeout=60) as client, client.stream("POST", url, json=body) as reply:
                for chunk in reply.iter_raw():
                    text = ""
                    for line in chunk.split(b"\n"):
                        if line.startswith(b"data: {"):
                            choices = decode(line[6:])["choices"]
                            text += choices[0]["delta"].get("content") or "" if choices else ""
                    with self.lock:
                        self.batch.append(text)
                        if self.waiting:
                            continue
                        self.waiting = True
                    self.notice.emit()

        def take(self) -> str:
            with self.lock:
                text = "".join(self.batch)
                self.batch.clear()
                self.waiting = False
            return text

    class Floor(QMainWindow):
        def __init__(self) -> None:
            super().__init__()
            self.browser = QTextBrowser(self)
            self.setCentralWidget(self.browser)
            self.resize(width, height)
            self.reader: Reader | None = None
            self.pending: list[str] = []
            self.frame = QTimer(self)
            self.frame.setSingleShot(True)
            self.frame.setInterval(16)
            self.frame.timeout.connect(self._flush)
            self.on_flush: Any = None
            self.done: Any = None

        def start(self, rate: int, count: int, done: Any) -> None:
            self.browser.clear()
            self.done = done
            self.reader = Reader(rate, count)
            self.reader.notice.connect(self._on_reader_notice)
            self.reader.finished.connect(self._on_reader_finished)
            self.reader.start()

        @Slot()
        def _on_reader_notice(self) -> None:
            assert self.reader is not None
            self.pending.append(self.reader.take())
            if not self.frame.isActive():
                self.frame.start()

        @Slot()
        def _flush(self) -> None:
            text = "".join(self.pending)
            self.pending.clear()
            if text:
                self.browser.moveCursor(QTextCursor.MoveOperation.End)
                self.browser.insertPlainText(text)
                self.on_flush(text)

        @Slot()
        def _on_reader_finished(self) -> None:
            assert self.reader is not None
            self.pending.append(self.reader.take())
            self.frame.stop()
            self._flush()
            self.reader.deleteLater()
            self.reader = None
            self.done()

    return Floor()


class _Watch:
    """What one stream put on screen: each paint's text and time, and the CPU clocks then."""

    def __init__(self) -> None:
        self.texts: list[tuple[float, str]] = []
        # (GUI-thread CPU, process CPU, wall clock, deltas) after each paint: the steady state
        # excludes the one-off work of sending (the history) and of finishing (saving, the list).
        self.steady: list[tuple[float, float, float, int]] = []

    def landed(self, text: str) -> None:
        self.texts.append((time.monotonic(), text))
        point = (time.thread_time(), time.process_time(), time.perf_counter())
        self.steady.append((*point, len(_MARKER.findall(text))))


def _median(runs: list[RunResult]) -> RunResult:
    """Each figure's median over repeated runs (a shared machine makes single runs noisy)."""
    first = runs[0]

    def mid(name: str) -> float:
        return float(statistics.median(getattr(run, name) for run in runs))

    return RunResult(
        rate=first.rate,
        prior=first.prior,
        deltas=first.deltas,
        latency_p50_ms=mid("latency_p50_ms"),
        latency_p99_ms=mid("latency_p99_ms"),
        lag_p99_ms=mid("lag_p99_ms"),
        lag_max_ms=mid("lag_max_ms"),
        cpu_us_per_delta=mid("cpu_us_per_delta"),
        process_us_per_delta=mid("process_us_per_delta"),
        reply_cpu_ms=mid("reply_cpu_ms"),
        complete=all(run.complete for run in runs),
        final_latency_ms=mid("final_latency_ms"),
    )


def _print_header() -> None:
    print(
        f"{'':>6} {'':>5} {'prior msgs':>10} {'deltas/s':>8} {'lat p50':>8} {'lat p99':>8} "
        f"{'lag p99':>8} {'lag max':>8} {'GUI CPU/d':>10} {'proc CPU/d':>10} {'reply CPU':>10} "
        f"{'all shown':>9} {'last lat':>8}"
    )


def _print_row(row: RunResult, label: str = "", who: str = "ours") -> None:
    print(
        f"{label:>6} {who:>5} {row.prior:>10,} {row.rate:>8,} {row.latency_p50_ms:>6.1f}ms "
        f"{row.latency_p99_ms:>6.1f}ms {row.lag_p99_ms:>6.1f}ms {row.lag_max_ms:>6.1f}ms "
        f"{row.cpu_us_per_delta:>8.1f}us {row.process_us_per_delta:>8.1f}us "
        f"{row.reply_cpu_ms:>8.1f}ms {'yes' if row.complete else 'NO':>9} "
        f"{row.final_latency_ms:>6.1f}ms",
        flush=True,
    )


def _ratios(ours: RunResult, floor: RunResult) -> str:
    """Ours against the floor measured beside it, with the targets."""
    checks = [
        ("process CPU/delta", ours.process_us_per_delta, floor.process_us_per_delta, CPU_RATIO),
        ("latency p99", ours.latency_p99_ms, floor.latency_p99_ms, LATENCY_RATIO),
        ("lag p99", ours.lag_p99_ms, floor.lag_p99_ms, LAG_RATIO),
    ]
    parts = []
    for name, mine, base, target in checks:
        ratio = mine / base if base > 0 else float("inf")
        parts.append(
            f"{name} {ratio:.2f}x (<= {target:g}: {'met' if ratio <= target else 'MISSED'})"
        )
    gui = ours.cpu_us_per_delta / max(floor.cpu_us_per_delta, 1e-9)
    p50 = ours.latency_p50_ms / max(floor.latency_p50_ms, 1e-9)
    return (
        f"  ours / floor at {ours.rate:,}/s, {ours.prior:,} prior: "
        + "; ".join(parts)
        + f"; GUI-thread CPU/delta {gui:.2f}x; latency p50 {p50:.2f}x"
    )


def _verdict(rows: list[RunResult]) -> list[str]:
    lines = []
    for rate in sorted({row.rate for row in rows}):
        by_prior = {row.prior: row for row in rows if row.rate == rate}
        if len(by_prior) > 1:
            small, large = by_prior[min(by_prior)], by_prior[max(by_prior)]
            ratio = large.process_us_per_delta / small.process_us_per_delta
            ok = ratio <= COST_RATIO_TARGET
            lines.append(
                f"{rate:,}/s: process CPU per delta with {large.prior:,} prior / with "
                f"{small.prior:,}: {ratio:.2f}x (<= {COST_RATIO_TARGET:g}x): "
                f"{'met' if ok else 'MISSED'}"
            )
    return lines


def _run_size(
    bench: Bench,
    prior: int,
    options: argparse.Namespace,
    *,
    profiler: Any,
    rows: list[RunResult],
    ratios: list[str],
) -> None:
    """Every rate with ``prior`` earlier messages: ours and the floor in turn, medians, ratios."""
    window = bench.open_window(prior)
    floor = make_floor(bench.server.base_url, window.width(), window.height())
    floor.show()
    bench.run(window, 1_000, 300, prior)  # warm-up, not reported
    bench.run_floor(floor, 1_000, 300)
    for rate in options.rates:
        count = max(50, round(rate * options.seconds))
        runs, floors = [], []
        for _ in range(options.repeat):
            arguments = (window, rate, count, prior)
            if profiler is not None:
                runs.append(profiler.runcall(bench.run, *arguments))
            else:
                runs.append(bench.run(*arguments))
            floors.append(bench.run_floor(floor, rate, count))
            if options.repeat > 1:
                _print_row(runs[-1], "  run")
                _print_row(floors[-1], "  run", "floor")
        rows.append(_median(runs))
        median_floor = _median(floors)
        label = "median" if options.repeat > 1 else ""
        _print_row(rows[-1], label)
        _print_row(median_floor, label, "floor")
        ratios.append(_ratios(rows[-1], median_floor))
        print(ratios[-1], flush=True)
    floor.close()
    floor.deleteLater()
    bench.close_window(window)


def main(argv: list[str] | None = None) -> int:
    """Run every (size, rate) stream, ours and the floor in turn, and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=int, nargs="+", default=list(RATES))
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each stream")
    parser.add_argument(
        "--repeat", type=int, default=3, help="streams per (size, rate); medians are judged"
    )
    parser.add_argument("--profile", type=Path, help="write a cProfile of the GUI thread here")
    options = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    server = PacedServer()  # forked before Qt creates any thread
    _MemoryKeyring.install()
    rows: list[RunResult] = []
    ratios: list[str] = []
    profiler: Any = None
    if options.profile:
        import cProfile

        profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as folder:
        os.environ["DESKTOP_CHAT_HOME"] = folder
        bench = Bench(server, Path(folder))
        print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
        print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print(
            f"Each stream {options.seconds:g} s; latency = in the document - server write; "
            "ours and the floor take turns."
        )
        _print_header()
        try:
            for prior in options.sizes:
                _run_size(bench, prior, options, profiler=profiler, rows=rows, ratios=ratios)
        finally:
            server.stop()
    if profiler is not None:
        profiler.dump_stats(str(options.profile))
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("\nSummary")
    for line in [*ratios, *_verdict(rows)]:
        print(line)
    return 0 if all(row.complete for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
