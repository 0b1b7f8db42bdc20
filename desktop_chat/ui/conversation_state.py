"""What each conversation remembers of the pickers: its provider, model and system prompt.

Sending saves the choice on the conversation; opening it again puts the choice back in the
settings' active provider (when that provider still exists).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_chat.core.errors import StorageError
from desktop_chat.core.providers import ProviderConfig
from desktop_chat.core.settings import Settings
from desktop_chat.core.storage import Storage

__all__ = ["Restored", "remember_choice", "restore_choice"]


@dataclass(frozen=True, slots=True)
class Restored:
    """What opening a conversation changed.

    Attributes:
        provider_changed: another provider became the active one.
        model_changed: the active provider's model changed.
    """

    provider_changed: bool = False
    model_changed: bool = False


def remember_choice(
    storage: Storage, conversation_id: int, provider: ProviderConfig, model: str
) -> None:
    """Save ``provider`` and ``model`` on the conversation (the system prompt only once)."""
    try:
        conversation = storage.get_conversation(conversation_id)
        if conversation is None:
            return
        fields: dict[str, str] = {"provider": provider.id, "model": model}
        if not conversation.system_prompt and provider.system_prompt.strip():
            fields["system_prompt"] = provider.system_prompt
        if any(getattr(conversation, name) != value for name, value in fields.items()):
            storage.update_conversation(conversation_id, **fields)
    except (StorageError, KeyError):
        return  # a preference only; the message itself was saved


def restore_choice(storage: Storage, settings: Settings, conversation_id: int) -> Restored:
    """Make the conversation's provider and model the active ones in ``settings``."""
    try:
        conversation = storage.get_conversation(conversation_id)
    except StorageError:
        return Restored()
    if conversation is None or not conversation.provider:
        return Restored()
    provider = settings.provider(conversation.provider)
    if provider is None:
        return Restored()
    provider_changed = settings.active_provider_id != provider.id
    settings.active_provider_id = provider.id
    model_changed = bool(conversation.model) and provider.model != conversation.model
    if model_changed:
        provider.model = conversation.model
    return Restored(provider_changed, model_changed)
