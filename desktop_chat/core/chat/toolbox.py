"""The tools one reply may call: the chat's servers' tools, named for the model, run on request.

A :class:`Toolbox` lists each server's tools once per reply, offers them to the model under their
own names (prefixed with the server's name only when two servers offer the same name), and runs
the calls the model makes: checks the arguments, asks the user first unless the tool is always
allowed, runs it with a time limit, and turns every failure into a result the model can read.
Nothing here raises for a bad call; a server that cannot start is left out with a sentence
saying why (:attr:`Toolbox.problems`), and the reply goes on without its tools.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from desktop_chat.core.errors import DesktopChatError, ToolCallError
from desktop_chat.core.history.models import ToolCall, ToolCallStatus

if TYPE_CHECKING:
    # The links load the MCP SDK: only a reply that uses tools pays for it.
    from desktop_chat.core.tools.link import ServerLink, ToolInfo

__all__ = ["STOPPED_BEFORE_RUN", "Approver", "OfferedTool", "Toolbox", "pieces_to_calls"]

# What the model may call a tool: the chat-completions API accepts these names only.
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_MAX_NAME = 64


@dataclass(frozen=True, slots=True)
class OfferedTool:
    """A tool as offered to the model.

    Attributes:
        name: the name the model calls it by.
        server: the server that runs it.
        info: the server's description of it.
    """

    name: str
    server: str
    info: ToolInfo

    def definition(self) -> dict[str, Any]:
        """The entry of the request's ``tools`` list."""
        schema = self.info.input_schema or {"type": "object", "properties": {}}
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.info.description,
                "parameters": schema,
            },
        }


class Approver(Protocol):
    """Asks the user whether a call (status ``"asking"``) may run; blocks until answered or
    ``cancel`` is set."""

    def __call__(self, call: ToolCall, tool: OfferedTool, cancel: threading.Event) -> bool:
        """True to run the call, False to decline it."""


class Toolbox:
    """The tools of a chat's servers, for one reply.

    Args:
        links: the servers, started on first use (the caller closes them).
        approve: asks the user about a call that is not always allowed.
        always_allowed: whether a server's tool runs without asking (server, tool).
        timeout: seconds a call may run.
        step_limit: how many rounds of calls one reply may make.
    """

    def __init__(
        self,
        links: Sequence[ServerLink],
        approve: Approver,
        *,
        always_allowed: Callable[[str, str], bool] = lambda _server, _tool: False,
        timeout: float = 60.0,
        step_limit: int = 10,
    ) -> None:
        self._links = {link.spec.name: link for link in links}
        self._approve = approve
        self._always_allowed = always_allowed
        self.timeout = timeout
        self.step_limit = step_limit
        self._offered: dict[str, OfferedTool] | None = None
        #: A sentence for each server whose tools could not be listed.
        self.problems: list[str] = []

    def offered(self) -> list[OfferedTool]:
        """Every tool offered to the model; lists each server's tools on the first call."""
        if self._offered is None:
            self._offered = {tool.name: tool for tool in self._list()}
        return list(self._offered.values())

    def definitions(self) -> list[dict[str, Any]]:
        """The request's ``tools``."""
        return [tool.definition() for tool in self.offered()]

    def find(self, name: str) -> OfferedTool | None:
        """The tool the model calls ``name``, or None."""
        self.offered()
        assert self._offered is not None
        return self._offered.get(name)

    def _list(self) -> list[OfferedTool]:
        listed: list[tuple[str, ToolInfo]] = []
        for server, link in self._links.items():
            try:
                listed += [(server, info) for info in link.tools()]
            except DesktopChatError as error:
                self.problems.append(error.message)
        counts: dict[str, int] = {}
        for _server, info in listed:
            counts[info.name] = counts.get(info.name, 0) + 1
        offered: list[OfferedTool] = []
        for server, info in listed:
            name = info.name if counts[info.name] == 1 else f"{server}_{info.name}"
            offered.append(OfferedTool(_UNSAFE.sub("_", name)[:_MAX_NAME], server, info))
        return offered

    def run(
        self, call: ToolCall, cancel: threading.Event, report: Callable[[ToolCall], None]
    ) -> ToolCall:
        """Run ``call`` as far as it goes and return it with its final status and result.

        ``report`` hears each change of status (asking, running) before the call ends.
        """
        tool = self.find(call.name)
        if tool is None:
            return replace(call, status="failed", result=f"There is no tool named “{call.name}”.")
        call = replace(call, server=tool.server)
        try:
            arguments = json.loads(call.arguments) if call.arguments.strip() else {}
        except ValueError as error:
            return replace(
                call, status="failed", result=f"The arguments are not valid JSON ({error})."
            )
        if not isinstance(arguments, dict):
            return replace(call, status="failed", result="The arguments are not a JSON object.")
        if not self._always_allowed(tool.server, tool.info.name):
            asking = replace(call, status="asking")
            report(asking)
            if not self._approve(asking, tool, cancel) and not cancel.is_set():
                return replace(call, status="declined", result=_DECLINED)
        if cancel.is_set():
            return replace(call, status="cancelled", result=STOPPED_BEFORE_RUN)
        report(replace(call, status="running"))
        started = time.monotonic()
        try:
            result = self._links[tool.server].call(
                tool.info.name, arguments, timeout=self.timeout, cancel=cancel
            )
        except DesktopChatError as error:
            stopped = isinstance(error, ToolCallError) and error.reason == "cancelled"
            status: ToolCallStatus = "cancelled" if stopped else "failed"
            return replace(call, status=status, result=error.message, duration_ms=_since(started))
        return replace(
            call,
            status="failed" if result.is_error else "done",
            result=result.text,
            duration_ms=_since(started),
        )


#: The result of a call the user stopped before it ran.
STOPPED_BEFORE_RUN = "The call was stopped before it ran."
_DECLINED = "You declined to run this tool."


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def pieces_to_calls(pieces: dict[int, list[str]], step: int, text_at: int) -> list[ToolCall]:
    """The calls a completion asked for, from its pieces by index: [id, name, arguments]."""
    calls = []
    for index in sorted(pieces):
        call_id, name, arguments = pieces[index]
        calls.append(
            ToolCall(call_id or f"call_{step}_{index}", name, arguments, step=step, text_at=text_at)
        )
    return calls
