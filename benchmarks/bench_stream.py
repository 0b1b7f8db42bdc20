"""Streaming benchmark: the SSE decoder in memory, then a whole chat stream over loopback.

Run from the repository root::

    python benchmarks/bench_stream.py            # --help for the sizes

In memory, on a synthetic token stream (each network chunk one ``data: {chat.completion.chunk}``
event of about 200 bytes carrying 1 to 4 characters, some of them multi-byte), it times our
decoder alone, our decoder followed by ``json.loads``, ``json.loads`` of the same payloads alone
(the floor: no client can avoid it) and the ``openai`` package's own SSE decoder. Over loopback it
streams the same events, one HTTP chunk each, from a server in another process to: raw httpx
reading the body with ``iter_raw`` and doing nothing else (the transport floor),
``ChatClient.stream_chat``, the same with ``json.loads`` in place of msgspec (what the faster
parser earns), and the ``openai`` SDK's ``chat.completions.create(stream=True)``.

Every figure is the median of several rounds made in one process, the variants taking turns in
each round: CPU time of this process (a shared machine's other work does not count), and over
loopback wall time beside it. Targets are ratios to the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.loopback_server import LoopbackStreamServer  # noqa: E402
from desktop_chat.core.client.sse import SSEDecoder  # noqa: E402

# Targets: decoder <= 0.5x json.loads, decoder + json.loads <= 1.6x; over loopback, the client's
# CPU per delta <= 1.5x raw httpx's and its deltas per second >= 5x the SDK's.
DECODER_TARGET = 0.5
DECODER_JSON_TARGET = 1.6
CLIENT_TARGET = 1.5
LOOPBACK_TARGET = 5.0

_ALPHABET = "abcdefghijklmnopqrstuvwxyz      ,.ETAOINe"
_WIDE = "éüñçà—–’“”€£日本語文字中🙂👍🚀"
MESSAGES = [{"role": "user", "content": "Say something long."}]


def make_payloads(count: int, seed: int = 20_241_128) -> list[str]:
    """``count`` chat.completion.chunk JSON texts with 1 to 4 characters of content each."""
    rng = random.Random(seed)
    payloads = []
    for index in range(count):
        content = "".join(
            rng.choice(_WIDE) if rng.random() < 0.15 else rng.choice(_ALPHABET)
            for _ in range(rng.randint(1, 4))
        )
        last = index == count - 1
        chunk = {
            "id": "chatcmpl-AXv4kQ9bZr2Jm7cT1yHpW0sNdEfGh",
            "object": "chat.completion.chunk",
            "created": 1_732_770_000 + index // 60,
            "model": "gpt-4o-mini",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": content},
                    "logprobs": None,
                    "finish_reason": "stop" if last else None,
                }
            ],
        }
        payloads.append(json.dumps(chunk, ensure_ascii=False, separators=(",", ":")))
    return payloads


def sse_events(payloads: Iterable[str]) -> list[bytes]:
    """One ``data:`` event per payload, as the bytes of one network chunk."""
    return [b"data: " + payload.encode() + b"\n\n" for payload in payloads]


# --- in memory -------------------------------------------------------------------------------


def ours_alone(chunks: list[bytes]) -> Callable[[], int]:
    def run() -> int:
        decoder = SSEDecoder()
        feed = decoder.feed
        count = 0
        for chunk in chunks:
            count += len(feed(chunk))
        return count + len(decoder.close())

    return run


def ours_with_json(chunks: list[bytes]) -> Callable[[], int]:
    def run() -> int:
        decoder = SSEDecoder()
        feed = decoder.feed
        loads = json.loads
        count = 0
        for chunk in chunks:
            for event in feed(chunk):
                loads(event.data)
                count += 1
        return count

    return run


def ours_parse_stream(chunks: list[bytes]) -> Callable[[], int]:
    """The whole interpretation the client runs: decoder, msgspec, the chunk's fields."""
    import threading

    from desktop_chat.core.client._stream import StreamState, parse_stream

    def run() -> int:
        cancel = threading.Event()
        return sum(1 for _ in parse_stream(chunks, SSEDecoder(), StreamState(), cancel))

    return run


def json_floor(payloads: list[str]) -> Callable[[], int]:
    def run() -> int:
        loads = json.loads
        for payload in payloads:
            loads(payload)
        return len(payloads)

    return run


def openai_decoder_class() -> tuple[Any, str] | None:
    """The installed ``openai`` package's SSE decoder class and its dotted name, if any."""
    try:
        from openai import _streaming
    except ImportError:
        return None
    candidate = getattr(_streaming, "SSEDecoder", None)
    if isinstance(candidate, type) and hasattr(candidate, "iter_bytes"):
        return candidate, "openai._streaming.SSEDecoder"
    return None


