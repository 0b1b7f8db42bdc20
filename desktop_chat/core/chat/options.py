"""A chat's own request settings: provider, model, prompt, temperature, length and tool servers.

A new chat copies its provider's defaults once; from then on the chat keeps its own values, so
changing a provider's defaults never rewrites a chat that exists. Every turn reads them from the
conversation row, whichever way it was started (send, retry, regenerate, continue).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.config.tool_servers import BUILTIN_SERVER
from desktop_chat.core.errors import DesktopChatError
from desktop_chat.core.history.models import Conversation

__all__ = ["ChatOptions", "UnsendableError", "options_for", "provider_for"]


class UnsendableError(DesktopChatError):
    """A turn cannot be sent as the chat is set up (no provider, no model, no key)."""


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """What one chat sends with every request.

    Attributes:
        provider_id: the provider's id in the settings.
        model: the model id ("" while none is chosen: nothing can be sent).
        system_prompt: sent first with every request ("" for none).
        temperature: the sampling temperature, or None for the server's default.
        max_tokens: the reply length limit, or None for the server's default.
        tool_servers: the tool servers whose tools the model may call (none: no tools offered).
    """

    provider_id: str
    model: str = ""
    system_prompt: str = ""
    temperature: float | None = None
    max_tokens: int | None = None
    tool_servers: tuple[str, ...] = ()

    @classmethod
    def from_provider(
        cls, provider: ProviderConfig, settings: Settings | None = None
    ) -> ChatOptions:
        """The options a new chat takes from ``provider``'s defaults and ``settings``' servers.

        A new chat uses the tool servers enabled in Settings; the demo's chats also use the
        built-in one, so the demo can show tools without any setting up.
        """
        servers: list[str] = []
        if settings is not None:
            servers = [server.name for server in settings.tool_servers if server.enabled]
            if provider.preset.is_demo and BUILTIN_SERVER not in servers:
                servers.insert(0, BUILTIN_SERVER)
        return cls(
            provider.id,
            provider.model,
            provider.system_prompt,
            provider.temperature,
            provider.max_tokens,
            tuple(servers),
        )

    @classmethod
    def from_conversation(cls, conversation: Conversation) -> ChatOptions:
        """The options saved on ``conversation``."""
        return cls(
            conversation.provider,
            conversation.model,
            conversation.system_prompt,
            conversation.temperature,
            conversation.max_tokens,
            conversation.tool_servers,
        )

    def with_changes(self, **changes: Any) -> ChatOptions:
        """A copy with the given attributes changed."""
        return replace(self, **changes)

    def request_params(self) -> dict[str, Any]:
        """The optional body fields these options set (only those chosen)."""
        params: dict[str, Any] = {}
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        return params

    def stored_fields(self) -> dict[str, Any]:
        """The conversation columns that hold these options, for ``Storage.update_conversation``."""
        return {
            "provider": self.provider_id,
            "model": self.model,
            "system_prompt": self.system_prompt,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "tool_servers": self.tool_servers,
        }


def options_for(conversation: Conversation | None, settings: Settings) -> ChatOptions | None:
    """The options a chat uses: its own once saved, else the active provider's defaults.

    A chat whose provider is gone (deleted, or the chat was imported from another computer) keeps
    its prompt and parameters and takes the provider new chats use, with that one's model.
    Returns None when there is nothing to go on (no provider set up at all).
    """
    active = settings.active_provider
    if conversation is not None and conversation.provider:
        own = ChatOptions.from_conversation(conversation)
        if settings.provider(conversation.provider) is not None or active is None:
            return own
        return own.with_changes(provider_id=active.id, model=active.model)
    return None if active is None else ChatOptions.from_provider(active, settings)


def provider_for(options: ChatOptions, settings: Settings) -> ProviderConfig:
    """The provider ``options`` name, checked to be able to send.

    Raises:
        UnsendableError: the provider is gone or no model is chosen.
    """
    provider = settings.provider(options.provider_id)
    if provider is None:
        raise UnsendableError(
            "The provider this chat uses no longer exists. Choose another one in the chat's "
            "settings."
        )
    if not options.model.strip():
        raise UnsendableError("Choose a model in the chat's settings before sending.")
    return provider
