"""Local server discovery while the interpreter shuts down: no thread can start, nothing raises."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from desktop_chat.core.client import discovery
from desktop_chat.core.client.demo_server import DemoServer


class _ShutDownExecutor(ThreadPoolExecutor):
    """What every executor does once the interpreter has begun to shut down."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        raise RuntimeError("cannot schedule new futures after interpreter shutdown")


@pytest.fixture
def demo_port() -> Iterator[int]:
    with DemoServer(pace=0) as server:
        assert server.base_url is not None
        yield int(server.base_url.rsplit(":", 1)[1].split("/")[0])


def test_probing_at_shutdown_finds_nothing_and_does_not_raise(
    demo_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert [s.base_url for s in discovery.probe_local_servers(ports=(demo_port,))] == [
        f"http://127.0.0.1:{demo_port}/v1"
    ]
    monkeypatch.setattr(discovery, "ThreadPoolExecutor", _ShutDownExecutor)
    assert discovery.probe_local_servers(ports=(demo_port,)) == []
