"""Provider presets and the per-provider configuration the user edits.

A preset fills in what is known about a service (its base URL, whether it needs a key, how the key
is sent); a :class:`ProviderConfig` is one provider the user set up. The API key is never part of
either: it lives in the keyring (see :mod:`desktop_chat.core.config.secrets`), keyed by the
provider's ``id``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from desktop_chat.core.client._endpoint import is_loopback_host

__all__ = [
    "AUTH_STYLES",
    "AZURE_API_VERSION",
    "PRESETS",
    "ProviderConfig",
    "ProviderPreset",
    "base_url_problem",
    "config_from_preset",
    "is_cleartext_remote",
    "is_loopback_host",
    "new_provider_id",
    "preset_for",
]

AUTH_STYLES = ("bearer", "api-key")
AZURE_API_VERSION = "2024-10-21"


@dataclass(frozen=True, slots=True)
class ProviderPreset:
    """What is known in advance about one kind of OpenAI-compatible service.

    Attributes:
        kind: stable identifier saved in settings (``"openai"``, ``"azure"``, ...).
        label: the name shown in the settings screen.
        base_url: the usual base URL, ending before ``/chat/completions`` ("" when the user must
            supply it, or for the demo, whose port is chosen at start).
        needs_key: whether requests need an API key.
        auth_style: ``"bearer"`` (``Authorization: Bearer``) or ``"api-key"`` (``api-key:`` header).
        api_version: the ``api-version`` query parameter to send, when the service wants one.
        default_model: a model to start with, when one is a safe guess.
        hint: one sentence shown under the base URL field.
        is_demo: True only for the built-in offline demo.
    """

    kind: str
    label: str
    base_url: str
    needs_key: bool
    auth_style: str = "bearer"
    api_version: str | None = None
    default_model: str | None = None
    hint: str = ""
    is_demo: bool = False


PRESETS: tuple[ProviderPreset, ...] = (
    ProviderPreset(
        "openai", "OpenAI", "https://api.openai.com/v1", True, default_model="gpt-4o-mini"
    ),
    ProviderPreset(
        "azure",
        "Azure OpenAI",
        "https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT",
        True,
        auth_style="api-key",
        api_version=AZURE_API_VERSION,
        hint=(
            "Replace RESOURCE and DEPLOYMENT with your own, or use the v1 form "
            "https://RESOURCE.openai.azure.com/openai/v1 with the deployment name as the model."
        ),
    ),
    ProviderPreset(
        "openrouter",
        "OpenRouter",
        "https://openrouter.ai/api/v1",
        True,
        default_model="openrouter/auto",
    ),
    ProviderPreset("groq", "Groq", "https://api.groq.com/openai/v1", True),
    ProviderPreset(
        "ollama",
        "Ollama",
        "http://127.0.0.1:11434/v1",
        False,
        hint="Runs on this computer; start it with 'ollama serve'.",
    ),
    ProviderPreset(
        "lmstudio",
        "LM Studio",
        "http://127.0.0.1:1234/v1",
        False,
        hint="Start the local server from LM Studio's Developer tab.",
    ),
    ProviderPreset(
        "llamacpp",
        "llama.cpp server",
        "http://127.0.0.1:8080/v1",
        False,
        hint="Start it with 'llama-server -m MODEL.gguf'.",
    ),
    ProviderPreset(
        "vllm",
        "vLLM",
        "http://127.0.0.1:8000/v1",
        False,
        hint="Start it with 'vllm serve MODEL'.",
    ),
    ProviderPreset(
        "custom",
        "Custom (OpenAI-compatible)",
        "",
        # Often a server of one's own that takes no key; one that wants a key answers 401.
        False,
        hint="The base URL usually ends in /v1; the app adds /chat/completions.",
    ),
    ProviderPreset(
        "demo",
        "Demo (offline, built in)",
        "",
        False,
        default_model="demo",
        hint="A demo server inside the app: canned replies, no network, no key.",
        is_demo=True,
    ),
)

_BY_KIND = {preset.kind: preset for preset in PRESETS}


@dataclass(slots=True)
class ProviderConfig:
    """One provider the user set up. Never holds the API key.

    Attributes:
        id: stable identifier; also the keyring entry name for this provider's key.
        name: the name the user sees.
        kind: the preset it started from (``ProviderPreset.kind``).
        base_url: the base URL, ending before ``/chat/completions``.
        model: the model to request ("" until chosen).
        auth_style: ``"bearer"`` or ``"api-key"``.
        api_version: ``api-version`` query parameter (Azure), or None.
        system_prompt: sent first in each new conversation ("" for none).
        temperature: sampling temperature, or None to leave the server's default.
        max_tokens: reply length limit, or None to leave the server's default.
        proxy: this provider's own proxy: "" to use the app's (the settings file's, else the
            environment's), a proxy URL, or ``none`` to connect directly whatever the
            environment says.
    """

    id: str
    name: str
    kind: str
    base_url: str
    model: str = ""
    auth_style: str = "bearer"
    api_version: str | None = None
    system_prompt: str = ""
    temperature: float | None = None
    max_tokens: int | None = None
    proxy: str = ""

    @property
    def preset(self) -> ProviderPreset:
        """The preset of this provider's kind (the Custom preset for unknown kinds)."""
        return preset_for(self.kind)

    @property
    def needs_key(self) -> bool:
        """Whether requests to this provider need an API key."""
        return self.preset.needs_key

    def proxy_choice(self, app_proxy: str) -> tuple[str | None, bool]:
        """The explicit proxy requests use, and whether the environment's proxy may apply.

        Args:
            app_proxy: the proxy of the settings file ("" for none).
        """
        own = self.proxy.strip()
        if own.casefold() in DIRECT_PROXY_WORDS:
            return None, False
        return (own or app_proxy.strip() or None), True


#: What a provider's proxy field holds to connect directly, whatever the environment says.
DIRECT_PROXY_WORDS = ("none", "direct")


def preset_for(kind: str) -> ProviderPreset:
    """Return the preset for ``kind``; unknown kinds get the Custom preset."""
    return _BY_KIND.get(kind, _BY_KIND["custom"])


def new_provider_id() -> str:
    """A fresh, unique provider id (safe as a keyring user name)."""
    return uuid.uuid4().hex[:12]


def config_from_preset(
    kind: str, *, provider_id: str | None = None, name: str | None = None
) -> ProviderConfig:
    """Build a new provider configuration filled in from the preset of ``kind``."""
    preset = preset_for(kind)
    return ProviderConfig(
        id=provider_id or new_provider_id(),
        name=name or preset.label,
        kind=preset.kind,
        base_url=preset.base_url,
        model=preset.default_model or "",
        auth_style=preset.auth_style,
        api_version=preset.api_version,
    )


def is_cleartext_remote(base_url: str) -> bool:
    """True when ``base_url`` is plain ``http://`` to a host other than this computer.

    The settings screen warns in that case: the API key and the conversation would travel
    unencrypted over the network.
    """
    try:
        parts = urlsplit(base_url.strip())
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme.lower() != "http" or not host:
        return False
    return not is_loopback_host(host)


def base_url_problem(base_url: str) -> str | None:
    """Return a sentence saying what is wrong with ``base_url``, or None when it looks usable."""
    url = base_url.strip()
    if not url:
        return "Enter the server's base URL, for example https://api.openai.com/v1."
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return "The base URL is not a valid address."
    if parts.scheme.lower() not in ("http", "https"):
        return "The base URL must start with https:// (or http:// for a server on this computer)."
    if not host:
        return "The base URL has no host name."
    if any(ch.isspace() for ch in url):
        return "The base URL must not contain spaces."
    if url.rstrip("/").endswith("/chat/completions"):
        return "Leave out /chat/completions: the app adds it."
    return None
