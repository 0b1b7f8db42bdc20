"""Where a message stands among its versions (edits, regenerated replies), from the storage."""

from __future__ import annotations

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.models import Message
from desktop_chat.core.history.storage import Storage

__all__ = ["branch_position", "sibling_after_step"]


def branch_position(storage: Storage, message: Message) -> tuple[int, int]:
    """``(position, count)`` of ``message`` among its siblings, position from 1; (1, 1) alone."""
    try:
        siblings = storage.siblings(message.id)
    except StorageError:
        return 1, 1
    ids = [sibling.id for sibling in siblings]
    if message.id not in ids:
        return 1, 1
    return ids.index(message.id) + 1, len(ids)


def sibling_after_step(storage: Storage, message_id: int, step: int) -> int | None:
    """The id of the sibling ``step`` places from ``message_id`` (None past either end)."""
    ids = [sibling.id for sibling in storage.siblings(message_id)]
    if message_id not in ids:
        return None
    position = ids.index(message_id) + step
    return ids[position] if 0 <= position < len(ids) else None
