"""The image settings: the longest side images are scaled to, and which models see images."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_chat.core.config.settings import Settings, load_settings, save_settings


def test_image_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(max_image_side=1024)
    assert settings.sees_images("p", "m")
    settings.set_sees_images("p", " text-only ", False)
    save_settings(settings, path)
    loaded = load_settings(path)
    assert loaded.problem is None
    assert loaded.settings.max_image_side == 1024
    assert not loaded.settings.sees_images("p", "text-only")
    assert loaded.settings.sees_images("p", "vision")


def test_invalid_image_settings_fall_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {"schema_version": 1, "max_image_side": 10, "image_input": {"a/b": "no", "c/d": False}}
        )
    )
    loaded = load_settings(path)
    assert loaded.settings.max_image_side == 2048
    assert loaded.settings.image_input == {"c/d": False}
    assert loaded.problem is not None
    assert "max_image_side" in loaded.problem
    assert "image_input" in loaded.problem
    path.write_text(json.dumps({"schema_version": 1, "image_input": []}))
    assert load_settings(path).settings.image_input == {}
