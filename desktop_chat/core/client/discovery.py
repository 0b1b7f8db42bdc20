"""Finds OpenAI-compatible servers already running on this computer.

Ollama, LM Studio, llama.cpp's server and vLLM listen on well-known loopback ports; each is asked
for ``GET /v1/models`` at the same time, with a short timeout, so the settings screen can offer
what is there in well under a second. Probing never raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

__all__ = ["DEFAULT_PORTS", "LocalServer", "kind_for_port", "probe_local_servers", "probe_server"]

DEFAULT_PORTS = (11434, 1234, 8080, 8000)
_KIND_BY_PORT = {11434: "ollama", 1234: "lmstudio", 8080: "llamacpp", 8000: "vllm"}
_MAX_MODELS = 1000


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


def probe_server(base_url: str, timeout: float = 0.5) -> list[str] | None:
    """Ask ``base_url`` for its models; None when nothing usable answered. Never raises."""
    try:
        # trust_env=False: a proxy from the environment must not intercept loopback probes.
        with httpx.Client(timeout=timeout, trust_env=False) as client:
            response = client.get(base_url.rstrip("/") + "/models")
        if response.status_code != 200:
            return None
        return _model_ids(response.json())
    # An unreachable port, a bad URL, a body that is not JSON, or text that is not UTF-8 all mean
    # "no usable server here".
    except (httpx.HTTPError, httpx.InvalidURL, ValueError):
        return None


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
