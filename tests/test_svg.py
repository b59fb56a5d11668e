"""The SVG writer: escaping in every context, numbers written one way, well-formed output, no ids or dates of its own."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from generator.render.svg import SVG_NS, Element, escape_attribute, escape_text, number, svg_root

HOSTILE = "<script>&\"'</script>\x00\x1b\ufffe]]>"


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (1, "1"), (-0.0, "0"), (-0.001, "0"), (1.5, "1.5"), (1.005, "1"), (2.499, "2.5"),
    (12.3456, "12.35"), (100.0, "100"), (1e6, "1000000"), (-3.25, "-3.25"), (1e-9, "0"),
])
def test_numbers_are_written_one_way(value: float, text: str) -> None:
    assert number(value) == text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "1"])
def test_numbers_refuse_what_is_not_a_finite_number(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        number(value)  # type: ignore[arg-type]


def test_text_and_attributes_are_escaped_and_the_result_parses() -> None:
    root = svg_root(200, 100, title=HOSTILE, desc=HOSTILE, data_name=HOSTILE)
    root.add("text", HOSTILE, x=1, y=2.5, class_=HOSTILE, attrs={"xml:space": "preserve"})
    markup = root.to_string()
    assert "<script" not in markup and "]]>" not in markup
    assert "\x00" not in markup and "\x1b" not in markup and "\ufffe" not in markup
    parsed = ET.fromstring(markup)
    expected = "<script>&\"'</script>\ufffd\ufffd\ufffd]]>"
    assert parsed.get("data-name") == expected
    assert parsed.find(f"{{{SVG_NS}}}title").text == expected
    assert parsed.find(f"{{{SVG_NS}}}desc").text == expected
    text = parsed.find(f"{{{SVG_NS}}}text")
    assert text.text == expected and text.get("class") == expected and text.get("x") == "1"


def test_attribute_values_keep_line_breaks_through_a_parser() -> None:
    parsed = ET.fromstring(Element("g", data_note="a\nb\tc").to_string())
    assert parsed.get("data-note") == "a\nb\tc"
    assert escape_attribute("'") == "&#39;" and escape_text('"') == '"'


def test_root_has_its_name_first_and_no_ids_or_dates() -> None:
    root = svg_root(640.5, 80, title="Timeline", desc="What happened when")
    assert root.to_string() == (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640.5" height="80" viewBox="0 0 640.5 80" role="img">'
        "<title>Timeline</title><desc>What happened when</desc></svg>"
    )


def test_keywords_become_attribute_names_in_the_order_given() -> None:
    el = Element("rect", x=1, y=2, stroke_width=0.5, class_="bar", data_start="13:36")
    assert el.to_string() == '<rect x="1" y="2" stroke-width="0.5" class="bar" data-start="13:36"/>'
    el.set(x=None, y=3)
    assert el.to_string() == '<rect y="3" stroke-width="0.5" class="bar" data-start="13:36"/>'


@pytest.mark.parametrize(("tag", "attrs"), [("a b", {}), ("g", {"on click": "x"}), ("g", {'x"': "1"})])
def test_names_that_would_break_the_markup_are_refused(tag: str, attrs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Element(tag, attrs=attrs)


def test_booleans_are_refused_as_attribute_values() -> None:
    with pytest.raises(TypeError):
        Element("g", hidden=True)


def test_children_nest_and_iter_finds_them_in_document_order() -> None:
    root = svg_root(10, 10, title="t")
    group = root.add("g", class_="bars")
    first = group.add("rect", width=1)
    second = group.append(Element("rect", width=2))
    assert list(root.iter("rect")) == [first, second]
    assert str(root) == root.to_string()
    assert root.to_string() == svg_root(10, 10, title="t").to_string()[:-6] + (
        '<g class="bars"><rect width="1"/><rect width="2"/></g></svg>'
    )


def test_root_keeps_xmlns_first_whatever_the_caller_adds() -> None:
    markup = svg_root(10, 10, title="t", attrs={"font-family": "sans-serif"}, class_="chart").to_string()
    assert markup.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10" role="img" '
                             'font-family="sans-serif" class="chart">')
