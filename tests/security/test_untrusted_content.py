"""Model output is untrusted: it renders and exports without running, fetching or freezing.

Each hostile payload points its resources at a loopback server, so "nothing fetched" is checked
twice: the message view's ``loadResource`` is never asked for a remote URL, and the server never
sees a connection.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QRect, Qt, QUrl
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop_chat.core.history.models import Conversation, Message
from desktop_chat.core.markdown.render import IncrementalRenderer, render_markdown
from desktop_chat.core.transfer.export import message_rich_text, to_html, to_markdown, to_text
from desktop_chat.ui.transcript.message_body import MessageBody
from desktop_chat.ui.transcript.message_view import MessageView
from tests.fuzz.html_safety import html_problems, visible_text
from tests.scripted_server import ScriptedServer

RecordProperty = Callable[[str, object], None]

# {host} is the loopback server's address; none of these may ever make a request to it.
PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "raw-img": "<img src=http://{host}/x.png>",
    "raw-img-onerror": '<img src="http://{host}/x.png" onerror="alert(1)">',
    "markdown-image": "![x](http://{host}/y.png)",
    "reference-image": "![x][pic]\n\n[pic]: http://{host}/ref.png",
    "data-image": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "file-image": "![x](file:///etc/hostname)",
    "javascript-link": "[click](javascript:alert(1))",
    "javascript-link-mixed-case": "[click](JaVaScRiPt:alert(1))",
    "javascript-autolink": "<javascript:alert(1)>",
    "raw-javascript-anchor": '<a href="javascript:alert(1)">x</a>',
    "iframe": '<iframe src="http://{host}/frame"></iframe>',
    "event-attribute": '<p onclick="alert(1)" onmouseover="alert(2)">hover</p>',
    "svg-onload": "<svg onload=alert(1)>",
    "style-url": "<style>body{{background:url(http://{host}/bg.png)}}</style>",
    "attribute-breakout": '[x](http://{host}/" onclick="alert(1))',
    "link-tag": '<link rel="stylesheet" href="http://{host}/s.css">',
    "html-comment": "<!-- <img src=http://{host}/c.png> -->",
}
_COLUMNS = 10
HUGE_TABLE = (
    "| " + " | ".join(f"h{c}" for c in range(_COLUMNS)) + " |\n"
    "|" + "---|" * _COLUMNS + "\n"
    + "".join(
        "| " + " | ".join(f"r{r}c{c}" for c in range(_COLUMNS)) + " |\n" for r in range(2000)
    )
)  # fmt: skip
# Each ends in the word "deep", which must stay readable.
DEEP = {
    "quotes-5000": ">" * 5000 + " deep",
    "quote-lines-5000": "".join(">" * depth + " q\n" for depth in range(1, 5001, 50)) + "deep",
    "bullets-5000": "- " * 5000 + "deep",
    "ordered-5000": "1. " * 5000 + "deep",
    "brackets-5000": "[" * 5000 + "deep" + "]" * 5000,
    "emphasis-5000": "*" * 5000 + "deep" + "*" * 5000,
    "links-5000": "[a](http://e.com/" * 5000 + ")" * 5000 + " deep",
}
# What a model may really write: an outline ten levels deep.
OUTLINE_10 = (
    "".join("  " * level + f"- level {level}\n" for level in range(10)) + "  " * 10 + "- deep"
)


def hostile(host: str) -> list[str]:
    return [payload.format(host=host) for payload in PAYLOADS.values()]


class SpyBody(MessageBody):
    """The app's message view, noting every resource the document asks for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        super().__init__()

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        self.asked.append(name.toString() if isinstance(name, QUrl) else str(name))
        return super().loadResource(kind, name)


@pytest.fixture
def spy(qtbot: QtBot) -> SpyBody:
    body = SpyBody()
    qtbot.addWidget(body)
    body.resize(600, 400)
    body.show()
    return body


def _remote(asked: list[str]) -> list[str]:
    return [url for url in asked if "://" in url and not url.startswith("qrc:")]


def _settle(qtbot: QtBot, body: MessageBody) -> None:
    """Lay the document out and paint its first screenful, which is when images are loaded."""
    body.document().size()
    body.grab(QRect(0, 0, 600, 400))
    qtbot.wait(20)


# -- Markdown to HTML ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_each_payload_renders_to_inert_html(name: str) -> None:
    text = PAYLOADS[name].format(host="127.0.0.1:9")
    rendered = render_markdown(text)
    assert html_problems(rendered) == []
    assert "<img" not in rendered
    assert "onclick=" not in rendered.replace("onclick=&quot;", "")
    if name.startswith("javascript-link"):
        assert "javascript" not in rendered.lower()
        assert "click" in rendered
    if "image" in name:
        assert "[image: x]" in rendered  # shown as a link or text, never fetched


