"""Servers that cannot be used: each ends in a worded error, within the start timeout."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_chat.core.errors import ToolCallError, ToolServerError
from desktop_chat.core.tools import _orphan_guard
from desktop_chat.core.tools.link import ServerLink, _stdio_parameters
from desktop_chat.core.tools.servers import ServerSpec
from tests.core.tools.conftest import children, demo_spec, script_spec
from tests.ports import refused_port


def _start_error(link: ServerLink) -> ToolServerError:
    with pytest.raises(ToolServerError) as caught:
        link.tools()
    assert caught.value.server == link.spec.name
    return caught.value


def test_a_command_that_does_not_exist(make_link: Callable[..., ServerLink]) -> None:
    error = _start_error(make_link(ServerSpec("time", command="no-such-command-here")))
    assert str(error).startswith(
        "The tool server “time” did not start: the command “no-such-command-here” was not found."
    )
    assert "not found" in error.stderr_tail


def test_a_command_that_cannot_be_run(make_link: Callable[..., ServerLink], tmp_path) -> None:
    script = tmp_path / "server"
    script.write_text("#!/bin/sh\n")  # not executable
    error = _start_error(make_link(ServerSpec("local", command=str(script))))
    assert f"the command “{script}” could not be run" in str(error)


def test_a_server_that_exits_at_once(make_link: Callable[..., ServerLink]) -> None:
    code = "import sys; print('no configuration found', file=sys.stderr); sys.exit(3)"
    link = make_link(script_spec("x", code))
    error = _start_error(link)
    assert str(error) == (
        "The tool server “x” stopped (exit code 3). Its last output: no configuration found"
    )
    assert error.stderr_tail == "no configuration found"
    assert link.stderr_tail() == "no configuration found"


def test_a_server_that_exits_silently(make_link: Callable[..., ServerLink]) -> None:
    error = _start_error(make_link(script_spec("x", "pass")))
    assert str(error) == "The tool server “x” stopped (exit code 0)."


def test_a_server_that_prints_garbage(make_link: Callable[..., ServerLink]) -> None:
    code = "import time\nprint('Welcome to my server!', flush=True)\ntime.sleep(60)"
    error = _start_error(make_link(script_spec("x", code), start_timeout=60))
    assert str(error) == (
        "The tool server “x” sent something that is not MCP. Check its command in Settings → Tools."
    )


def test_a_server_that_never_answers(make_link: Callable[..., ServerLink]) -> None:
    code = "import sys, time\nprint('loading', file=sys.stderr, flush=True)\ntime.sleep(60)"
    error = _start_error(make_link(script_spec("slow", code), start_timeout=0.5))
    assert (
        str(error) == "The tool server “slow” did not answer within 0.5 s. Its last output: loading"
    )


def test_an_address_nobody_answers(make_link: Callable[..., ServerLink]) -> None:
    url = f"http://127.0.0.1:{refused_port()}/mcp"
    error = _start_error(make_link(ServerSpec("web", url=url)))
    assert str(error).startswith(f"The tool server “web” could not be reached at {url}: ")
    assert str(error).endswith(" Check its address in Settings → Tools.")
    assert error.stderr_tail == ""


def test_a_closed_link_refuses_and_leaves_no_process(
    make_link: Callable[..., ServerLink], own_pid: int
) -> None:
    link = make_link(demo_spec())
    assert link.tools()
    assert len(children(own_pid)) == 1
    closer = threading.Thread(target=link.close)  # from another thread than the one that used it
    closer.start()
    closer.join()
    assert children(own_pid) == set()
    link.close()
    with pytest.raises(ToolServerError, match="“demo” was closed"):
        link.call("calculate", {"expression": "1"}, timeout=30)


def test_closing_a_link_never_started() -> None:
    link = ServerLink(demo_spec())
    link.close()
    assert link.stderr_tail() == ""


def _raw(mode: str) -> ServerSpec:
    script = Path(__file__).with_name("raw_server.py")
    return ServerSpec("raw", command=sys.executable, args=(str(script), mode))


def test_a_server_that_refuses_the_handshake(make_link: Callable[..., ServerLink]) -> None:
    error = _start_error(make_link(_raw("refuse")))
    assert str(error) == (
        "The tool server “raw” refused to start: Unsupported protocol version. "
        "Check its command in Settings → Tools."
    )


def test_a_handshake_answer_that_is_not_one(make_link: Callable[..., ServerLink]) -> None:
    error = _start_error(make_link(_raw("garbled")))
    assert str(error).startswith("The tool server “raw” sent something that is not MCP.")


def test_tools_over_pages_and_a_result_that_breaks_the_protocol(
    make_link: Callable[..., ServerLink],
) -> None:
    link = make_link(_raw("pages"))
    assert [tool.name for tool in link.tools()] == ["first", "second"]
    with pytest.raises(ToolCallError) as failed:
        link.call("first", {}, timeout=30)
    assert str(failed.value) == (
        "“first” on “raw” failed: its answer is not one this app understands."
    )
    assert failed.value.reason == "failed"


def test_only_the_end_of_a_long_error_output_is_kept(make_link: Callable[..., ServerLink]) -> None:
    code = "import sys\nfor n in range(2000): print(f'line {n}', file=sys.stderr)\nsys.exit(1)\n"
    link = make_link(script_spec("chatty", code))
    error = _start_error(link)
    assert len(error.stderr_tail.encode()) <= 4096
    assert error.stderr_tail.endswith("line 1998\nline 1999")
    assert str(error).endswith("line 1999")
    assert len(str(error)) < 700


def test_a_stray_line_on_stdout_mid_session_is_ignored(
    make_link: Callable[..., ServerLink],
) -> None:
    code = (
        "from desktop_chat.core.tools.demo_tools import main, server\n"
        "@server.tool()\n"
        "def noisy() -> str:\n"
        "    print('debug: noisy was called', flush=True)\n"
        "    return 'done'\n"
        "main([])\n"
    )
    link = make_link(script_spec("noisy", code))
    assert link.call("noisy", {}, timeout=30).text == "done"
    assert link.call("calculate", {"expression": "1 + 2"}, timeout=30).text == "3"


def test_without_the_guard_the_command_runs_as_given() -> None:
    spec = ServerSpec("x", command="server", args=("--quiet",), env={"KEY": "v"}, cwd="/tmp")
    parameters = _stdio_parameters(spec, guarded=False)
    assert (parameters.command, parameters.args) == ("server", ["--quiet"])
    assert parameters.env is not None
    assert parameters.env["KEY"] == "v"
    assert parameters.env["PATH"] == os.environ["PATH"]
    assert _orphan_guard.PARENT_VARIABLE not in parameters.env
    assert parameters.cwd == "/tmp"
    guarded = _stdio_parameters(spec, guarded=True)
    assert guarded.args == ["-m", _orphan_guard.__name__, "server", "--quiet"]
