"""The toolbox and the server links against real MCP servers: ours, the npm reference server,
and ones that cannot start. Every failure becomes a result the model reads, never an exception."""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.errors import KeyringLocked

from desktop_chat.core.chat.options import ChatOptions
from desktop_chat.core.chat.runner import CANCELLED_REASON
from desktop_chat.core.chat.tool_links import ToolLinks, builtin_spec, server_spec
from desktop_chat.core.chat.toolbox import OfferedTool, Toolbox
from desktop_chat.core.chat.turns import send_turn
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.config.tool_servers import (
    BUILTIN_SERVER,
    ToolServerConfig,
    header_secret_id,
    server_from_dict,
)
from desktop_chat.core.history.models import ToolCall
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.tools.link import ServerLink
from desktop_chat.core.tools.servers import ServerSpec
from tests.core.chat.test_tool_turns import Progress, _calls, _run
from tests.core.tools.conftest import everything_spec
from tests.memory_keyring import MemoryKeyring
from tests.scripted_server import ScriptedServer, sse_reply

LONG_RUNNING = "trigger-long-running-operation"


def _allow(call: ToolCall, tool: OfferedTool, cancel: threading.Event) -> bool:
    del call, tool, cancel
    return True


def _seen(call: ToolCall) -> None:
    del call


@pytest.fixture
def links() -> Iterator[list[ServerLink]]:
    made: list[ServerLink] = []
    yield made
    for link in made:
        link.close()


def _link(made: list[ServerLink], spec: ServerSpec) -> ServerLink:
    link = ServerLink(spec, start_timeout=20)
    made.append(link)
    return link


def test_a_server_that_cannot_start_is_left_out_with_its_reason(links: list[ServerLink]) -> None:
    broken = _link(links, ServerSpec("broken", "no-such-tool-server-anywhere"))
    first = _link(links, builtin_spec())
    second = _link(links, dataclasses.replace(builtin_spec(), name="second"))
    box = Toolbox([broken, first, second], _allow)
    names = sorted(tool.name for tool in box.offered())
    # Both servers offer the same tools: each name gets its server's name in front.
    assert names == [
        "demo-tools_calculate",
        "demo-tools_current_time",
        "second_calculate",
        "second_current_time",
    ]
    (problem,) = box.problems
    assert "“broken”" in problem
    assert box.find("calculate") is None


def test_calls_that_cannot_run_become_results(links: list[ServerLink]) -> None:
    link = _link(links, builtin_spec())
    box = Toolbox([link], _allow)
    not_object = box.run(ToolCall("a", "calculate", "[1, 2]"), threading.Event(), _seen)
    assert (not_object.status, not_object.result) == (
        "failed",
        "The arguments are not a JSON object.",
    )

    def stop_after_yes(call: ToolCall, tool: OfferedTool, cancel: threading.Event) -> bool:
        del call, tool
        cancel.set()
        return True

    stopped = Toolbox([link], stop_after_yes).run(
        ToolCall("b", "calculate", '{"expression": "1"}'), threading.Event(), _seen
    )
    assert stopped.status == "cancelled"
    link.close()
    closed = box.run(ToolCall("c", "calculate", '{"expression": "1"}'), threading.Event(), _seen)
    assert closed.status == "failed"
    assert closed.result


def test_a_long_call_is_stopped_or_timed_out_and_says_so(links: list[ServerLink]) -> None:
    link = _link(links, everything_spec())
    arguments = '{"duration": 30, "steps": 30}'
    timed = Toolbox([link], _allow, timeout=0.5).run(
        ToolCall("t", LONG_RUNNING, arguments), threading.Event(), _seen
    )
    assert timed.status == "failed"
    assert "took longer than 0.5 s" in timed.result
    assert timed.duration_ms is not None

    cancel = threading.Event()
    statuses: list[str] = []

    def stop_once_running(call: ToolCall) -> None:
        statuses.append(call.status)
        if call.status == "running":
            threading.Timer(0.3, cancel.set).start()

    stopped = Toolbox([link], _allow).run(
        ToolCall("s", LONG_RUNNING, arguments), cancel, stop_once_running
    )
    assert statuses == ["asking", "running"]
    assert stopped.status == "cancelled"
    assert "was stopped" in stopped.result


