"""Normalise the base URL users paste into the one requests are built on."""

from __future__ import annotations

import urllib.parse

_LOOPBACK = ("localhost", "127.0.0.1", "[::1]", "0.0.0.0")


def endpoint_url(base_url: str) -> str:
    """Normalise a base URL as users paste it; requests go to ``<result>/chat/completions``.

    Whitespace is trimmed; a missing scheme becomes ``https://`` (``http://`` for localhost and
    127.0.0.1); a pasted ``.../chat/completions`` is cut back to its base; a trailing slash is
    dropped; a URL with no path at all gets ``/v1``, while a path such as ``/openai/v1`` or
    ``/api/v1`` is kept. Query and fragment are dropped.

    Returns:
        The normalised base URL, or ``""`` when the text names no host.
    """
    text = base_url.strip()
    if not text:
        return ""
    if "://" not in text:
        host = text.split("/", 1)[0].rsplit("@", 1)[-1].lower()
        host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
        local = host in _LOOPBACK or host.startswith("127.")
        text = f"{'http' if local else 'https'}://{text}"
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
