"""Formulas as MathML for exported web pages, made from untrusted LaTeX and kept inert.

Browsers draw MathML themselves, in the page's own colours (so a dark page shows light
formulas). The LaTeX is converted with latex2mathml, which copies some of its input through
unchecked (``\\text{<b>…</b>}`` becomes markup, ``\\href{javascript:…}`` a link), so its output is
parsed and written again from an allow-list of MathML elements and attributes; everything else
is dropped, and text is escaped.
"""

from __future__ import annotations

import html
import warnings
from xml.etree import ElementTree

__all__ = ["MATHML_ATTRIBUTES", "MATHML_ELEMENTS", "latex_to_mathml"]

_NAMESPACE = "{http://www.w3.org/1998/Math/MathML}"
#: The MathML elements a formula may use; any other is dropped, keeping its text.
MATHML_ELEMENTS = frozenset(
    {
        "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "ms", "msub", "msup", "msubsup",
        "mfrac", "msqrt", "mroot", "mstyle", "mtable", "mtr", "mtd", "munder", "mover",
        "munderover", "mpadded", "mphantom", "menclose", "mfenced", "merror",
    }
)  # fmt: skip
#: The attributes kept on them; any other is dropped.
MATHML_ATTRIBUTES = frozenset(
    {
        "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
        "accent", "accentunder", "linethickness", "columnalign", "rowalign", "rowspacing",
        "columnspacing", "width", "height", "depth", "notation", "displaystyle", "scriptlevel",
        "minsize", "maxsize", "movablelimits", "symmetric", "largeop", "form", "open", "close",
        "separators", "columnlines", "rowlines", "frame",
    }
)  # fmt: skip
#: The longest formula converted; a longer one stays as its source.
_MAX_CHARS = 2000


def latex_to_mathml(latex: str, *, display: bool) -> str | None:
    """The formula as inert MathML, or None when it cannot be converted."""
    if not latex.strip() or len(latex) > _MAX_CHARS:
        return None
    from latex2mathml.converter import convert  # noqa: PLC0415 - only exports need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            made = convert(latex, display="block" if display else "inline")
        root = ElementTree.fromstring(made)
    except Exception:  # noqa: BLE001 - any refusal of the converter means: show the source
        return None
    return _write(root)


def _write(element: ElementTree.Element) -> str:
    name = element.tag.removeprefix(_NAMESPACE)
    inner = html.escape(element.text or "", quote=False) + "".join(
        _write(child) + html.escape(child.tail or "", quote=False) for child in element
    )
    if name not in MATHML_ELEMENTS:
        return inner  # an element MathML does not have (<b>, <script>): its text only
    attributes = "".join(
        f' {key}="{html.escape(value)}"'
        for key, value in sorted(element.attrib.items())
        if key in MATHML_ATTRIBUTES
    )
    if name == "math":
        attributes = ' xmlns="http://www.w3.org/1998/Math/MathML"' + attributes
    return f"<{name}{attributes}>{inner}</{name}>"
