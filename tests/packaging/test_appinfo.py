"""Version, CPU and file names: one source for every installer."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest
from appinfo import artifact_name, normalized_arch, project_version, version_quad
from deb import deb_version


def test_version_comes_from_pyproject_and_matches_the_installed_metadata() -> None:
    assert project_version() == metadata.version("desktop-chat")


def test_version_of_a_given_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\nversion = "2.3.0rc1"\n', encoding="utf-8")
    assert project_version(pyproject) == "2.3.0rc1"


@pytest.mark.parametrize(
    "text", ['[project]\nname = "x"\n', '[project]\nversion = "not a version"\n', "[tool]\n"]
)
def test_missing_or_bad_version_is_a_clear_error(tmp_path: Path, text: str) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="no valid \\[project\\] version"):
        project_version(pyproject)


def test_artifact_names() -> None:
    assert artifact_name("0.1.0", "linux", "amd64", "deb") == "desktop-chat_0.1.0_linux_amd64.deb"
    assert artifact_name("1.2.0", "macos", "arm64", "dmg") == "desktop-chat_1.2.0_macos_arm64.dmg"
    with pytest.raises(ValueError, match="Unknown operating system"):
        artifact_name("1.0", "beos", "amd64", "pkg")


@pytest.mark.parametrize(
    ("machine", "expected"),
    [("x86_64", "amd64"), ("AMD64", "amd64"), ("aarch64", "arm64"), ("arm64", "arm64")],
)
def test_arch_names_are_the_same_on_every_os(machine: str, expected: str) -> None:
    assert normalized_arch(machine) == expected


def test_unknown_cpu_is_refused() -> None:
    with pytest.raises(ValueError, match="No installer is built for the CPU 'mips'"):
        normalized_arch("mips")


def test_this_machine_has_a_known_cpu() -> None:
    assert normalized_arch() in ("amd64", "arm64")


@pytest.mark.parametrize(
    ("version", "quad", "debian"),
    [
        ("0.1.0", "0.1.0.0", "0.1.0"),
        ("1.2rc1", "1.2.0.0", "1.2~rc1"),
        ("2.0.0.dev3", "2.0.0.0", "2.0.0~dev3"),
        ("1.2.3.4.5", "1.2.3.4", "1.2.3.4.5"),
    ],
)
def test_version_spellings(version: str, quad: str, debian: str) -> None:
    assert version_quad(version) == quad
    assert deb_version(version) == debian
