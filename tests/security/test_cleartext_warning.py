"""The settings screen warns when the key and the chat would cross the network unencrypted."""

from __future__ import annotations

import pytest

from desktop_chat.core.config.providers import is_cleartext_remote


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.example.com/v1",
        "HTTP://API.EXAMPLE.COM/v1",
        "http://192.168.1.20:8000/v1",
        "http://10.0.0.5/v1",
        "http://[2001:db8::1]:8080/v1",
        "http://example.com:443/v1",
        "  http://api.example.com/v1  ",
        "http://localhost.example.com/v1",
        "http://128.0.0.1/v1",
        "http://user:pass@api.example.com/v1",
    ],
)
def test_plain_http_to_another_computer_warns(base_url: str) -> None:
    assert is_cleartext_remote(base_url)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8080/v1",
        "http://127.1.2.3/v1",
        "http://localhost:11434/v1",
        "http://LOCALHOST:1234/v1",
        "http://api.localhost/v1",
        "http://[::1]:8000/v1",
        "https://api.openai.com/v1",
        "https://192.168.1.20/v1",
        "HTTPS://example.com/v1",
        "",
        "not a url",
        "http://",
        "http://[::1/v1",
    ],
)
def test_loopback_https_and_unusable_urls_do_not_warn(base_url: str) -> None:
    assert not is_cleartext_remote(base_url)
