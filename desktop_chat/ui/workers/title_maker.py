"""Asks the model for a short title after a conversation's first reply, off the GUI thread.

Used when the ``generate_titles`` setting is on. The request is a plain (non-streaming) completion
to the same provider and model; until it answers, and whenever it fails, the title made from the
first message stays. A title the user typed in the meantime is never replaced.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from desktop_chat.core.chat.titles import TITLE_PROMPT, clean_title, first_line_title
from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.workers.background import start_background

if TYPE_CHECKING:
    from desktop_chat.core.client.api import ChatClient

__all__ = ["TitleMaker"]

_EXCERPT = 2000


def _ask(make_client: Callable[[], ChatClient], model: str, messages: list[dict[str, str]]) -> str:
    client = make_client()
    try:
        return client.complete(model, messages, max_tokens=24).text
    finally:
        client.close()


class TitleMaker(QObject):
    """Gets titles for new conversations in the background.

    Args:
        storage: the conversation database (the title is saved here, on the GUI thread).
        parent: the Qt parent.

    Signals:
        titled(int): this conversation got a title from the model.
    """

    titled = Signal(int)

    def __init__(self, storage: Storage, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._storage = storage
        # Call name -> (conversation id, the first-line title it must still have when answered).
        self._asked: dict[str, tuple[int, str]] = {}
        self._count = 0

    def request(
        self,
        conversation_id: int,
        client: Callable[[], ChatClient],
        model: str,
        question: str,
        reply: str,
    ) -> None:
        """Ask for a title for the conversation whose first exchange was ``question``/``reply``.

        ``client`` makes the client, in the background (its key is a keyring read).
        """
        expected = first_line_title(question)
        conversation = self._storage.get_conversation(conversation_id)
        if conversation is None or conversation.title != expected:
            return  # gone, or renamed by the user: their title stays
        messages = [
            {"role": "system", "content": TITLE_PROMPT},
            {
                "role": "user",
                "content": f"User: {question[:_EXCERPT]}\n\nAssistant: {reply[:_EXCERPT]}",
            },
        ]
        self._count += 1
        name = f"title-{self._count}"
        self._asked[name] = (conversation_id, expected)
        start_background(
            functools.partial(_ask, client, model, messages),
            succeeded=self._on_call_succeeded,
            failed=self._on_call_failed,
            name=name,
        )

    def pending(self) -> int:
        """How many title requests have not answered yet."""
        return len(self._asked)

    @Slot(str, object)
    def _on_call_succeeded(self, name: str, answer: object) -> None:
        asked = self._asked.pop(name, None)
        if asked is None or not isinstance(answer, str):
            return
        conversation_id, old_title = asked
        title = clean_title(answer)
        try:
            conversation = self._storage.get_conversation(conversation_id)
            # Renamed by the user meanwhile, or deleted: leave it alone.
            if title is None or conversation is None or conversation.title != old_title:
                return
            if conversation.deleted_at is not None:
                return
            self._storage.update_conversation(conversation_id, title=title)
        except (StorageError, KeyError):
            return
        self.titled.emit(conversation_id)

    @Slot(str, object)
    def _on_call_failed(self, name: str, error: object) -> None:
        # A title is a nicety: the first message's words stay.
        del error
        self._asked.pop(name, None)
