"""Which options a chat uses: its own, the defaults of a new chat, or a stand-in provider."""

from __future__ import annotations

import pytest

from desktop_chat.core.chat.options import ChatOptions, UnsendableError, options_for, provider_for
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.history.models import Conversation

LOCAL = ProviderConfig(
    "local", "Local", "ollama", "http://127.0.0.1:11434/v1", "llama3", system_prompt="Hi."
)
SETTINGS = Settings(providers=[LOCAL], active_provider_id="local")


def test_a_new_chat_takes_the_active_providers_defaults() -> None:
    assert options_for(None, SETTINGS) == ChatOptions("local", "llama3", "Hi.")
    assert options_for(None, Settings(providers=[], active_provider_id=None)) is None


def test_a_saved_chat_keeps_its_own_options() -> None:
    chat = Conversation(1, provider="local", model="qwen", system_prompt="", temperature=0.2)
    assert options_for(chat, SETTINGS) == ChatOptions("local", "qwen", "", 0.2, None)


def test_a_chat_whose_provider_is_gone_keeps_its_prompt_and_takes_the_active_one() -> None:
    chat = Conversation(1, provider="elsewhere", model="gpt-x", system_prompt="Be brief.")
    options = options_for(chat, SETTINGS)
    assert options == ChatOptions("local", "llama3", "Be brief.")
    assert provider_for(options, SETTINGS) is LOCAL


def test_nothing_can_be_sent_without_a_provider_or_a_model() -> None:
    with pytest.raises(UnsendableError, match="no longer exists"):
        provider_for(ChatOptions("gone", "m"), SETTINGS)
    with pytest.raises(UnsendableError, match="Choose a model"):
        provider_for(ChatOptions("local", " "), SETTINGS)
