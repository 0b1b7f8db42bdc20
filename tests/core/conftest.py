"""Fixtures for the core tests: the scripted loopback HTTP server."""

from __future__ import annotations

from tests.scripted_server import scripted_server

__all__ = ["scripted_server"]