def test_an_image_becomes_a_plain_link() -> None:
    rendered = render_markdown("![diagram](http://example.com/y.png)")
    assert '<a href="http://example.com/y.png"' in rendered
    assert "<img" not in rendered


def test_an_unknown_code_language_loads_no_plugin_code() -> None:
    """A fence's language comes from the model; looking it up must not import other packages."""
    script = (
        "import sys\n"
        "from desktop_chat.core.markdown.render import render_markdown\n"
        "render_markdown('```python\\nx = 1\\n```')\n"
        "before, limit = set(sys.modules), sys.getrecursionlimit()\n"
        "render_markdown('```no-such-language-1\\nx\\n```')\n"
        "new = sorted(m for m in set(sys.modules) - before if not m.startswith('pygments'))\n"
        "print(new[:10], sys.getrecursionlimit() - limit)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[] 0", result.stdout


@pytest.mark.timeout(60)
def test_a_huge_table_renders(record_property: RecordProperty) -> None:
    started = time.perf_counter()
    rendered = render_markdown(HUGE_TABLE)
    record_property("render_seconds", round(time.perf_counter() - started, 3))
    assert rendered.count("<tr") == 2001
    assert "r1999c9" in rendered
    assert html_problems(rendered) == []


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_huge_table_streams(record_property: RecordProperty) -> None:
    renderer = IncrementalRenderer()
    started = time.perf_counter()
    pieces = []
    for start in range(0, len(HUGE_TABLE), 100):
        update = renderer.append(HUGE_TABLE[start : start + 100])
        pieces.append(update.finished_html)
    pieces.append(renderer.finish().finished_html)
    record_property("stream_seconds", round(time.perf_counter() - started, 3))
    assert "".join(pieces).count("<tr") == 2001


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_renders(name: str) -> None:
    rendered = render_markdown(DEEP[name])
    assert html_problems(rendered) == []
    # nesting is capped, so the output stays proportional to the input
    assert len(rendered) < 40 * len(DEEP[name]) + 10_000


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(OUTLINE_10, id="outline-10-levels"),
        pytest.param(">" * 20 + " deep", id="quotes-20"),
        *(pytest.param(DEEP[name], id=name) for name in DEEP),
    ],
)
def test_deeply_nested_text_stays_visible(text: str) -> None:
    """Past the nesting cap the text may be shown flatter, but it must not vanish."""
    assert "deep" in visible_text(render_markdown(text))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(OUTLINE_10, id="outline-10-levels"),
        *(pytest.param(DEEP[name], id=name) for name in DEEP),
    ],
)
def test_deeply_nested_text_stays_visible_in_the_html_export(text: str) -> None:
    conversation = Conversation(id=1, title="deep", current_leaf_id=1)
    page = to_html(conversation, [Message(1, 1, None, "assistant", text)])
    assert "deep" in visible_text(page.split("<main>", 1)[1])


# -- the app's message view ----------------------------------------------------------------------


def test_the_spy_sees_resource_requests_and_the_view_refuses_them(
    spy: SpyBody, qtbot: QtBot, scripted_server: ScriptedServer
) -> None:
    """Control: raw HTML with an image does reach loadResource, and still nothing is fetched."""
    host = f"127.0.0.1:{scripted_server.port}"
    spy.setHtml(f'<p>x</p><img src="http://{host}/control.png" width="10" height="10">')
    _settle(qtbot, spy)
    assert f"http://{host}/control.png" in spy.asked
    assert scripted_server.connections == []


def test_hostile_replies_fetch_nothing(
    spy: SpyBody, qtbot: QtBot, scripted_server: ScriptedServer
) -> None:
    host = f"127.0.0.1:{scripted_server.port}"
    for payload in hostile(host):
        spy.set_markdown(payload)
        _settle(qtbot, spy)
    assert _remote(spy.asked) == []
    assert scripted_server.connections == []
    # the text is still there to read
    spy.set_markdown(PAYLOADS["script"])
    assert "<script>alert(1)</script>" in spy.toPlainText()


def test_hostile_streamed_replies_fetch_nothing(
    spy: SpyBody, qtbot: QtBot, scripted_server: ScriptedServer
) -> None:
    host = f"127.0.0.1:{scripted_server.port}"
    text = "\n\n".join(hostile(host))
    spy.begin_stream()
    for start in range(0, len(text), 7):
        spy.append_markdown(text[start : start + 7])
    spy.end_stream()
    _settle(qtbot, spy)
    assert _remote(spy.asked) == []
    assert scripted_server.connections == []
    assert "alert(1)" in spy.toPlainText()


