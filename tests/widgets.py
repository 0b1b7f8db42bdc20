"""Find a window's parts the way a user names them: by their object name, not private fields."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

T = TypeVar("T", bound=QObject)


def child(parent: QObject, kind: type[T], name: str) -> T:
    """The one descendant of ``parent`` of type ``kind`` named ``name``; fails if there is none."""
    found = parent.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} named {name!r} in {parent.objectName()!r}"
    return found
