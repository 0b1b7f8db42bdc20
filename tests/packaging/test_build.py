"""The build script's refusals: each says what to do instead of failing halfway."""

from __future__ import annotations

import importlib
import sys

import pytest
from appinfo import project_version

# Imported by name at run time: a static "from build import" is sorted differently by the linter
# depending on whether a build/ output folder happens to exist.
build_script = importlib.import_module("build")
assert build_script.__file__ is not None
assert build_script.__file__.endswith("build.py"), "packaging/build.py is shadowed"
BuildError = build_script.BuildError
check_installed_version = build_script.check_installed_version
main = build_script.main

OTHER_OS = "windows" if sys.platform != "win32" else "linux"


def test_refuses_to_build_another_os_installer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([OTHER_OS]) == 1
    assert f"the {OTHER_OS} installer can only be built on {OTHER_OS}" in capsys.readouterr().err


def test_unknown_target_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["beos"])
    assert stopped.value.code == 2
    assert "invalid choice: 'beos'" in capsys.readouterr().err


def test_installed_metadata_must_match_pyproject() -> None:
    check_installed_version(project_version())  # the development install is current
    with pytest.raises(BuildError, match=r"run `pip install -e \.` again"):
        check_installed_version("999.0.0")
