"""Which proxy, if any, a request to a provider goes through: one rule for the client and for
what Settings shows.

This computer (see :func:`~desktop_chat.core.client._endpoint.is_loopback_host`) is always
reached directly: a proxy would see the API key in clear text, and could not reach a server on
the user's own loopback anyway. Any other host goes through the proxy set in Settings, else
through the one the environment names (``HTTPS_PROXY`` or ``HTTP_PROXY`` by the URL's scheme,
else ``ALL_PROXY``; lower-case names win, as in curl), unless ``NO_PROXY`` lists the host.

Example::

    environment_proxy("https://api.openai.com/v1")  # "http://proxy.corp:3128", or None
"""

from __future__ import annotations

import ipaddress
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Literal

from desktop_chat.core.client._endpoint import endpoint_url, is_loopback_host
from desktop_chat.core.client._failures import proxy_label

__all__ = ["ProxyRoute", "environment_proxy", "proxy_for", "proxy_route"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def proxy_for(base_url: str, explicit: str | None = None, *, trust_env: bool = True) -> str | None:
    """The proxy URL (credentials included) that requests to ``base_url`` go through.

    Args:
        base_url: the provider's base URL, as typed.
        explicit: the proxy set in Settings ("" or None when there is none).
        trust_env: whether the environment's proxy variables count.

    Returns:
        The proxy URL, or None to connect directly.
    """
    parts = urllib.parse.urlsplit(endpoint_url(base_url))
    host = parts.hostname
    try:
        port = parts.port
    except ValueError:  # the client says so when it sends
        port = None
    if host is not None and is_loopback_host(host):
        return None
    if explicit:
        return explicit
    if not trust_env or host is None:
        return None
    scheme = parts.scheme
    proxies = urllib.request.getproxies()
    if _bypassed(host, port or _DEFAULT_PORTS.get(scheme), proxies.get("no", "")):
        return None
    found = proxies.get(scheme) or proxies.get("all")
    if not found:
        return None
    return found if "://" in found else f"http://{found}"


def environment_proxy(base_url: str) -> str | None:
    """The environment's proxy for ``base_url``, fit to show (no credentials); None if direct."""
    found = proxy_for(base_url)
    return proxy_label(found) if found else None


@dataclass(frozen=True)
class ProxyRoute:
    """How requests to a provider travel, fit to show.

    Attributes:
        via: "loopback" (this computer: always direct), "direct", "provider" (the provider's
            own proxy), "settings" (the proxy set in the settings file) or "environment"
            (HTTP_PROXY, HTTPS_PROXY or ALL_PROXY).
        proxy: the proxy without its credentials, or "" when direct.
    """

    via: Literal["loopback", "direct", "provider", "settings", "environment"]
    proxy: str = ""


def proxy_route(
    base_url: str,
    explicit: str | None = None,
    *,
    trust_env: bool = True,
    from_provider: bool = False,
) -> ProxyRoute:
    """The route :func:`proxy_for` chooses for ``base_url``, as :class:`ProxyRoute`.

    ``from_provider`` says that ``explicit`` is the provider's own proxy, not the app's.
    """
    host = urllib.parse.urlsplit(endpoint_url(base_url)).hostname
    if host is not None and is_loopback_host(host):
        return ProxyRoute("loopback")
    found = proxy_for(base_url, explicit, trust_env=trust_env)
    if found is None:
        return ProxyRoute("direct")
    if not explicit:
        return ProxyRoute("environment", proxy_label(found))
    return ProxyRoute("provider" if from_provider else "settings", proxy_label(found))


def _bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    """Whether a ``NO_PROXY`` list names ``host`` (curl's rules, plus CIDR blocks)."""
    host = host.strip("[]").rstrip(".").lower()
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if entry == "*":
            return True
        name, entry_port = _split_port(entry)
        if not name or (entry_port is not None and entry_port != port):
            continue
        name = name.strip("[]").removeprefix("*").lstrip(".").rstrip(".")
        if host == name or host.endswith("." + name) or _in_block(host, name):
            return True
    return False


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        name, _, port = entry.partition(":")
    else:
        return entry, None
    return name, int(port) if port.isdigit() else None


def _in_block(host: str, name: str) -> bool:
    if "/" not in name:
        return False
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False)
    except ValueError:
        return False
