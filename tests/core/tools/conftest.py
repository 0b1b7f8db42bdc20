"""Fixtures for the tool-server tests: specs of real servers, links that are always closed."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_chat.core.tools.link import ServerLink
from desktop_chat.core.tools.servers import ServerSpec

__all__ = ["children", "demo_spec", "everything_spec", "make_link", "script_spec"]

#: The npm package CI installs globally (see .ci/run); its bin starts it over stdio.
EVERYTHING = "mcp-server-everything"


def demo_spec(name: str = "demo") -> ServerSpec:
    """The demo server that ships with the app, started as the app starts it."""
    return ServerSpec(
        name, command=sys.executable, args=("-m", "desktop_chat.core.tools.demo_tools")
    )


def script_spec(name: str, code: str) -> ServerSpec:
    """A Python one-off that stands in for a broken server."""
    return ServerSpec(name, command=sys.executable, args=("-c", code))


def everything_spec() -> ServerSpec:
    """The reference server of the MCP project, from npm."""
    command = shutil.which(EVERYTHING)
    assert command, (
        f"{EVERYTHING} is not installed: npm install -g @modelcontextprotocol/server-everything"
    )
    return ServerSpec("everything", command=command, args=("stdio",))


def children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (zombies count as gone)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.fixture
def make_link() -> Iterator[Callable[..., ServerLink]]:
    """Links made through this are closed after the test, whatever happens in it."""
    links: list[ServerLink] = []

    def make(spec: ServerSpec, **options: float) -> ServerLink:
        link = ServerLink(spec, **options)
        links.append(link)
        return link

    yield make
    for link in links:
        link.close()


@pytest.fixture
def own_pid() -> int:
    """This process, whose children the servers are."""
    return os.getpid()
