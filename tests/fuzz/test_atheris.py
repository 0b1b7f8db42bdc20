"""Runs each atheris target of ``atheris_harness.py`` for a bounded number of inputs."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).with_name("atheris_harness.py")
REPO = Path(__file__).parents[2]
RUNS = {"sse": 10_000, "stream": 10_000, "render": 1_000}


@pytest.mark.skipif(
    sys.platform != "linux" and importlib.util.find_spec("atheris") is None,
    reason="atheris ships wheels for Linux only",
)
@pytest.mark.parametrize("target", list(RUNS))
def test_atheris_target_finds_nothing(target: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [
            sys.executable,
            str(HARNESS),
            target,
            f"-runs={RUNS[target]}",
            "-seed=1",
            "-max_len=512",
            f"-artifact_prefix={tmp_path}/",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Done {RUNS[target]} runs" in result.stderr
    assert not list(tmp_path.glob("crash-*"))
