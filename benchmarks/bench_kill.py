"""How much of a streaming reply a SIGKILL loses: the save interval, measured end to end.

Runs the kill test's scenario (``tests/test_kill_mid_stream.py``): the real app in a subprocess
streams a long reply from a loopback server and is killed at random moments. For each kill it
notes the time from the server writing the first piece that was not saved to the kill. The
floor is the recorder's save interval (250 ms): nothing can be kept that arrived after the last
commit. Run ``python -m benchmarks.bench_kill [--kills N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

from desktop_chat.core.history.recorder import DEFAULT_INTERVAL
from tests.test_kill_mid_stream import TimedServer, run_kills, save_kill_test_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="how many kills (default 20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["DESKTOP_CHAT_HOME"] = home
        server = TimedServer()
        try:
            save_kill_test_settings(server)
            lags = [
                lag
                for kill in run_kills(server, args.kills, seed=20261128)
                if (lag := kill.lag()) is not None
            ]
        finally:
            server.stop()
    print(f"kills: {args.kills}; {len(lags)} lost text sent before them")
    if lags:
        worst = max(lags)
        median = statistics.median(lags)
        print(f"from sending a lost piece to the kill: median {median:.3f} s,")
        print(f"  worst {worst:.3f} s; the save interval (floor) is {DEFAULT_INTERVAL:.3f} s,")
        print(f"  worst / floor = {worst / DEFAULT_INTERVAL:.2f}x")


if __name__ == "__main__":
    main()
