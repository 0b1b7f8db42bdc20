"""Streaming benchmark: the SSE decoder in memory, then a whole chat stream over loopback.

Run from the repository root::

    python benchmarks/bench_stream.py            # --help for the sizes

In memory, on a synthetic token stream (each network chunk one ``data: {chat.completion.chunk}``
event of about 200 bytes carrying 1 to 4 characters, some of them multi-byte), it times our
decoder alone, our decoder followed by ``json.loads``, ``json.loads`` of the same payloads alone
(the floor: no client can avoid it) and the ``openai`` package's own SSE decoder. Over loopback it
streams the same events, one HTTP chunk each, to ``ChatClient.stream_chat`` and to the ``openai``
SDK's ``chat.completions.create(stream=True)``, and compares deltas per second.

Every figure is the median of several runs made in one process, the variants taking turns: CPU
time in memory (a shared machine's other work does not count), wall time over loopback.
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

# Targets: decoder <= 0.5x the floor, decoder + json.loads <= 1.6x, loopback >= 5x the SDK.
DECODER_TARGET = 0.5
DECODER_JSON_TARGET = 1.6
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


def ours_over_http(base_url: str) -> tuple[Callable[[], int], Callable[[], None]] | None:
    try:
        from desktop_chat.core.client.api import ChatClient, ContentDelta
    except ImportError as exc:
        print(f"  (desktop_chat.core.client.api is not usable yet: {exc})")
        return None
    client = ChatClient(base_url, api_key="bench-key")

    def run() -> int:
        count = 0
        for event in client.stream_chat("bench", MESSAGES):
            if type(event) is ContentDelta:
                count += 1
        return count

    return run, client.close


def sdk_over_http(base_url: str) -> tuple[Callable[[], int], Callable[[], None]] | None:
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


def run_loopback(count: int, runs: int) -> list[str]:
    events = [*sse_events(make_payloads(count)), b"data: [DONE]\n\n"]
    print(f"\nOver loopback: {count:,} deltas, one HTTP chunk each (chunked encoding), ", end="")
    print(f"median wall time of {runs} runs")
    with LoopbackStreamServer(events) as server:
        clients = {
            "ours: ChatClient.stream_chat": ours_over_http(server.base_url),
            "openai SDK: create(stream=True)": sdk_over_http(server.base_url),
        }
        cases = {name: made[0] for name, made in clients.items() if made is not None}
        # One warm-up each: connection, imports and first-call costs stay out of the figures.
        for case in cases.values():
            case()
        medians = median_times(cases, runs, count)
        for made in clients.values():
            if made is not None:
                made[1]()
    print(f"  {'':40} {'total s':>9} {'deltas/s':>10}")
    rates = {}
    for name, seconds in medians.items():
        rates[name] = count / seconds
        print(f"  {name:40} {seconds:9.3f} {rates[name]:10,.0f}")
    if len(rates) < 2:
        return []
    ratio = rates["ours: ChatClient.stream_chat"] / rates["openai SDK: create(stream=True)"]
    return [
        _verdict(
            "ours / SDK deltas per second", ratio, f">= {LOOPBACK_TARGET}", ratio >= LOOPBACK_TARGET
        )
    ]


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
