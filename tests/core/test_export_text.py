"""Markdown and plain-text exports, and the copy helpers."""

from __future__ import annotations

import dataclasses

from desktop_chat.core.history.models import Conversation, Message
from desktop_chat.core.transfer._export_common import close_open_fence, fence, shown_path
from desktop_chat.core.transfer.export import (
    conversation_markdown,
    message_markdown,
    message_rich_text,
    message_text,
    to_markdown,
    to_text,
)
from tests.fixtures.golden import check_golden
from tests.fixtures.sample_conversation import sample


def test_markdown_matches_golden() -> None:
    conversation, messages = sample()
    check_golden("sample.md", to_markdown(conversation, messages))


def test_text_matches_golden() -> None:
    conversation, messages = sample()
    check_golden("sample.txt", to_text(conversation, messages))


def test_markdown_shows_only_the_current_branch_with_header_and_thinking() -> None:
    conversation, messages = sample()
    markdown = to_markdown(conversation, messages)
    assert markdown.startswith("# Packing list: <b>tips</b> & `tricks`\n")
    assert "- Model: demo-model" in markdown
    assert "- Date: 2025-11-28 03:20 UTC" in markdown
    assert "side branch" not in markdown
    assert "<details><summary>Thinking</summary>\n\nThe user wants **nested** fences." in markdown
    assert markdown.count("## Assistant") == 2
    assert "## System\n\nYou are terse." in markdown


def test_leaf_change_selects_the_other_branch() -> None:
    conversation, messages = sample()
    other = dataclasses.replace(conversation, current_leaf_id=2)
    markdown = to_markdown(other, messages)
    assert "An older answer on a side branch." in markdown
    assert "Use three backticks" not in markdown


def test_cut_off_code_block_is_closed_so_it_cannot_swallow_later_text() -> None:
    conversation, messages = sample()
    markdown = to_markdown(conversation, messages)
    assert "console.log('unfinished')\n```\n\n*(reply interrupted)*" in markdown


def test_fence_is_longer_than_any_backtick_run_inside() -> None:
    assert fence("plain") == "```\nplain\n```"
    assert fence("a ```` b\n", "text") == "`````text\na ```` b\n`````"
    assert fence("") == "```\n```"


def test_close_open_fence_cases() -> None:
    assert close_open_fence("text") == "text"
    assert close_open_fence("```py\nx\n```") == "```py\nx\n```"
    assert close_open_fence("````\n```\nx") == "````\n```\nx\n````"
    assert close_open_fence("~~~\nx\n") == "~~~\nx\n~~~"
    # A closing fence must be at least as long as the opening one.
    assert close_open_fence("````\nx\n```") == "````\nx\n```\n````"
    assert close_open_fence("``` a`b\nnot a fence") == "``` a`b\nnot a fence"


def test_error_text_is_fenced_beyond_its_backticks() -> None:
    conversation = Conversation(id=1, title="t", current_leaf_id=1)
    failed = Message(1, 1, None, "assistant", "", status="error", error="bad ``` thing")
    markdown = to_markdown(conversation, [failed])
    assert "*(reply failed)*\n\n````text\nbad ``` thing\n````" in markdown
    assert "Error: bad ``` thing" in to_text(conversation, [failed])


def test_shown_path_without_leaf_uses_the_newest_message_and_survives_a_cycle() -> None:
    conversation = Conversation(id=1)
    first = Message(1, 1, None, "user", "a", created_at=1.0)
    second = Message(2, 1, 1, "assistant", "b", created_at=2.0)
    assert [m.id for m in shown_path(conversation, [second, first])] == [1, 2]
    assert shown_path(conversation, []) == []
    looped = [Message(1, 1, 2, "user", "a"), Message(2, 1, 1, "assistant", "b")]
    looped_conversation = Conversation(id=1, current_leaf_id=2)
    assert [m.id for m in shown_path(looped_conversation, looped)] == [1, 2]


def test_untitled_conversation_gets_a_title_and_bad_dates_do_not_crash() -> None:
    conversation = Conversation(id=1, title="  \n ", created_at=1e300)
    assert to_markdown(conversation, []).startswith("# Untitled conversation\n")
    assert "Date: unknown date" in to_text(conversation, [])


def test_copy_helpers() -> None:
    _, messages = sample()
    answer = messages[2]
    assert message_markdown(answer) == answer.content
    plain = message_text(answer)
    assert "````" not in plain
    assert "```python\ndef" not in plain
    assert "```python\nprint('hi')\n```" in plain  # a fence shown as code stays
    assert "def pack(items: list[str]) -> str:" in plain
    assert "print('hi')" in plain
    rich = message_rich_text(answer)
    assert rich.plain == plain
    assert '<span style="color:' in rich.html  # colours travel inline with the clipboard
    rich_html = rich.html
    for wrapper in ('class="code"', 'class="lang"', 'class="highlight"'):
        rich_html = rich_html.replace(wrapper, "")
    assert "class=" not in rich_html
    conversation, _ = sample()
    assert conversation_markdown(conversation, messages) == to_markdown(conversation, messages)


def test_markdown_to_text_keeps_lists_and_tables_readable() -> None:
    message = Message(
        1,
        1,
        None,
        "assistant",
        "# Title\n\n1. one\n2. **two**\n\n- a\n  - nested\n\n"
        "| x | y |\n|---|---|\n| 1 | 2 |\n\n---\nend",
    )
    assert message_text(message) == (
        "Title\n\n1. one\n2. two\n\n- a\n  - nested\n\nx\ty\n1\t2\n\n----\n\nend"
    )
