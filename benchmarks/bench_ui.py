"""UI streaming benchmark: the real main window, offscreen, fed by a paced loopback server.

Run from the repository root::

    python -m benchmarks.bench_ui            # --help for rates, sizes and duration

A server in its own process streams deltas at a fixed rate (200, 1,000 and 5,000 per second),
each one HTTP chunk carrying a sequence marker, and records ``time.monotonic()`` just before
writing each. The window streams them into a conversation that already holds 10, 1,000 or 10,000
messages (built with ``benchmarks.history_data``). The window's message body is watched: each time
streamed text lands in its document the time is noted with the same system-wide clock, so the
latency of a delta is "in the document" minus "written by the server".

Per (size, rate) it prints the median of ``--repeat`` streams of: latency p50 and p99; how late a
1 ms repeating timer fired in the GUI thread while streaming (p99 and max: the event loop's
responsiveness); GUI-thread CPU per delta (``time.thread_time`` from the first paint of streamed
text to the last, less the idle cost of the lag timer itself); the GUI-thread CPU of the whole
reply (sending, streaming and finishing); whether every delta is in the document at the end; and
the last delta's latency (whether the view kept up).

Targets: at 1,000 deltas/s, latency p99 <= 33 ms and loop lag p99 <= 16 ms; the per-delta cost
with 10,000 earlier messages within 1.2x of the cost with 10.
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
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LATENCY_P99_TARGET_MS = 33.0
LAG_P99_TARGET_MS = 16.0
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
        from desktop_chat.ui.window.main_window import MainWindow

        path = self.workdir / f"prior-{prior}.sqlite3"
        build(path, conversations=2, messages=prior + 2, big=prior)
        storage = open_storage(path).storage
        provider = config_from_preset("ollama")
        provider.base_url = self.server.base_url
        provider.model = "bench-model"
        settings = Settings(providers=[provider], active_provider_id=provider.id)
        window = MainWindow(settings, storage, path, SecretStore(), save=False)
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
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        ticks: list[float] = []
        lag_timer = QTimer()
        lag_timer.setTimerType(Qt.TimerType.PreciseTimer)
        lag_timer.setInterval(1)
        lag_timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        lag_timer.start()
        idle_cpu = time.thread_time()
        idle_wall = time.perf_counter()
        self._spin(0.5)
        idle_rate = (time.thread_time() - idle_cpu) / (time.perf_counter() - idle_wall)
        ticks.clear()

        landed: list[tuple[float, str]] = []
        # (GUI-thread CPU, wall clock, deltas) after each paint: the steady state excludes the
        # one-off work of sending (the history) and of finishing (saving, refreshing the list).
        steady: list[tuple[float, float, int]] = []
        loop = QEventLoop()
        session = window.session

        def on_streaming_changed(streaming: bool) -> None:
            if not streaming:
                loop.quit()

        session.streaming_changed.connect(on_streaming_changed)
        cpu = time.thread_time()
        wall = time.perf_counter()
        window.composer.setPlainText(f"rate={rate} count={count}")
        if not window.send_current():
            raise RuntimeError("the window did not send")
        view = window.transcript.last_view()
        body = view.body
        original = body.append_markdown

        def watched(delta: str) -> None:
            original(delta)
            landed.append((time.monotonic(), delta))
            steady.append((time.thread_time(), time.perf_counter(), len(_MARKER.findall(delta))))

        body.append_markdown = watched
        loop.exec()
        cpu = time.thread_time() - cpu
        wall = time.perf_counter() - wall
        lag_timer.stop()
        session.streaming_changed.disconnect(on_streaming_changed)
        written = self.server.write_times()

        arrived: dict[int, float] = {}
        for moment, text in landed:
            for match in _MARKER.finditer(text):
                arrived.setdefault(int(match.group(1)), moment)
        latencies = [(arrived[seq] - written[seq]) * 1000 for seq in range(count) if seq in arrived]
        lags = [max(0.0, (b - a) * 1000 - 1.0) for a, b in itertools.pairwise(ticks)]
        shown = view.markdown()
        document = view.body.document().toPlainText()
        complete = (
            len(arrived) == count
            and len(_MARKER.findall(shown)) == count
            and f"w{count - 1:06d}" in document
        )
        (cpu_first, wall_first, _), (cpu_last, wall_last, _) = steady[0], steady[-1]
        steady_deltas = sum(count for _, _, count in steady[1:])
        steady_cpu = (cpu_last - cpu_first) - idle_rate * (wall_last - wall_first)
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
            reply_cpu_ms=whole_cpu * 1000,
            complete=complete,
            final_latency_ms=latencies[-1] if len(latencies) == count else float("nan"),
        )


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
        reply_cpu_ms=mid("reply_cpu_ms"),
        complete=all(run.complete for run in runs),
        final_latency_ms=mid("final_latency_ms"),
    )


def _print_header() -> None:
    print(
        f"{'':>6} {'prior msgs':>10} {'deltas/s':>8} {'deltas':>7} {'lat p50':>8} {'lat p99':>8} "
        f"{'lag p99':>8} {'lag max':>8} {'CPU/delta':>10} {'reply CPU':>10} {'all shown':>9} "
        f"{'last lat':>8}"
    )


def _print_row(row: RunResult, label: str = "") -> None:
    print(
        f"{label:>6} {row.prior:>10,} {row.rate:>8,} {row.deltas:>7,} {row.latency_p50_ms:>6.1f}ms "
        f"{row.latency_p99_ms:>6.1f}ms {row.lag_p99_ms:>6.1f}ms {row.lag_max_ms:>6.1f}ms "
        f"{row.cpu_us_per_delta:>8.1f}us {row.reply_cpu_ms:>8.1f}ms "
        f"{'yes' if row.complete else 'NO':>9} "
        f"{row.final_latency_ms:>6.1f}ms",
        flush=True,
    )


def _verdict(rows: list[RunResult]) -> list[str]:
    lines = []
    for row in rows:
        if row.rate == 1_000:
            ok = row.latency_p99_ms <= LATENCY_P99_TARGET_MS and row.lag_p99_ms <= LAG_P99_TARGET_MS
            lines.append(
                f"1,000/s with {row.prior:,} prior: latency p99 {row.latency_p99_ms:.1f} ms "
                f"(<= {LATENCY_P99_TARGET_MS:g}), lag p99 {row.lag_p99_ms:.1f} ms "
                f"(<= {LAG_P99_TARGET_MS:g}): {'met' if ok else 'MISSED'}"
            )
    for rate in sorted({row.rate for row in rows}):
        by_prior = {row.prior: row for row in rows if row.rate == rate}
        if len(by_prior) > 1:
            small, large = by_prior[min(by_prior)], by_prior[max(by_prior)]
            ratio = large.cpu_us_per_delta / small.cpu_us_per_delta
            ok = ratio <= COST_RATIO_TARGET
            lines.append(
                f"{rate:,}/s: CPU per delta with {large.prior:,} prior / with {small.prior:,}: "
                f"{ratio:.2f}x (<= {COST_RATIO_TARGET:g}x): {'met' if ok else 'MISSED'}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run every (size, rate) stream and print one row each, then the verdict on the targets."""
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
    profiler: Any = None
    if options.profile:
        import cProfile

        profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as folder:
        os.environ["DESKTOP_CHAT_HOME"] = folder
        bench = Bench(server, Path(folder))
        print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
        print(f"Each stream {options.seconds:g} s; latency = in the document - server write.")
        _print_header()
        try:
            for prior in options.sizes:
                window = bench.open_window(prior)
                bench.run(window, 1_000, 300, prior)  # warm-up, not reported
                for rate in options.rates:
                    count = max(50, round(rate * options.seconds))
                    runs = []
                    for _ in range(options.repeat):
                        arguments = (window, rate, count, prior)
                        if profiler is not None:
                            runs.append(profiler.runcall(bench.run, *arguments))
                        else:
                            runs.append(bench.run(*arguments))
                        if options.repeat > 1:
                            _print_row(runs[-1], "  run")
                    rows.append(_median(runs))
                    _print_row(rows[-1], "median" if options.repeat > 1 else "")
                bench.close_window(window)
        finally:
            server.stop()
    if profiler is not None:
        profiler.dump_stats(str(options.profile))
    for line in _verdict(rows):
        print(line)
    mean = statistics.fmean(row.cpu_us_per_delta for row in rows) if rows else 0.0
    print(f"mean GUI-thread CPU per delta over all runs: {mean:.1f} us")
    return 0 if all(row.complete for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
