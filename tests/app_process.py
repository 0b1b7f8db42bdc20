"""The real app in a subprocess, off screen, on a test's home folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def start_app(app_home: Path, *arguments: str) -> subprocess.Popen[bytes]:
    """Start ``python -m desktop_chat`` with ``app_home`` as its profile; output is piped."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESKTOP_CHAT_HOME=str(app_home))
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_chat", *arguments],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