def openai_alone(decoder_class: Any, chunks: list[bytes]) -> Callable[[], int]:
    def run() -> int:
        count = 0
        for _ in decoder_class().iter_bytes(iter(chunks)):
            count += 1
        return count

    return run


def median_times(
    cases: dict[str, Callable[[], int]],
    runs: int,
    expected: int,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Median time of each case on ``clock``; the cases take turns so drift hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            gc.collect()
            start = clock()
            count = case()
            elapsed = clock() - start
            if count != expected:
                raise SystemExit(f"{name}: decoded {count} events, expected {expected}")
            times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}


def run_in_memory(count: int, runs: int) -> list[str]:
    payloads = make_payloads(count)
    chunks = sse_events(payloads)
    size = sum(map(len, chunks)) / len(chunks)
    print(f"In memory: {count:,} chunks of one event each, {size:.0f} bytes on average, ", end="")
    print(f"median CPU time of {runs} runs")
    cases = {
        "json.loads alone (floor)": json_floor(payloads),
        "our decoder": ours_alone(chunks),
        "our decoder + json.loads": ours_with_json(chunks),
        "our parse_stream (all the client does)": ours_parse_stream(chunks),
    }
    found = openai_decoder_class()
    if found is not None:
        decoder_class, name = found
        cases[f"{name}.iter_bytes"] = openai_alone(decoder_class, chunks)
    else:
        print("  (the openai package is not installed: its decoder is left out)")
    # CPU time of this process: on a shared machine, time spent waiting for a core is not ours.
    medians = median_times(cases, runs, count, clock=time.process_time)
    floor = medians["json.loads alone (floor)"]
    print(f"  {'':40} {'CPU ms':>9} {'us/event':>9} {'x floor':>8}")
    for name, seconds in medians.items():
        per_event = seconds / count * 1e6
        print(f"  {name:40} {seconds * 1e3:9.1f} {per_event:9.3f} {seconds / floor:8.2f}")
    decoder_ratio = medians["our decoder"] / floor
    both_ratio = medians["our decoder + json.loads"] / floor
    verdicts = [
        _verdict(
            "decoder alone / floor",
            decoder_ratio,
            f"<= {DECODER_TARGET}",
            decoder_ratio <= DECODER_TARGET,
        ),
        _verdict(
            "decoder + json.loads / floor",
            both_ratio,
            f"<= {DECODER_JSON_TARGET}",
            both_ratio <= DECODER_JSON_TARGET,
        ),
    ]
    if found is not None:
        speedup = medians[f"{found[1]}.iter_bytes"] / medians["our decoder"]
        print(f"  our decoder is {speedup:.1f}x as fast as the openai package's")
    return verdicts


# --- over loopback ---------------------------------------------------------------------------


Case = tuple[Callable[[], int], Callable[[], None]]


def floor_over_http(base_url: str, events: list[bytes]) -> Case:
    """Raw httpx: the same request, the body read with ``iter_raw`` and nothing done with it.

    Every client that reads the stream with httpx pays this; it is the transport floor. It
    counts bytes, not deltas (that would take parsing): a whole body counts as all its deltas.
    """
    import httpx

    client = httpx.Client()
    body = {"model": "bench", "messages": MESSAGES, "stream": True}
    size = sum(map(len, events))
    deltas = len(events) - 1  # the last event is [DONE]

    def run() -> int:
        received = 0
        with client.stream("POST", f"{base_url}/chat/completions", json=body) as response:
            for chunk in response.iter_raw():
                received += len(chunk)
        return deltas if received == size else 0

    return run, client.close


def ours_over_http(base_url: str, parser: Callable[[Any], Any] | None = None) -> Case | None:
    """``ChatClient.stream_chat``; with ``parser``, every chunk is parsed by that one into
    plain objects instead (msgspec's typed reading of the usual chunk is turned off)."""
    try:
        from desktop_chat.core.client import _stream
        from desktop_chat.core.client.api import ChatClient, ContentDelta
    except ImportError as exc:
        print(f"  (desktop_chat.core.client.api is not usable yet: {exc})")
        return None
    client = ChatClient(base_url, api_key="bench-key")
    ours, usual = _stream._DECODE, _stream._DECODE_USUAL

    def refuse(data: object) -> Any:
        raise ValueError("read every chunk as plain JSON")

    def run() -> int:
        if parser is not None:
            _stream._DECODE, _stream._DECODE_USUAL = parser, refuse
        count = 0
        try:
            for event in client.stream_chat("bench", MESSAGES):
                if type(event) is ContentDelta:
                    count += 1
        finally:
            _stream._DECODE, _stream._DECODE_USUAL = ours, usual
        return count

    return run, client.close


