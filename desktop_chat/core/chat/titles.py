"""The titles a conversation gets: at once from its first message, later perhaps from the model."""

from __future__ import annotations

__all__ = ["MAX_TITLE", "TITLE_PROMPT", "clean_title", "first_line_title"]

#: The instruction sent with the first exchange when titles are generated.
TITLE_PROMPT = (
    "Write a title of 3 to 6 words for this conversation. Reply with the title only: no quotes, "
    "no final punctuation."
)
#: The longest title kept, in characters.
MAX_TITLE = 60
_DECORATION = " \"'`*#“”‘’"


def first_line_title(question: str) -> str:
    """The title a conversation gets at once: the first line of its first message."""
    lines = question.strip().splitlines()
    return lines[0][:MAX_TITLE].strip() if lines else ""


def clean_title(text: str) -> str | None:
    """The first line of a model's answer made into a title, or None when nothing usable is left."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = line.strip(_DECORATION)
    if line.lower().startswith("title:"):
        line = line[len("title:") :]
    line = line.strip(_DECORATION).rstrip(".!;:,").strip()
    # Markdown emphasis and code marks inside the line are formatting, not title text.
    line = " ".join(line.replace("**", "").replace("__", "").replace("`", "").split())
    if not line:
        return None
    if len(line) > MAX_TITLE:
        line = line[:MAX_TITLE].rsplit(" ", 1)[0].rstrip(" ,;:-") or line[:MAX_TITLE]
    return line
