"""Formulas in replies are typeset in the window, and the typesetter's process ends with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QImage, QTextDocument
from pytestqt.qtbot import QtBot

from desktop_chat.core.markdown.math import Formula, math_cache
from desktop_chat.ui.transcript.message_body import MessageBody
from desktop_chat.ui.window.main_window import MainWindow
from desktop_chat.ui.workers import math_typesetter
from tests.scripted_server import ScriptedServer, sse_reply


@pytest.fixture(autouse=True)
def fresh_typesetter() -> Iterator[None]:
    """Each test starts and ends its own typesetting process."""
    yield
    math_typesetter.close_typesetter()
    math_typesetter._instance = None


def _html(window: MainWindow) -> str:
    view = window.transcript.last_view()
    assert view is not None
    return view.body.toHtml()


def _reply(qtbot: QtBot, window: MainWindow, server: ScriptedServer, pieces: list[str]) -> None:
    """Send a question and wait for the reply made of ``pieces`` to end."""
    server.add(sse_reply(pieces))
    window.composer.setPlainText("A question")
    with qtbot.waitSignal(window.session.reply_finished, timeout=5000):
        window.send_button.click()


def test_a_formula_shows_as_source_then_typeset(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    formula = Formula(r"\frac{a}{b} + x_{1}", display=False)
    _reply(qtbot, window, scripted_server, ["Here: $\\frac{a}{b}", " + x_{1}$ and $5 or $10."])
    qtbot.waitUntil(lambda: "math:" in _html(window), timeout=30_000)
    view = window.transcript.last_view()
    assert view is not None
    assert view.markdown() == "Here: $\\frac{a}{b} + x_{1}$ and $5 or $10."
    assert "$5 or $10" in view.body.toPlainText()
    name = f"math:{formula.key}-1f2328"
    assert name in _html(window)
    image = view.body.loadResource(QTextDocument.ResourceType.ImageResource.value, name)
    assert isinstance(image, QImage)
    typeset = math_cache().image(formula.key)
    assert typeset is not None
    # Drawn at twice the size at least, so it stays sharp on a high-density screen.
    assert image.width() >= 2 * round(typeset.width)


def test_a_formula_the_typesetter_refuses_stays_its_source(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    _reply(qtbot, window, scripted_server, ["Broken: $\\frac{a}{$ end."])
    qtbot.waitUntil(
        lambda: math_cache().lookup(Formula(r"\frac{a}{", False)) is not None, timeout=30_000
    )
    assert "math:" not in _html(window)
    view = window.transcript.last_view()
    assert view is not None
    assert "$\\frac{a}{$" in view.body.toPlainText()


def test_no_resource_but_a_typeset_formula_is_ever_loaded(qtbot: QtBot) -> None:
    body = MessageBody()
    qtbot.addWidget(body)
    image = QTextDocument.ResourceType.ImageResource.value
    assert body.loadResource(image, "https://example.com/x.png") is None
    assert body.loadResource(image, "math:unknown-000000") is None
    assert body.loadResource(image, "math:bad") is None
    assert body.loadResource(QTextDocument.ResourceType.StyleSheetResource.value, "math:x") is None


def test_closing_the_typesetter_ends_its_process(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    _reply(qtbot, window, scripted_server, ["$y^{2}$"])
    qtbot.waitUntil(lambda: "math:" in _html(window), timeout=30_000)
    child = math_typesetter.typesetter()._renderer._child
    assert child is not None
    assert child.poll() is None
    math_typesetter.close_typesetter()
    assert child.poll() is not None
