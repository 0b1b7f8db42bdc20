"""The user's settings: typed dataclasses saved as one JSON file with a ``schema_version``.

Loading never fails: a missing file gives the defaults; a file that cannot be used (empty, not
JSON, the wrong shape, or written by a newer version) is renamed aside with a clear suffix so
nothing is lost, and :attr:`SettingsLoad.problem` says so in a sentence the window can show.
Single invalid values (an unknown theme, a negative font size) fall back to their defaults; the
original file is then kept aside too and the repaired settings are written in its place.
Unknown fields are kept and written back, so a file edited by a newer version survives a round
trip. Older formats are upgraded by the functions in ``MIGRATIONS``. Saving is atomic.

API keys are never part of the settings; they live in the keyring.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_chat.core._files import atomic_write_text, copy_aside, set_aside
from desktop_chat.core._json_values import has_type
from desktop_chat.core.config.paths import settings_path
from desktop_chat.core.config.providers import AUTH_STYLES, ProviderConfig, config_from_preset
from desktop_chat.core.config.tool_servers import (
    BUILTIN_SERVER,
    DEFAULT_STEP_LIMIT,
    DEFAULT_TOOL_TIMEOUT,
    ToolServerConfig,
    server_from_dict,
    server_to_dict,
)
from desktop_chat.core.errors import SettingsError

__all__ = [
    "DEFAULT_FONT_SIZE",
    "DEFAULT_MAX_IMAGE_SIDE",
    "DEMO_PROVIDER_ID",
    "MAX_FONT_SIZE",
    "MAX_IMAGE_SIDE_RANGE",
    "MIGRATIONS",
    "MIN_FONT_SIZE",
    "SCHEMA_VERSION",
    "SEND_KEYS",
    "THEMES",
    "Settings",
    "SettingsLoad",
    "load_settings",
    "save_settings",
    "settings_from_dict",
    "settings_to_dict",
]

SCHEMA_VERSION = 1
THEMES = ("system", "light", "dark")
SEND_KEYS = ("enter", "ctrl+enter")
DEFAULT_FONT_SIZE = 11
MIN_FONT_SIZE = 6
MAX_FONT_SIZE = 48
DEMO_PROVIDER_ID = "demo"
#: The longest side, in pixels, attached images are scaled down to unless set otherwise.
DEFAULT_MAX_IMAGE_SIDE = 2048
#: The values that setting accepts.
MAX_IMAGE_SIDE_RANGE = (256, 8192)

# Field names that look like credentials are never carried along as unknown fields.
_SECRET_LIKE = frozenset({"api_key", "apikey", "key", "token", "password", "secret", "auth"})


def _default_providers() -> list[ProviderConfig]:
    return [config_from_preset("demo", provider_id=DEMO_PROVIDER_ID, name="Demo (offline)")]


def _default_tool_servers() -> list[ToolServerConfig]:
    # Off for new chats of real providers: many models refuse a request that offers tools. The
    # demo's chats use it anyway (see ChatOptions.from_provider).
    return [ToolServerConfig(BUILTIN_SERVER, enabled=False)]


@dataclass(slots=True)
class Settings:
    """Everything the user can set, except API keys and window geometry.

    The defaults hold one provider, the built-in offline demo, so a first run can chat at once.

    Attributes:
        schema_version: the format of the saved file; always ``SCHEMA_VERSION`` once loaded.
        providers: the configured providers, in the order the user arranged them.
        active_provider_id: the provider new conversations use, or None when there is none.
        theme: ``"system"``, ``"light"`` or ``"dark"``.
        font_size: transcript font size in points (``MIN_FONT_SIZE`` to ``MAX_FONT_SIZE``).
        send_key: ``"enter"`` (Shift+Enter for a new line) or ``"ctrl+enter"``.
        generate_titles: ask the model for a short title after the first reply (off by
            default: it is one more request to a provider that may charge for it).
        notify_when_done: a desktop notification when a reply finishes while the window is
            not in front.
        proxy: a proxy URL for every request ("" to use the system's settings).
        max_image_side: attached images are scaled down to this longest side, in pixels.
        image_input: whether a model can see images, by ``"<provider id>/<model>"``: learned
            when a model refuses images, or set by the user. Models not named are assumed to.
        tool_servers: the tool (MCP) servers set up, the built-in one first.
        tool_timeout: seconds a tool call may run before it is stopped.
        tool_step_limit: how many rounds of tool calls one reply may make.
        extra: fields this version does not know, kept to be written back unchanged.
    """

    schema_version: int = SCHEMA_VERSION
    providers: list[ProviderConfig] = field(default_factory=_default_providers)
    active_provider_id: str | None = DEMO_PROVIDER_ID
    theme: str = "system"
    font_size: int = DEFAULT_FONT_SIZE
    send_key: str = "enter"
    generate_titles: bool = False
    notify_when_done: bool = True
    proxy: str = ""
    max_image_side: int = DEFAULT_MAX_IMAGE_SIDE
    image_input: dict[str, bool] = field(default_factory=dict)
    tool_servers: list[ToolServerConfig] = field(default_factory=_default_tool_servers)
    tool_timeout: int = DEFAULT_TOOL_TIMEOUT
    tool_step_limit: int = DEFAULT_STEP_LIMIT
    extra: dict[str, Any] = field(default_factory=dict)

    def provider(self, provider_id: str | None) -> ProviderConfig | None:
        """Return the provider with this id, or None."""
        return next((p for p in self.providers if p.id == provider_id), None)

    @property
    def active_provider(self) -> ProviderConfig | None:
        """The active provider, or None when none is set up."""
        return self.provider(self.active_provider_id)

    def tool_server(self, name: str) -> ToolServerConfig | None:
        """Return the tool server with this name, or None."""
        return next((s for s in self.tool_servers if s.name == name), None)

    def replace_tool_server(self, server: ToolServerConfig) -> None:
        """Put ``server`` in place of the one with its name (or add it last)."""
        for index, known in enumerate(self.tool_servers):
            if known.name == server.name:
                self.tool_servers[index] = server
                return
        self.tool_servers.append(server)

    def sees_images(self, provider_id: str, model: str) -> bool:
        """Whether the model is believed to see images (True unless known otherwise)."""
        return self.image_input.get(f"{provider_id}/{model.strip()}", True)

    def set_sees_images(self, provider_id: str, model: str, sees: bool) -> None:
        """Remember whether the model can see images."""
        self.image_input[f"{provider_id}/{model.strip()}"] = sees


@dataclass(frozen=True, slots=True)
class SettingsLoad:
    """The result of :func:`load_settings`.

    Attributes:
        settings: the settings to use (the defaults when the file was unusable).
        problem: a sentence for the user when something was wrong with the file, else None.
        set_aside: where the original file was moved to keep it, when it was.
    """

    settings: Settings
    problem: str | None = None
    set_aside: Path | None = None


class _UnusableError(Exception):
    """The file as a whole cannot be used.

    Attributes:
        why: the end of a sentence saying why ("it was written by a newer version ...").
        suffix: the name given to the file kept aside (``newer`` or ``invalid``).
    """

    def __init__(self, why: str, suffix: str = "invalid") -> None:
        super().__init__(why)
        self.why = why
        self.suffix = suffix


def _migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (no ``schema_version``) held one provider as flat top-level fields."""
    migrated = {k: v for k, v in data.items() if k not in _V0_PROVIDER_FIELDS}
    if "send_with_ctrl_enter" in migrated:
        migrated["send_key"] = "ctrl+enter" if migrated.pop("send_with_ctrl_enter") else "enter"
    if isinstance(data.get("base_url"), str) and data["base_url"].strip():
        provider: dict[str, Any] = {
            "id": "default",
            "name": "My provider",
            "kind": "custom",
            "base_url": data["base_url"].strip(),
            "model": data.get("model", ""),
            "system_prompt": data.get("system_prompt", ""),
            "temperature": data.get("temperature"),
            "max_tokens": data.get("max_tokens"),
        }
        migrated["providers"] = [provider]
        migrated["active_provider_id"] = "default"
    migrated["schema_version"] = 1
    return migrated


_V0_PROVIDER_FIELDS = frozenset(
    {"base_url", "model", "system_prompt", "temperature", "max_tokens", "api_key"}
)

# MIGRATIONS[n] turns a version-n dict into a version n+1 dict.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_0_to_1}


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise _UnusableError("its schema_version is not a valid number")
    if version > SCHEMA_VERSION:
        raise _UnusableError(
            f"it was written by a newer version of Desktop Chat (format {version}, "
            f"this version reads up to {SCHEMA_VERSION})",
            "newer",
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    return data


def _provider_to_dict(provider: ProviderConfig) -> dict[str, Any]:
    return {
        "id": provider.id,
        "name": provider.name,
        "kind": provider.kind,
        "base_url": provider.base_url,
        "model": provider.model,
        "auth_style": provider.auth_style,
        "api_version": provider.api_version,
        "system_prompt": provider.system_prompt,
        "temperature": provider.temperature,
        "max_tokens": provider.max_tokens,
        "proxy": provider.proxy,
    }


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """The JSON-ready form of ``settings`` (unknown fields included, never a secret)."""
    data: dict[str, Any] = {
        k: v for k, v in settings.extra.items() if k.lower() not in _SECRET_LIKE
    }
    data.update(
        schema_version=SCHEMA_VERSION,
        providers=[_provider_to_dict(p) for p in settings.providers],
        active_provider_id=settings.active_provider_id,
        theme=settings.theme,
        font_size=settings.font_size,
        send_key=settings.send_key,
        generate_titles=settings.generate_titles,
        notify_when_done=settings.notify_when_done,
        proxy=settings.proxy,
        max_image_side=settings.max_image_side,
        image_input=dict(settings.image_input),
        tool_servers=[server_to_dict(server) for server in settings.tool_servers],
        tool_timeout=settings.tool_timeout,
        tool_step_limit=settings.tool_step_limit,
    )
    return data


class _Reader:
    """Reads typed values out of a dict, noting each field that had to fall back."""

    def __init__(self, data: dict[str, Any], prefix: str, invalid: list[str]) -> None:
        self.data = data
        self.prefix = prefix
        self.invalid = invalid

    def _bad(self, name: str) -> None:
        self.invalid.append(self.prefix + name)

    def text(self, name: str, default: str) -> str:
        value = self.data.get(name, default)
        if isinstance(value, str):
            return value
        self._bad(name)
        return default

    def optional_text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or isinstance(value, str):
            return value or None
        self._bad(name)
        return None

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.data.get(name, default)
        if value in choices:
            return str(value)
        self._bad(name)
        return default

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if has_type(value, (bool,)):
            return bool(value)
        self._bad(name)
        return default

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.data.get(name, default)
        if has_type(value, (int,)) and low <= value <= high:
            return int(value)
        self._bad(name)
        return default

    def optional_number(self, name: str, low: float, high: float) -> float | None:
        value = self.data.get(name)
        if value is None:
            return None
        if has_type(value, (int, float)) and low <= value <= high:
            return float(value)
        self._bad(name)
        return None

    def optional_count(self, name: str, low: int, high: int) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if has_type(value, (int,)) and low <= value <= high:
            return int(value)
        self._bad(name)
        return None


def _provider_from_dict(raw: Any, index: int, invalid: list[str]) -> ProviderConfig | None:
    label = f"providers[{index}]"
    if not isinstance(raw, dict):
        invalid.append(label)
        return None
    provider_id = raw.get("id")
    if not isinstance(provider_id, str) or not provider_id.strip():
        invalid.append(label)
        return None
    read = _Reader(raw, f"{label}.", invalid)
    kind = read.text("kind", "custom") or "custom"
    return ProviderConfig(
        id=provider_id,
        name=read.text("name", provider_id) or provider_id,
        kind=kind,
        base_url=read.text("base_url", ""),
        model=read.text("model", ""),
        auth_style=read.choice("auth_style", AUTH_STYLES, "bearer"),
        api_version=read.optional_text("api_version"),
        system_prompt=read.text("system_prompt", ""),
        temperature=read.optional_number("temperature", 0.0, 2.0),
        max_tokens=read.optional_count("max_tokens", 1, 10_000_000),
        proxy=read.text("proxy", ""),
    )


_KNOWN_FIELDS = frozenset(
    {
        "schema_version",
        "providers",
        "active_provider_id",
        "theme",
        "font_size",
        "send_key",
        "generate_titles",
        "notify_when_done",
        "proxy",
        "max_image_side",
        "image_input",
        "tool_servers",
        "tool_timeout",
        "tool_step_limit",
    }
)


def settings_from_dict(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Build settings from a dict of the current (or an older) format.

    Returns:
        The settings and the names of the fields that were invalid and fell back to defaults.

    Raises:
        SettingsError: the dict as a whole is unusable (for example from a newer version).
    """
    try:
        return _settings_from_dict(data)
    except _UnusableError as exc:
        raise SettingsError(f"The settings cannot be used: {exc.why}.") from None


def _settings_from_dict(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    data = _migrate(dict(data))
    invalid: list[str] = []
    read = _Reader(data, "", invalid)
    defaults = Settings()

    if "providers" in data:
        raw_providers = data["providers"]
        if not isinstance(raw_providers, list):
            invalid.append("providers")
            raw_providers = []
        providers: list[ProviderConfig] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_providers):
            provider = _provider_from_dict(raw, index, invalid)
            if provider is None:
                continue
            if provider.id in seen:
                invalid.append(f"providers[{index}]")
                continue
            seen.add(provider.id)
            providers.append(provider)
    else:
        providers = defaults.providers

    active = data.get("active_provider_id")
    if active is not None and not isinstance(active, str):
        invalid.append("active_provider_id")
        active = None
    if active not in {p.id for p in providers}:
        active = providers[0].id if providers else None

    settings = Settings(
        schema_version=SCHEMA_VERSION,
        providers=providers,
        active_provider_id=active,
        theme=read.choice("theme", THEMES, defaults.theme),
        font_size=read.integer("font_size", defaults.font_size, MIN_FONT_SIZE, MAX_FONT_SIZE),
        send_key=read.choice("send_key", SEND_KEYS, defaults.send_key),
        generate_titles=read.flag("generate_titles", defaults.generate_titles),
        notify_when_done=read.flag("notify_when_done", defaults.notify_when_done),
        proxy=read.text("proxy", defaults.proxy),
        max_image_side=read.integer(
            "max_image_side", defaults.max_image_side, *MAX_IMAGE_SIDE_RANGE
        ),
        image_input=_image_input(data.get("image_input", {}), invalid),
        tool_servers=_tool_servers(data, invalid),
        tool_timeout=read.integer("tool_timeout", DEFAULT_TOOL_TIMEOUT, 1, 3600),
        tool_step_limit=read.integer("tool_step_limit", DEFAULT_STEP_LIMIT, 1, 100),
        extra={
            k: v
            for k, v in data.items()
            if k not in _KNOWN_FIELDS and k.lower() not in _SECRET_LIKE
        },
    )
    return settings, invalid


def _image_input(raw: Any, invalid: list[str]) -> dict[str, bool]:
    if not isinstance(raw, dict):
        invalid.append("image_input")
        return {}
    kept = {key: value for key, value in raw.items() if isinstance(value, bool)}
    if len(kept) != len(raw):
        invalid.append("image_input")
    return kept


def _tool_servers(data: dict[str, Any], invalid: list[str]) -> list[ToolServerConfig]:
    if "tool_servers" not in data:
        return _default_tool_servers()
    raw = data["tool_servers"]
    if not isinstance(raw, list):
        invalid.append("tool_servers")
        return _default_tool_servers()
    servers: list[ToolServerConfig] = []
    for index, entry in enumerate(raw):
        server = server_from_dict(entry)
        if server is None or any(known.name == server.name for known in servers):
            invalid.append(f"tool_servers[{index}]")
            continue
        servers.append(server)
    if not any(server.builtin for server in servers):
        servers.insert(0, _default_tool_servers()[0])
    return servers


def _unusable(path: Path, why: str, reason: str) -> SettingsLoad:
    aside: Path | None
    try:
        aside = set_aside(path, reason)
    except OSError:
        aside = None
    kept = (
        f" The file was kept as {aside.name}."
        if aside is not None
        else " The file could not be moved aside and was left as it is."
    )
    return SettingsLoad(
        Settings(),
        f"Your settings could not be read because {why}, so the defaults are in use.{kept}",
        aside,
    )


def load_settings(path: Path | None = None) -> SettingsLoad:
    """Read the settings file; never raises.

    Args:
        path: the file to read (default: :func:`desktop_chat.core.config.paths.settings_path`).

    Returns:
        The settings, with ``problem`` set when the file was unusable or partly invalid.
    """
    path = path if path is not None else settings_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return SettingsLoad(Settings())
    except OSError as exc:
        return SettingsLoad(
            Settings(),
            f"Your settings could not be read ({exc.strerror or type(exc).__name__}), "
            "so the defaults are in use for now.",
        )
    if not raw.strip():
        return _unusable(path, "the file is empty", "empty")
    try:
        # Windows editors (Notepad) start a UTF-8 file with a byte order mark.
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return _unusable(path, "the file is not valid JSON", "corrupt")
    except RecursionError:
        return _unusable(path, "the file is nested too deeply", "corrupt")
    if not isinstance(data, dict):
        return _unusable(path, "the file does not hold a settings object", "invalid")
    try:
        settings, invalid = _settings_from_dict(data)
    except _UnusableError as exc:
        return _unusable(path, exc.why, exc.suffix)
    if not invalid:
        return SettingsLoad(settings)

    invalid.sort(key=lambda name: name.startswith("providers"))  # general settings first
    names = ", ".join(invalid[:5]) + (" and more" if len(invalid) > 5 else "")
    problem = f"Some settings were invalid and were reset to their defaults: {names}."
    # Copy first, then replace atomically: at every moment one intact file holds the original.
    try:
        aside = copy_aside(path, "invalid")
    except OSError:
        return SettingsLoad(settings, problem + " The file was left as it is.")
    problem += f" The original file was kept as {aside.name}."
    with contextlib.suppress(SettingsError):
        save_settings(settings, path)
    return SettingsLoad(settings, problem, aside)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write ``settings`` atomically: a temporary file, flushed to disk, then renamed over.

    A crash or a full disk leaves either the old file or the new one, never half of one.

    Raises:
        SettingsError: the file cannot be written (the message says why).
    """
    path = path if path is not None else settings_path()
    text = json.dumps(settings_to_dict(settings), indent=2, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
    except OSError as exc:
        raise SettingsError(
            f"Your settings could not be saved to {path}: {exc.strerror or type(exc).__name__}."
        ) from None