def test_stop_during_a_call_cancels_it_and_keeps_the_turn(
    storage: Storage, database: Path, scripted_server: ScriptedServer, links: list[ServerLink]
) -> None:
    link = _link(links, everything_spec())
    scripted_server.add(sse_reply(chunks=_calls((0, "x", LONG_RUNNING, ['{"duration": 30}']))))
    progress = Progress()

    def stop_when_running(call: ToolCall) -> None:
        progress.seen.append(call)
        if call.status == "running":
            threading.Timer(0.3, progress.cancel.set).start()

    progress.on_tool_call = stop_when_running  # type: ignore[method-assign]
    turn = send_turn(storage, None, "wait", ChatOptions("p", "m", tool_servers=("everything",)))
    outcome = _run(turn, scripted_server, database, progress, Toolbox([link], _allow))
    assert outcome.reason == CANCELLED_REASON
    assert len(scripted_server.requests) == 1  # the model is not asked again
    reply = storage.get_message(turn.reply.id)
    assert reply is not None
    assert reply.tool_calls[0].status == "cancelled"
    assert reply.status == "interrupted"


def test_links_are_made_once_per_server_and_remade_when_it_changes() -> None:
    secrets = SecretStore(backend=MemoryKeyring())
    secrets.set(header_secret_id("remote", "Authorization"), "Bearer t0k")
    settings = Settings()
    remote = ToolServerConfig(
        "remote",
        url="http://127.0.0.1:9/mcp",
        headers={"X-A": "1"},
        secret_headers=("Authorization",),
    )
    settings.tool_servers.append(remote)
    links = ToolLinks(secrets)
    try:
        found, problems = links.links(settings, [BUILTIN_SERVER, "remote", "gone"])
        assert [link.spec.name for link in found] == [BUILTIN_SERVER, "remote"]
        assert found[1].spec.headers == {"X-A": "1", "Authorization": "Bearer t0k"}
        assert problems == [
            "The tool server “gone” is not set up any more; choose the chat's tools again."
        ]
        assert links.link(remote) is found[1]
        changed = links.link(ToolServerConfig("remote", url="http://127.0.0.1:9/other"))
        assert changed is not found[1]
    finally:
        links.close()
    assert server_spec(remote, None).headers == {"X-A": "1"}


def test_the_builtin_server_finds_this_copy_of_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    spec = builtin_spec()
    assert spec.command == sys.executable
    path = spec.env["PYTHONPATH"].split(os.pathsep)
    assert path[1] == "/elsewhere"
    assert (Path(path[0]) / "desktop_chat" / "__init__.py").is_file()


@dataclasses.dataclass
class _SaveFailures(Progress):
    """Keeps the sentences about saves that failed instead of failing the test."""

    failures: list[str] = dataclasses.field(default_factory=list)

    def on_record_failed(self, message: str) -> None:
        self.failures.append(message)


def test_a_reply_deleted_while_a_call_waits_says_its_calls_cannot_be_saved(
    storage: Storage, database: Path, scripted_server: ScriptedServer, links: list[ServerLink]
) -> None:
    link = _link(links, builtin_spec())
    scripted_server.add(
        sse_reply(chunks=_calls((0, "d", "calculate", ['{"expression": "2+2"}']))),
        sse_reply(["4"]),
    )
    turn = send_turn(storage, None, "sum", ChatOptions("p", "m", tool_servers=(BUILTIN_SERVER,)))
    progress = _SaveFailures()
    failures = progress.failures

    def delete_then_allow(call: ToolCall, tool: OfferedTool, cancel: threading.Event) -> bool:
        del call, tool, cancel
        storage.delete_message(turn.reply.id)
        return True

    outcome = _run(turn, scripted_server, database, progress, Toolbox([link], delete_then_allow))
    assert outcome.text == "4"
    assert failures
    assert "no longer exists" in failures[0]


def test_a_server_entry_with_a_non_text_field_is_not_used() -> None:
    assert server_from_dict({"name": "x", "command": ["a"]}) is None


class _LockedKeyring(MemoryKeyring):
    """A keyring that is locked: every read fails."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")


def test_a_token_the_keyring_will_not_give_is_a_worded_problem() -> None:
    settings = Settings()
    settings.tool_servers.append(
        ToolServerConfig("remote", url="http://127.0.0.1:9/mcp", secret_headers=("Authorization",))
    )
    links = ToolLinks(SecretStore(backend=_LockedKeyring()))
    try:
        found, (problem,) = links.links(settings, ["remote"])
    finally:
        links.close()
    assert found == []
    assert "locked" in problem.lower()
