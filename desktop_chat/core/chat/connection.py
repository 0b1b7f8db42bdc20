"""Builds the chat client for a configured provider: the one place mapping settings to it."""

from __future__ import annotations

from collections.abc import Callable

from desktop_chat.core.chat.options import ChatOptions, provider_for
from desktop_chat.core.client.api import ChatClient
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.errors import MissingKeyError

__all__ = ["client_for", "list_models", "make_client", "open_client"]


def make_client(
    provider: ProviderConfig,
    api_key: str | None,
    *,
    base_url: str | None = None,
    proxy: str = "",
    connect_timeout: float = 10.0,
    read_timeout: float = 60.0,
) -> ChatClient:
    """Return a client for ``provider``; ``base_url`` overrides the saved one (the demo's port).

    ``proxy`` is the app's proxy; the provider's own proxy setting, when it has one, wins.
    """
    explicit, trust_env = provider.proxy_choice(proxy)
    return ChatClient(
        base_url if base_url is not None else provider.base_url,
        api_key or None,
        auth_style=provider.auth_style,
        api_version=provider.api_version,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        proxy=explicit,
        trust_env=trust_env,
    )


def list_models(
    provider: ProviderConfig, api_key: str | None, base_url: str | None = None, proxy: str = ""
) -> list[str]:
    """Ask the server for its models (blocking: call it off the GUI thread)."""
    with make_client(
        provider, api_key, base_url=base_url, proxy=proxy, connect_timeout=5.0, read_timeout=15.0
    ) as client:
        return client.list_models()


def client_for(
    provider: ProviderConfig,
    api_key: Callable[[str], str | None],
    *,
    base_url: str | None = None,
    proxy: str = "",
) -> ChatClient:
    """A client for ``provider``, its key read through ``api_key(provider_id)``.

    The read is a keyring call, which may block on a locked keyring: the window makes the client
    on the thread that streams.

    Raises:
        MissingKeyError: the provider needs a key and none is stored.
        SecretStoreError: the keyring could not be read.
    """
    key = None if provider.preset.is_demo else api_key(provider.id)
    if provider.needs_key and not key:
        raise MissingKeyError(f"No API key is stored for {provider.name}. Add it in Settings.")
    return make_client(provider, key, base_url=base_url, proxy=proxy)


def open_client(
    options: ChatOptions,
    settings: Settings,
    api_key: Callable[[str], str | None],
    *,
    demo_base_url: Callable[[], str],
) -> tuple[ProviderConfig, ChatClient]:
    """The provider ``options`` name and a client for it, ready to send.

    Args:
        options: the chat's options.
        settings: where the provider is looked up (and its proxy).
        api_key: returns the stored key of a provider id (a keyring read: may block).
        demo_base_url: starts the built-in demo server if needed and returns its URL.

    Raises:
        UnsendableError: the provider is gone or no model is chosen.
        MissingKeyError: its key is missing.
        SecretStoreError: the keyring could not be read.
    """
    provider = provider_for(options, settings)
    base_url = demo_base_url() if provider.preset.is_demo else None
    return provider, client_for(provider, api_key, base_url=base_url, proxy=settings.proxy)
