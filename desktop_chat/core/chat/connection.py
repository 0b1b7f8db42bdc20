"""Builds the core chat client for a configured provider: the one place mapping settings to it."""

from __future__ import annotations

from typing import Any

from desktop_chat.core.api import ChatClient
from desktop_chat.core.providers import ProviderConfig

__all__ = ["list_models", "make_client", "request_params"]


def make_client(
    provider: ProviderConfig,
    api_key: str | None,
    *,
    base_url: str | None = None,
    proxy: str = "",
    connect_timeout: float = 10.0,
    read_timeout: float = 60.0,
) -> ChatClient:
    """Return a client for ``provider``; ``base_url`` overrides the saved one (the demo's port)."""
    return ChatClient(
        base_url if base_url is not None else provider.base_url,
        api_key or None,
        auth_style=provider.auth_style,
        api_version=provider.api_version,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        proxy=proxy or None,
    )


def list_models(
    provider: ProviderConfig, api_key: str | None, base_url: str | None = None, proxy: str = ""
) -> list[str]:
    """Ask the server for its models (blocking: call it off the GUI thread)."""
    with make_client(
        provider, api_key, base_url=base_url, proxy=proxy, connect_timeout=5.0, read_timeout=15.0
    ) as client:
        return sorted(client.list_models())


def request_params(provider: ProviderConfig) -> dict[str, Any]:
    """The optional request parameters the provider sets (only those the user chose)."""
    params: dict[str, Any] = {}
    if provider.temperature is not None:
        params["temperature"] = provider.temperature
    if provider.max_tokens is not None:
        params["max_tokens"] = provider.max_tokens
    return params
