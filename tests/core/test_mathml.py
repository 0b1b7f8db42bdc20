"""Formulas of exported web pages: MathML from untrusted LaTeX, kept to an allow-list."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from desktop_chat.core.markdown.mathml import MATHML_ATTRIBUTES, MATHML_ELEMENTS, latex_to_mathml

_NS = "{http://www.w3.org/1998/Math/MathML}"


def elements(markup: str) -> list[ElementTree.Element]:
    return list(ElementTree.fromstring(markup).iter())


def test_a_formula_becomes_mathml_with_its_display_mode() -> None:
    inline = latex_to_mathml(r"\frac{a}{b}", display=False)
    block = latex_to_mathml(r"\sum_{i=1}^n i", display=True)
    assert inline is not None
    assert block is not None
    assert inline.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
    assert 'display="inline"' in inline
    assert 'display="block"' in block
    assert [e.tag for e in elements(inline)][:2] == [f"{_NS}math", f"{_NS}mrow"]
    assert any(e.tag == f"{_NS}mfrac" for e in elements(inline))


@pytest.mark.parametrize(
    "latex",
    [
        r"\text{<b onmouseover=alert(1)>x</b>}",
        r"\href{javascript:alert(1)}{click}",
        r"\text{<script>alert(1)</script>} + 1",
        r"\mathrm{<img src=x onerror=y>}",
    ],
)
def test_markup_and_links_in_the_latex_never_reach_the_page(latex: str) -> None:
    markup = latex_to_mathml(latex, display=False)
    if markup is None:
        return  # not well-formed once converted: the page shows the source, as text
    for element in elements(markup):
        assert element.tag.removeprefix(_NS) in MATHML_ELEMENTS
        assert set(element.attrib) <= MATHML_ATTRIBUTES
    assert "javascript" not in markup.replace("javascript:alert(1)", "")
    assert "<script" not in markup
    assert "<b" not in markup
    assert "href" not in markup


def test_markup_in_text_is_dropped_and_its_text_kept() -> None:
    markup = latex_to_mathml(r"\text{<script>alert(1)</script>} + 1", display=False)
    assert markup is not None
    assert "<mtext>alert(1)</mtext>" in markup


def test_comparisons_are_escaped_and_raw_ones_in_text_give_up() -> None:
    markup = latex_to_mathml("a < b", display=False)
    assert markup is not None
    assert "<mo>&lt;</mo>" in markup
    assert latex_to_mathml(r"\text{a < b}", display=False) is None  # not well-formed XML


@pytest.mark.parametrize("latex", ["", "   ", r"\frac{a}{", "x" * 2001, r"\begin{matrix} a"])
def test_latex_it_cannot_convert_gives_none(latex: str) -> None:
    assert latex_to_mathml(latex, display=True) is None
