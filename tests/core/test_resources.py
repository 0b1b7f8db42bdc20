"""The files shipped inside the package, and what a broken installation without them says."""

from __future__ import annotations

from importlib import resources as importlib_resources
from pathlib import Path

import pytest

from desktop_chat.core import resources


def test_the_icon_is_an_svg_inside_the_package() -> None:
    path = resources.icon_path()
    assert path.name == "desktop-chat.svg"
    assert "<svg" in path.read_text(encoding="utf-8")


def test_an_installation_without_its_icon_names_the_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build that left the resources out: the package folder has everything but them.
    monkeypatch.setattr(importlib_resources, "files", lambda package: tmp_path)
    with pytest.raises(FileNotFoundError, match="missing from this installation") as raised:
        resources.icon_path()
    assert str(tmp_path / "resources" / "icons" / "desktop-chat.svg") in str(raised.value)
