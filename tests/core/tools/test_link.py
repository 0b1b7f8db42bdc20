"""A link to real servers: the demo server over HTTP, mcp-server-time, the npm reference server."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from desktop_chat.core.errors import ToolCallError, ToolServerError
from desktop_chat.core.tools.link import ServerLink
from desktop_chat.core.tools.servers import ServerSpec
from tests.core.tools.conftest import alive, children, demo_spec, everything_spec

LONG_RUNNING = "trigger-long-running-operation"


TIME = ServerSpec(
    "time", command=sys.executable, args=("-m", "mcp_server_time", "--local-timezone", "UTC")
)


def test_mcp_server_time(make_link: Callable[..., ServerLink]) -> None:
    link = make_link(TIME)
    assert "get_current_time" in {tool.name for tool in link.tools()}
    result = link.call("get_current_time", {"timezone": "Asia/Tokyo"}, timeout=30)
    assert not result.is_error
    assert "Asia/Tokyo" in result.text
    wrong = link.call("get_current_time", {"timezone": "Mars/Base"}, timeout=30)
    assert wrong.is_error
    assert "Mars/Base" in wrong.text


def test_env_and_cwd_reach_the_server(make_link: Callable[..., ServerLink], tmp_path) -> None:
    code = (
        "import os, sys\n"
        "sys.argv = ['demo']\n"
        "print(os.getcwd(), os.environ['DEMO_VALUE'], file=sys.stderr, flush=True)\n"
        "from desktop_chat.core.tools.demo_tools import main\n"
        "main([])\n"
    )
    spec = ServerSpec(
        "env", command=sys.executable, args=("-c", code), env={"DEMO_VALUE": "42"},
        cwd=str(tmp_path),
    )  # fmt: skip
    link = make_link(spec)
    assert link.tools()
    assert link.stderr_tail() == f"{tmp_path} 42"
    assert link.spec is spec


@pytest.mark.slow
def test_the_npm_reference_server(make_link: Callable[..., ServerLink]) -> None:
    link = make_link(everything_spec())
    names = {tool.name for tool in link.tools()}
    assert {"echo", LONG_RUNNING, "get-tiny-image"} <= names
    echo = link.call("echo", {"message": "hello"}, timeout=30)
    assert (echo.text, echo.is_error) == ("Echo: hello", False)
    image = link.call("get-tiny-image", {}, timeout=30)
    assert "\n[image/png, 4.0 kB]\n" in image.text

    with pytest.raises(ToolCallError, match=r"took longer than 0\.5 s") as timed_out:
        link.call(LONG_RUNNING, {"duration": 30, "steps": 30}, timeout=0.5)
    assert timed_out.value.reason == "timeout"
    assert str(timed_out.value) == (
        f"“{LONG_RUNNING}” on “everything” took longer than 0.5 s and was stopped."
    )
    assert link.call("echo", {"message": "still here"}, timeout=30).text == "Echo: still here"

    stop = threading.Event()
    stop.set()
    with pytest.raises(ToolCallError, match="was stopped") as cancelled:
        link.call(LONG_RUNNING, {"duration": 30, "steps": 30}, timeout=60, cancel=stop)
    assert cancelled.value.reason == "cancelled"
    assert link.call("echo", {"message": "again"}, timeout=30).text == "Echo: again"

    refused = link.call("echo", {}, timeout=30)  # no message: the server says what is wrong
    assert refused.is_error


def test_a_protocol_error_is_a_failed_call(make_link: Callable[..., ServerLink]) -> None:
    link = make_link(TIME)
    with pytest.raises(ToolCallError) as failed:
        link.call("nope", {}, timeout=30)
    assert str(failed.value) == "“nope” on “time” failed: Unknown tool: nope"
    assert failed.value.reason == "failed"


def test_a_server_that_stops_is_reported_then_started_again(
    make_link: Callable[..., ServerLink], own_pid: int
) -> None:
    link = make_link(demo_spec())
    assert link.call("calculate", {"expression": "1 + 1"}, timeout=30).text == "2"
    (server,) = children(own_pid)
    subprocess.run(["kill", "-KILL", str(server)], check=True)
    with pytest.raises(ToolServerError, match=r"“demo” stopped \(exit code 9, SIGKILL\)") as died:
        link.call("calculate", {"expression": "1 + 1"}, timeout=30)
    assert died.value.server == "demo"
    assert link.call("calculate", {"expression": "2 + 2"}, timeout=30).text == "4"
    assert not alive(server)


def test_close_after_the_server_died(make_link: Callable[..., ServerLink], own_pid: int) -> None:
    link = make_link(demo_spec())
    assert link.tools()
    (server,) = children(own_pid)
    subprocess.run(["kill", "-KILL", str(server)], check=True)
    with pytest.raises(ToolServerError, match="stopped"):
        link.call("calculate", {"expression": "1"}, timeout=30)
    link.close()
    assert children(own_pid) == set()


@pytest.mark.slow
def test_close_during_a_call(make_link: Callable[..., ServerLink]) -> None:
    link = make_link(everything_spec())
    assert link.tools()
    errors: list[Exception] = []

    def wait_long() -> None:
        try:
            link.call(LONG_RUNNING, {"duration": 60, "steps": 60}, timeout=120)
        except (ToolCallError, ToolServerError) as error:
            errors.append(error)

    caller = threading.Thread(target=wait_long)
    caller.start()
    time.sleep(0.5)  # lets the call reach the server; the test holds either way
    link.close()
    caller.join()
    assert len(errors) == 1


def test_calls_from_many_threads_share_one_server(
    make_link: Callable[..., ServerLink], own_pid: int
) -> None:
    link = make_link(demo_spec())
    results: list[str] = []

    def work(number: int) -> None:
        results.append(link.call("calculate", {"expression": f"{number} * 2"}, timeout=30).text)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=int) == [str(n * 2) for n in range(8)]
    assert len(children(own_pid)) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_demo() -> Iterator[str]:
    """The demo server over Streamable HTTP in its own process; yields its endpoint."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_chat.core.tools.demo_tools", "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60  # a guard against a server that never listens
        while time.monotonic() < deadline:
            assert process.poll() is None, "the demo server exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(30)


@pytest.mark.slow
def test_the_demo_server_over_http(http_demo: str, make_link: Callable[..., ServerLink]) -> None:
    link = make_link(ServerSpec("web", url=http_demo, headers={"X-Client": "desktop-chat"}))
    assert {tool.name for tool in link.tools()} == {"current_time", "calculate"}
    assert link.call("calculate", {"expression": "2 ** 10"}, timeout=30).text == "1024"
    assert link.stderr_tail() == ""