def sdk_over_http(base_url: str) -> Case | None:
    try:
        import openai
    except ImportError:
        print("  (the openai package is not installed: the SDK is left out)")
        return None
    # Typed as Any: the benchmark passes plain dicts, which the SDK accepts at run time.
    client: Any = openai.OpenAI(base_url=base_url, api_key="bench-key", max_retries=0)

    def run() -> int:
        count = 0
        stream = client.chat.completions.create(model="bench", messages=MESSAGES, stream=True)
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                count += 1
        return count

    return run, client.close


FLOOR = "raw httpx iter_raw (the floor)"
OURS = "ours: ChatClient.stream_chat"
OURS_STDLIB = "ours with json.loads instead of msgspec"
SDK = "openai SDK: create(stream=True)"


def run_loopback(count: int, runs: int) -> list[str]:
    events = [*sse_events(make_payloads(count)), b"data: [DONE]\n\n"]
    print(f"\nOver loopback: {count:,} deltas, one HTTP chunk each (chunked encoding); ", end="")
    print(f"medians of {runs} rounds, the clients taking turns in each round")
    with LoopbackStreamServer(events) as server:
        clients = {
            FLOOR: floor_over_http(server.base_url, events),
            OURS: ours_over_http(server.base_url),
            OURS_STDLIB: ours_over_http(server.base_url, json.loads),
            SDK: sdk_over_http(server.base_url),
        }
        cases = {name: made[0] for name, made in clients.items() if made is not None}
        # One warm-up each: connection, imports and first-call costs stay out of the figures.
        for case in cases.values():
            case()
        # CPU time of this process (the server is another one): what the client costs, which
        # waiting for a busy core does not change; wall time beside it as context.
        cpu, wall = median_cpu_and_wall(cases, runs, count)
        for made in clients.values():
            if made is not None:
                made[1]()
    floor = cpu[FLOOR]
    print(f"  {'':42} {'CPU us/delta':>12} {'x floor':>8} {'wall us/delta':>14} {'deltas/s':>9}")
    for name in cases:
        per_cpu = cpu[name] / count * 1e6
        per_wall = wall[name] / count * 1e6
        print(
            f"  {name:42} {per_cpu:12.1f} {cpu[name] / floor:8.2f} {per_wall:14.1f} "
            f"{count / wall[name]:9,.0f}"
        )
    ratio = cpu[OURS] / floor
    verdicts = [
        _verdict(
            "ours / floor, CPU per delta", ratio, f"<= {CLIENT_TARGET}", ratio <= CLIENT_TARGET
        )
    ]
    if SDK in cpu:
        speed = wall[SDK] / wall[OURS]
        verdicts.append(
            _verdict(
                "ours / SDK deltas per second",
                speed,
                f">= {LOOPBACK_TARGET}",
                speed >= LOOPBACK_TARGET,
            )
        )
    return verdicts


def median_cpu_and_wall(
    cases: dict[str, Callable[[], int]], runs: int, expected: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median process CPU time and wall time of each case; the cases take turns each round."""
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    wall: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            gc.collect()
            started_cpu, started = time.process_time(), time.perf_counter()
            got = case()
            cpu[name].append(time.process_time() - started_cpu)
            wall[name].append(time.perf_counter() - started)
            if got != expected:
                raise SystemExit(f"{name}: read {got} deltas, expected {expected}")
    return (
        {name: statistics.median(values) for name, values in cpu.items()},
        {name: statistics.median(values) for name, values in wall.items()},
    )


def _verdict(name: str, value: float, target: str, met: bool) -> str:
    return f"  {name:34} {value:6.2f}  target {target:7} {'met' if met else 'MISSED'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chunks", type=int, default=100_000, help="events in memory")
    parser.add_argument("--runs", type=int, default=7, help="runs per in-memory variant (>= 5)")
    parser.add_argument("--e2e-events", type=int, default=20_000, help="deltas over loopback")
    parser.add_argument("--e2e-runs", type=int, default=5, help="runs per loopback client")
    parser.add_argument("--skip-e2e", action="store_true", help="only the in-memory part")
    options = parser.parse_args(argv)
    verdicts = run_in_memory(options.chunks, options.runs)
    if not options.skip_e2e:
        verdicts += run_loopback(options.e2e_events, options.e2e_runs)
    print("\nSummary")
    print(*verdicts, sep="\n")
    print(f"  machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"  python:  {platform.python_implementation()} {platform.python_version()}")
    print(f"  command: {shlex.join(['python', *sys.argv])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
