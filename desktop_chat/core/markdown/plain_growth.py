"""When a streamed reply's open block only grew by plain words, say which.

Most frames of a streaming reply add a few words to the paragraph being written. Replacing that
paragraph in the window's document (removing it, parsing its HTML again, laying it out) costs
far more than typing the words at its end. This module decides, from the block's HTML before and
after, whether typing them gives the very same document: the new HTML is the old one with text
added just before the closing ``</p>``, after plain text, and that text holds nothing HTML would
read differently (markup, entities, line breaks, runs of spaces) or a formula would change.
"""

from __future__ import annotations

import re

__all__ = ["appended_plain_text"]

_PARAGRAPH_END = "</p>\n"
#: What HTML or the formula typesetter would not show as typed: tags, entities, line breaks and
#: tabs (which HTML turns into spaces), runs of spaces (which it collapses), and math.
_NOT_AS_TYPED = re.compile(r"[<>&\n\r\t$\\]|  ")


def appended_plain_text(old_html: str, new_html: str) -> str:
    """The text to type at the end of the rendered ``old_html`` so that it shows ``new_html``;
    "" when typing cannot do it (the block must be rendered again).

    Both are the HTML of an open tail (one or more top-level blocks). Typing is enough only when
    both end with a paragraph, ``new_html`` is ``old_html`` with text inserted just before that
    final ``</p>``, the old paragraph ends in plain text (not a tag, whose formatting the typed
    text would take), and the inserted text shows as typed.
    """
    if not (old_html.endswith(_PARAGRAPH_END) and new_html.endswith(_PARAGRAPH_END)):
        return ""
    kept = old_html[: -len(_PARAGRAPH_END)]
    if len(new_html) <= len(old_html) or not new_html.startswith(kept) or kept.endswith(">"):
        return ""
    added = new_html[len(kept) : -len(_PARAGRAPH_END)]
    if _NOT_AS_TYPED.search(added) or added.endswith(" "):
        return ""  # (HTML drops a paragraph's trailing space)
    if kept.endswith(" ") and added.startswith(" "):
        return ""
    return added
