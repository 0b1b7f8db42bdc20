"""Loopback ports for tests that need a connection to be refused.

A port found by binding and releasing a socket can be taken by anything else on the machine before
the test connects to it. A socket that is bound but never listens keeps the port ours, and Linux
refuses every connection to it.
"""

from __future__ import annotations

import socket

_held: list[socket.socket] = []


def refused_port() -> int:
    """A loopback port on which every connection is refused, for as long as the tests run."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _held.append(sock)
    return int(sock.getsockname()[1])
