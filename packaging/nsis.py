"""The Windows installer: compiling ``packaging/windows/installer.nsi`` with NSIS."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from appinfo import version_quad

__all__ = ["NSIS_SCRIPT", "compile_installer", "find_makensis"]

NSIS_SCRIPT = Path(__file__).resolve().parent / "windows" / "installer.nsi"


def find_makensis() -> Path | None:
    """Return the NSIS compiler: on ``PATH``, or in its default Windows folder."""
    found = shutil.which("makensis")
    if found is not None:
        return Path(found)
    for candidate in (
        Path("C:/Program Files (x86)/NSIS/makensis.exe"),
        Path("C:/Program Files/NSIS/makensis.exe"),
    ):
        if candidate.is_file():
            return candidate
    return None


def compile_installer(
    makensis: Path, payload: Path, icon: Path, version: str, output: Path
) -> None:
    """Compile ``installer.nsi`` around the ``payload`` folder into ``output``.

    Raises:
        subprocess.CalledProcessError: the script did not compile.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    # makensis takes "-D" on every OS (Windows builds also accept "/D").
    subprocess.run(
        [
            str(makensis),
            "-V2",
            "-WX",
            f"-DVERSION={version}",
            f"-DVERSION_QUAD={version_quad(version)}",
            f"-DPAYLOAD_DIR={payload}",
            f"-DICON={icon}",
            f"-DOUTFILE={output}",
            str(NSIS_SCRIPT),
        ],
        check=True,
    )
