"""The typesetting child process: reads one formula per line, writes one SVG per line.

Started by :class:`desktop_chat.core.markdown.math.MathRenderer` as ``desktop-chat
--math-worker``. Each request is ``{"latex", "display", "size"}``; each answer is ``{"svg",
"width", "height", "depth"}`` or ``{"error"}``. It ends when its standard input closes, so it
never outlives the application.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from typing import Any, BinaryIO

__all__ = ["serve"]

_MAX_REQUEST_BYTES = 64 * 1024
_VIEW_BOX = re.compile(r'<svg [^>]*viewBox="([^"]+)"')


def _typeset(request: Any) -> dict[str, Any]:
    # The typesetter uses library calls Python has deprecated; a warning must not become a
    # refusal where warnings are errors (PYTHONWARNINGS=error).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _typeset_quietly(request)


def _typeset_quietly(request: Any) -> dict[str, Any]:
    from ziamath.config import config  # noqa: PLC0415 - only the child process loads it
    from ziamath.zmath import Latex  # noqa: PLC0415

    # SVG 1.1 glyphs drawn in place: Qt's SVG renderer does not draw <symbol> references.
    config.svg2 = False

    latex = str(request["latex"])
    size = float(request.get("size", 16.0))
    svg = Latex(latex, size=size, inline=not request.get("display")).svg()
    # The baseline is y = 0 of the view box: what lies below it is the depth.
    found = _VIEW_BOX.search(svg)
    if found is None:
        raise ValueError("the typesetter drew no view box")
    _, top, width, height = (float(value) for value in found.group(1).split())
    return {"svg": svg, "width": width, "height": height, "depth": max(0.0, top + height)}


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer every request line until ``requests`` ends."""
    while line := requests.readline(_MAX_REQUEST_BYTES):
        try:
            answer = _typeset(json.loads(line))
        except Exception as error:  # noqa: BLE001 - any refusal is the formula's, not ours
            answer = {"error": f"{type(error).__name__}: {error}"[:200]}
        answers.write(json.dumps(answer).encode() + b"\n")
        answers.flush()


def main() -> int:
    """Serve standard input and output."""
    serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0
