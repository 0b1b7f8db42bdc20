"""Finding the external programs the packaging tests drive.

A missing program skips its test on a developer's machine but fails it under CI (``CI`` set), where
the workflow and ``.ci/run`` install every one; a program that does not exist on this OS skips.
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(
    name: str, install_hint: str, *, platforms: tuple[str, ...] = (), optional: bool = False
) -> str:
    """Return the path of program ``name``, or skip / fail the calling test as described above.

    ``optional`` tools (extra checks that CI does not promise) skip even under CI.
    """
    if platforms and not sys.platform.startswith(platforms):
        pytest.skip(f"{name} exists only on {', '.join(platforms)}")
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} is not installed ({install_hint})"
    if IN_CI and not optional:
        pytest.fail(message)
    pytest.skip(message)
