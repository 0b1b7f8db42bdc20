"""How a reply that ended without an error is described: never silently when it is odd."""

from __future__ import annotations

import pytest

from desktop_chat.core.chat.advice import ending_note


@pytest.mark.parametrize(
    ("reason", "content", "reasoning", "expected"),
    [
        ("stop", "Hello.", "", ""),
        (None, "Hello.", "", ""),
        ("eos", "Hello.", "", ""),
        ("cancelled", "Hel", "", "Stopped."),
        ("length", "Roses are", "", "The reply reached the length limit."),
        ("content_filter", "", "", "The provider's content filter ended the reply."),
        (
            "tool_calls",
            "",
            "",
            "The model asked to use a tool, which this chat does not offer; nothing ran.",
        ),
        ("stop", "", "", "The model sent an empty reply. Regenerate to ask again."),
        (None, "  \n", "", "The model sent an empty reply. Regenerate to ask again."),
        (
            "stop",
            "",
            "Let me think.",
            "The model sent only its reasoning, no answer. Regenerate to ask again.",
        ),
        (
            "recitation",
            "Some text",
            "",
            "The reply ended for a reason Desktop Chat does not know: recitation.",
        ),
        (
            "x" * 100,
            "Some text",
            "",
            "The reply ended for a reason Desktop Chat does not know: " + "x" * 40 + "….",
        ),
    ],
)
def test_each_ending_is_worded(
    reason: str | None, content: str, reasoning: str, expected: str
) -> None:
    assert ending_note(reason, content, reasoning) == expected


def test_the_note_is_translated() -> None:
    assert ending_note("length", "x", translate=str.upper) == "THE REPLY REACHED THE LENGTH LIMIT."
