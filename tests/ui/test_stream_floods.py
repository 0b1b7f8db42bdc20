"""A flood of tiny pieces reaches the GUI thread in batches, never as one signal per piece."""

from __future__ import annotations

import threading
from typing import cast

from pytestqt.qtbot import QtBot

from desktop_chat.core.chat.turns import Turn
from desktop_chat.core.client.api import ChatClient
from desktop_chat.ui.window.main_window import MainWindow
from desktop_chat.ui.workers.streamer import Streamer
from tests.scripted_server import ScriptedServer, sse_reply

FLOOD = 50_000


def _no_client() -> ChatClient:
    raise AssertionError("not used")


def test_pieces_added_while_the_gui_is_busy_arrive_as_one_batch(qtbot: QtBot) -> None:
    streamer = Streamer(cast(Turn, object()), _no_client)  # batching never reads the turn
    content: list[str] = []
    reasoning: list[str] = []
    streamer.delta_received.connect(content.append)
    streamer.reasoning_received.connect(reasoning.append)

    def worker() -> None:
        for number in range(1000):
            streamer.add_to_batch("t", reasoning=True)
            streamer.add_to_batch(str(number % 10), reasoning=False)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()  # the GUI thread ran no events meanwhile: every piece waits in one batch
    qtbot.waitUntil(lambda: bool(content))
    qtbot.wait(20)
    assert content == ["".join(str(n % 10) for n in range(1000))]
    assert reasoning == ["t" * 1000]

    streamer.add_to_batch("next", reasoning=False)  # a new batch once the last was taken
    qtbot.waitUntil(lambda: len(content) == 2)
    assert content[1] == "next"


def test_pieces_after_a_notice_gather_until_the_paint_takes_them(qtbot: QtBot) -> None:
    streamer = Streamer(cast(Turn, object()), _no_client)
    content: list[str] = []
    streamer.delta_received.connect(content.append)
    streamer.add_to_batch("a", reasoning=False)
    qtbot.waitUntil(lambda: content == ["a"])
    for piece in "bcd":  # the frame after a notice: pieces gather
        streamer.add_to_batch(piece, reasoning=False)
    streamer.take_batch()  # what the window does when it paints
    assert content == ["a", "bcd"]
    streamer.take_batch()  # nothing new: no signal
    assert content == ["a", "bcd"]
    streamer.add_to_batch("e", reasoning=False)  # taken at the frame's end at the latest
    qtbot.waitUntil(lambda: content == ["a", "bcd", "e"])


def test_a_flood_of_one_character_pieces_streams_whole(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    pieces = [chr(ord("a") + n % 26) for n in range(FLOOD)]
    scripted_server.add(sse_reply(pieces))
    deliveries: list[int] = []
    window.composer.setPlainText("Flood me")
    window.send_button.click()
    streamer = window.session.streamer
    assert isinstance(streamer, Streamer)
    streamer.delta_received.connect(lambda text: deliveries.append(len(text)))
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=110_000)
    view = window.transcript.last_view()
    assert view is not None
    assert view.markdown() == "".join(pieces)
    stored = window.storage.get_message(view.message_id or -1)
    assert stored is not None
    assert stored.content == "".join(pieces)
    assert stored.status == "complete"
    assert sum(deliveries) <= FLOOD  # each piece delivered once (the first may precede the spy)