def test_links_open_only_when_safe(spy: SpyBody, qtbot: QtBot) -> None:
    spy.set_markdown("[a](javascript:alert(1)) [b](https://example.org/) [c](file:///etc/passwd)")
    anchors = []
    block = spy.document().begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.charFormat().isAnchor():
                anchors.append(fragment.charFormat().anchorHref())
            iterator += 1
        block = block.next()
    assert anchors == ["https://example.org/"]


def test_reasoning_and_errors_show_as_plain_text(qtbot: QtBot) -> None:
    view = MessageView("assistant")
    qtbot.addWidget(view)
    payload = '<img src="file:///etc/hostname"><b>bold</b>'
    view.set_content("answer", reasoning=payload)
    thinking = view.findChild(QLabel, "thinkingText")
    assert thinking is not None
    assert thinking.textFormat() == Qt.TextFormat.PlainText
    assert view.reasoning() == payload


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_huge_table_shows_in_the_view(spy: SpyBody, qtbot: QtBot) -> None:
    spy.set_markdown(HUGE_TABLE)
    _settle(qtbot, spy)
    assert spy.folded  # over SHOWN_LIMIT: its start shows until Show all
    spy.show_all()
    _settle(qtbot, spy)
    assert "r1999c9" in spy.toPlainText()
    assert _remote(spy.asked) == []


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_huge_table_streams_into_the_view(qtbot: QtBot, record_property: RecordProperty) -> None:
    # Not shown: a top-level offscreen window as tall as the table would measure painting, not
    # the document work the transcript does per delta.
    body = MessageBody()
    qtbot.addWidget(body)
    body.begin_stream()
    # The window coalesces deltas per frame; 8 KB frames keep this test to seconds. Every delta
    # re-inserts the whole open table, so smaller frames cost quadratically more in total.
    slowest = 0.0
    for start in range(0, len(HUGE_TABLE), 8192):
        started = time.perf_counter()
        body.append_markdown(HUGE_TABLE[start : start + 8192])
        slowest = max(slowest, time.perf_counter() - started)
    body.end_stream()
    record_property("slowest_delta_seconds", round(slowest, 3))
    assert body.markdown() == HUGE_TABLE
    body.show_all()
    assert "r1999c9" in body.toPlainText()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_shows_in_the_view(spy: SpyBody, qtbot: QtBot, name: str) -> None:
    spy.set_markdown(DEEP[name])
    _settle(qtbot, spy)
    assert _remote(spy.asked) == []


# -- exports -------------------------------------------------------------------------------------


def _hostile_conversation() -> tuple[Conversation, list[Message]]:
    text = "\n\n".join(hostile("127.0.0.1:9"))
    conversation = Conversation(
        id=1,
        title='<script>alert("title")</script>',
        created_at=1_764_300_000.0,
        updated_at=1_764_300_000.0,
        model='<img src=x onerror="alert(1)">',
        system_prompt=PAYLOADS["raw-javascript-anchor"],
        current_leaf_id=2,
    )
    messages = [
        Message(1, 1, None, "user", text, created_at=1_764_300_000.0),
        Message(
            2,
            1,
            1,
            "assistant",
            text + "\n\n" + HUGE_TABLE[:2000] + "\n\n```<script>\ncode\n```\n",
            reasoning=text,
            created_at=1_764_300_001.0,
            status="error",
            error='<img src=x onerror="alert(1)">',
        ),
    ]
    return conversation, messages


@pytest.mark.parametrize("paged", [False, True])
def test_the_html_export_is_inert(paged: bool) -> None:
    page = to_html(*_hostile_conversation(), paged=paged)
    assert html_problems(page) == []
    assert "Content-Security-Policy" in page
    assert "default-src 'none'" in page


def test_copied_rich_text_is_inert() -> None:
    _conversation, messages = _hostile_conversation()
    assert html_problems(message_rich_text(messages[1]).html) == []


def test_the_markdown_and_text_exports_keep_the_text() -> None:
    conversation, messages = _hostile_conversation()
    markdown = to_markdown(conversation, messages)
    for payload in hostile("127.0.0.1:9"):
        assert payload in markdown
    assert "alert(1)" in to_text(conversation, messages)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["huge-table", *DEEP])
def test_large_and_deep_replies_export(name: str) -> None:
    text = HUGE_TABLE if name == "huge-table" else DEEP[name]
    conversation = Conversation(id=1, title="big", current_leaf_id=1)
    messages = [Message(1, 1, None, "assistant", text)]
    assert html_problems(to_html(conversation, messages)) == []
    assert text in to_markdown(conversation, messages)
