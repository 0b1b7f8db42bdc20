"""Finds OpenAI-compatible servers already running on this computer.

Ollama, LM Studio, llama.cpp's server and vLLM listen on well-known loopback ports; each is asked
for ``GET /v1/models`` at the same time, with a short timeout, so the settings screen can offer
what is there in well under a second. Whatever listens on those ports is not trusted: an answer
is read up to 1 MB and for at most a few seconds. Probing never raises.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from desktop_chat.core.client._body import ACCEPT_ENCODING
from desktop_chat.core.client._exchange import Exchange, StreamRegistry

__all__ = ["DEFAULT_PORTS", "LocalServer", "kind_for_port", "probe_local_servers", "probe_server"]

DEFAULT_PORTS = (11434, 1234, 8080, 8000)
_KIND_BY_PORT = {11434: "ollama", 1234: "lmstudio", 8080: "llamacpp", 8000: "vllm"}
_MAX_MODELS = 1000
_MAX_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LocalServer:
    """A server that answered on this computer.

    Attributes:
        base_url: its base URL, ``http://127.0.0.1:<port>/v1``.
        models: the model ids it listed (possibly none).
        kind: the preset kind its port usually belongs to, or ``"custom"``.
    """

    base_url: str
    models: list[str]
    kind: str = "custom"


def kind_for_port(port: int) -> str:
    """The preset kind that usually listens on ``port`` (``"custom"`` when none does)."""
    return _KIND_BY_PORT.get(port, "custom")


def _model_ids(payload: object) -> list[str] | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        return None
    ids = [
        item["id"]
        for item in payload["data"]
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]
    return ids[:_MAX_MODELS]


def probe_server(
    base_url: str, timeout: float = 0.5, total_timeout: float | None = None
) -> list[str] | None:
    """Ask ``base_url`` for its models; None when nothing usable answered. Never raises.

    Args:
        base_url: the server's base URL.
        timeout: seconds allowed to connect, and for each read.
        total_timeout: seconds allowed for the whole answer (default: four times ``timeout``).
    """
    total = timeout * 4 if total_timeout is None else total_timeout
    try:
        # trust_env=False: a proxy from the environment must not intercept loopback probes.
        with httpx.Client(
            timeout=timeout, trust_env=False, headers={"Accept-Encoding": ACCEPT_ENCODING}
        ) as client:
            request = client.build_request("GET", base_url.rstrip("/") + "/models")
            body = _answer(Exchange(client, request, threading.Event(), StreamRegistry()), total)
        return None if body is None else _model_ids(json.loads(body))
    # An unreachable port, a bad URL, a body that is not JSON, or text that is not UTF-8 all mean
    # "no usable server here"; RuntimeError, that no thread can start (at shutdown).
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, RecursionError, RuntimeError):
        return None


def _answer(exchange: Exchange, seconds: float) -> bytes | None:
    """The body of a 200 answer that came whole within ``seconds`` and ``_MAX_BODY``, else None.

    Raises:
        httpx.HTTPError: the exchange failed.
    """
    try:
        exchange.set_deadline(seconds)
        response = exchange.wait_headers()
        if response is None or response.status_code != 200:
            return None
        body, longer = exchange.read_body(_MAX_BODY)
        return None if longer or exchange.expired else body
    finally:
        exchange.close()


def probe_local_servers(
    ports: Iterable[int] = DEFAULT_PORTS, timeout: float = 0.5, host: str = "127.0.0.1"
) -> list[LocalServer]:
    """Probe ``ports`` on ``host`` at once and return the servers that listed models.

    Args:
        ports: the ports to try (default: Ollama, LM Studio, llama.cpp, vLLM).
        timeout: seconds allowed for each probe.
        host: the host to probe (loopback by default).

    Returns:
        The servers found, in the order of ``ports``.
    """
    port_list = list(dict.fromkeys(ports))
    if not port_list:
        return []
    urls = [f"http://{host}:{port}/v1" for port in port_list]
    try:
        with ThreadPoolExecutor(max_workers=len(urls), thread_name_prefix="probe") as pool:
            answers = list(pool.map(lambda url: probe_server(url, timeout), urls))
    except RuntimeError:  # no thread could be started (interpreter shutting down)
        return []
    return [
        LocalServer(url, models, kind_for_port(port))
        for port, url, models in zip(port_list, urls, answers, strict=True)
        if models is not None
    ]
