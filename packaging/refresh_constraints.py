"""Write ``constraints.txt``: the exact versions CI installs for the app and its tests.

Installs ``.[test]`` into a new virtual environment, so that only the project's own dependency
tree is pinned, and writes what ``pip freeze`` reports there. Run it from the checkout with
``python3 packaging/refresh_constraints.py`` and commit the result on its own, after the tests
pass with it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = """\
# The versions CI tests with. `pip install -c constraints.txt -e '.[test]'` reproduces them.
# Written by `python3 packaging/refresh_constraints.py`; do not edit by hand.
"""


def frozen_requirements() -> str:
    """``pip freeze`` of a new environment that has just ``.[test]`` installed."""
    with tempfile.TemporaryDirectory() as folder:
        venv.EnvBuilder(with_pip=True).create(folder)
        python = str(Path(folder) / "bin" / "python")
        pip = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
        subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
        frozen = subprocess.run(
            [*pip, "freeze", "--exclude-editable"], check=True, capture_output=True, text=True
        ).stdout
    lines = sorted(
        (line for line in frozen.splitlines() if line and not line.startswith("#")),
        key=str.lower,
    )
    return HEADER + "\n".join(lines) + "\n"


def main() -> int:
    (ROOT / "constraints.txt").write_text(frozen_requirements(), encoding="utf-8")
    print(f"wrote {ROOT / 'constraints.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
