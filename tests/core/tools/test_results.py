"""How a tool's content becomes the text the model reads."""

from __future__ import annotations

import base64

from mcp import types

from desktop_chat.core.tools.link import MAX_RESULT_CHARS, _result_text


def _blob(size: int) -> str:
    return base64.b64encode(b"x" * size).decode()


def test_every_kind_of_content_in_words() -> None:
    content: list[types.ContentBlock] = [
        types.TextContent(type="text", text="Here it is:"),
        types.ImageContent(type="image", data=_blob(600), mime_type="image/png"),
        types.AudioContent(type="audio", data=_blob(2_400_000), mime_type="audio/wav"),
        types.ResourceLink(type="resource_link", name="notes.md", uri="file:///tmp/notes.md"),
        types.EmbeddedResource(
            type="resource",
            resource=types.TextResourceContents(uri="file:///a.txt", text="inline text"),
        ),
        types.EmbeddedResource(
            type="resource",
            resource=types.BlobResourceContents(uri="file:///b.bin", blob=_blob(3000)),
        ),
        types.EmbeddedResource(
            type="resource",
            resource=types.BlobResourceContents(
                uri="file:///c.pdf", blob=_blob(30), mime_type="application/pdf"
            ),
        ),
        types.TextContent(type="text", text=""),
    ]
    assert _result_text(content).splitlines() == [
        "Here it is:",
        "[image/png, 600 B]",
        "[audio/wav, 2.4 MB]",
        "[link to notes.md: file:///tmp/notes.md]",
        "inline text",
        "[file, 3.0 kB: file:///b.bin]",
        "[application/pdf, 30 B: file:///c.pdf]",
    ]


def test_a_long_text_is_cut_with_a_note() -> None:
    text = _result_text([types.TextContent(type="text", text="a" * (MAX_RESULT_CHARS + 1234))])
    assert text == "a" * MAX_RESULT_CHARS + "\n[… 1,234 more characters cut]"
    assert _result_text([types.TextContent(type="text", text="b" * MAX_RESULT_CHARS)]) == (
        "b" * MAX_RESULT_CHARS
    )
