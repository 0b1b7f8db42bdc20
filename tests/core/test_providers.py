"""Provider presets and the checks the settings screen relies on."""

from __future__ import annotations

import dataclasses

import pytest

from desktop_chat.core.config.providers import (
    PRESETS,
    ProviderConfig,
    base_url_problem,
    config_from_preset,
    is_cleartext_remote,
    is_loopback_host,
    preset_for,
)


def test_every_expected_kind_has_one_preset() -> None:
    kinds = [preset.kind for preset in PRESETS]
    assert kinds == [
        "openai",
        "azure",
        "openrouter",
        "groq",
        "ollama",
        "lmstudio",
        "llamacpp",
        "vllm",
        "custom",
        "demo",
    ]


@pytest.mark.parametrize(
    ("kind", "base_url", "needs_key"),
    [
        ("openai", "https://api.openai.com/v1", True),
        ("openrouter", "https://openrouter.ai/api/v1", True),
        ("groq", "https://api.groq.com/openai/v1", True),
        ("ollama", "http://127.0.0.1:11434/v1", False),
        ("lmstudio", "http://127.0.0.1:1234/v1", False),
        ("llamacpp", "http://127.0.0.1:8080/v1", False),
        ("vllm", "http://127.0.0.1:8000/v1", False),
    ],
)
def test_preset_urls(kind: str, base_url: str, needs_key: bool) -> None:
    preset = preset_for(kind)
    assert (preset.base_url, preset.needs_key, preset.auth_style) == (base_url, needs_key, "bearer")
    assert base_url_problem(preset.base_url) is None


def test_azure_sends_api_key_header_and_version() -> None:
    azure = preset_for("azure")
    assert azure.auth_style == "api-key"
    assert azure.api_version
    assert "openai.azure.com/openai/deployments/" in azure.base_url
    assert "/openai/v1" in azure.hint
    config = config_from_preset("azure")
    assert (config.auth_style, config.api_version) == ("api-key", azure.api_version)


def test_demo_is_labelled_and_needs_nothing() -> None:
    demo = preset_for("demo")
    assert demo.is_demo
    assert not demo.needs_key
    assert "demo" in demo.label.lower()
    assert demo.default_model == "demo"
    assert [p.kind for p in PRESETS if p.is_demo] == ["demo"]


def test_unknown_kind_falls_back_to_custom_whose_key_is_optional() -> None:
    assert preset_for("no-such-kind").kind == "custom"
    assert not preset_for("custom").needs_key
    assert not ProviderConfig("x", "X", "no-such-kind", "https://h/v1").needs_key


def test_config_never_has_a_key_field() -> None:
    names = {f.name for f in dataclasses.fields(ProviderConfig)}
    assert not any(
        "key" in name or "secret" in name or "token" in name for name in names - {"max_tokens"}
    )


def test_config_from_preset_gets_unique_ids() -> None:
    first, second = config_from_preset("openai"), config_from_preset("openai")
    assert first.id != second.id
    assert (first.name, first.base_url, first.model) == (
        "OpenAI",
        "https://api.openai.com/v1",
        "gpt-4o-mini",
    )
    named = config_from_preset("ollama", provider_id="local", name="My Ollama")
    assert (named.id, named.name, named.model) == ("local", "My Ollama", "")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://192.168.1.20:11434/v1", True),
        ("http://example.com/v1", True),
        ("HTTP://Example.COM/v1", True),
        ("http://[2001:db8::1]:8000/v1", True),
        ("http://10.0.0.1/v1", True),
        ("https://example.com/v1", False),
        ("http://127.0.0.1:11434/v1", False),
        ("http://127.1.2.3/v1", False),
        ("http://localhost:1234/v1", False),
        ("http://LOCALHOST./v1", False),
        ("http://ollama.localhost/v1", False),
        ("http://[::1]:8080/v1", False),
        ("", False),
        ("not a url", False),
        ("http://[broken/v1", False),
    ],
)
def test_cleartext_remote(url: str, expected: bool) -> None:
    assert is_cleartext_remote(url) is expected


def test_loopback_hosts() -> None:
    assert is_loopback_host("127.0.0.1")
    assert is_loopback_host("::1")
    assert is_loopback_host("[::1]")
    assert not is_loopback_host("127.0.0.1.example.com")
    assert is_loopback_host("0.0.0.0")  # what servers print as the address they listen on
    assert is_loopback_host("::")
    assert is_loopback_host("ollama.localhost")
    assert is_loopback_host("LOCALHOST.")
    assert not is_loopback_host("localhost.example.com")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "Enter"),
        ("ftp://example.com/v1", "https://"),
        ("example.com/v1", "https://"),
        ("https:///v1", "host"),
        ("https://api.openai.com/v1/chat/completions", "/chat/completions"),
        ("https://api openai.com/v1", "spaces"),
        ("http://[broken/v1", "valid"),
        ("https://h:99999/v1", "valid"),
    ],
)
def test_base_url_problems(url: str, fragment: str) -> None:
    problem = base_url_problem(url)
    assert problem is not None
    assert fragment in problem
