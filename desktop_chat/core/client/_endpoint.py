"""Normalise the base URL users paste into the one requests are built on."""

from __future__ import annotations

import ipaddress
import urllib.parse


def is_loopback_host(host: str) -> bool:
    """True when ``host`` names this computer: the one rule for "local" in the app.

    That is ``localhost`` and ``*.localhost`` (RFC 6761), loopback addresses (127.0.0.0/8,
    ``::1``), and the unspecified addresses ``0.0.0.0`` and ``::``, which servers print as the
    address they listen on and which connect to this computer. Brackets and a trailing dot are
    ignored.
    """
    host = host.strip().strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def endpoint_url(base_url: str) -> str:
    """Normalise a base URL as users paste it; requests go to ``<result>/chat/completions``.

    Whitespace is trimmed; a missing scheme becomes ``https://`` (``http://`` for this computer,
    see :func:`is_loopback_host`); a pasted ``.../chat/completions`` is cut back to its base; a
    trailing slash is dropped; a URL with no path at all gets ``/v1``, while a path such as
    ``/openai/v1`` or ``/api/v1`` is kept. Query and fragment are dropped.

    Returns:
        The normalised base URL, or ``""`` when the text names no host.
    """
    text = base_url.strip()
    if not text:
        return ""
    if "://" not in text:
        host = text.split("/", 1)[0].rsplit("@", 1)[-1].lower()
        host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
        text = f"{'http' if is_loopback_host(host) else 'https'}://{text}"
    try:
        parts = urllib.parse.urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        return ""
    if not hostname:
        return ""
    path = parts.path.rstrip("/")
    if path.endswith("/chat/completions"):
        path = path[: -len("/chat/completions")]
    elif not path:
        path = "/v1"
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))
