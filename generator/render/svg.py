"""A small SVG writer: elements, escaping and number formatting that give the same bytes every time.

Why hand-written rather than matplotlib: the charts need a few rects, lines, paths and text
elements. matplotlib's SVG backend takes about a second to import, writes random clip-path ids and
a creation date unless configured with care, and draws text as paths by default (not selectable in
the PDF, not read by screen readers). This writer gives text that stays text, ``<title>``/``<desc>``
for screen readers, no ids but those the caller names, no timestamps, and numbers always written
the same way, so an SVG can be pinned by a golden file and inlined into HTML and PDF alike.

The API is small and stable (the period report reuses it):

* ``Element(tag, text=None, **attrs)``: one element; ``el.add(tag, text=None, **attrs)`` appends a
  child and returns it; ``el.append(child)`` appends an existing element.
* ``svg_root(width, height, title=..., desc=..., **attrs)``: the ``<svg>`` element with
  ``role="img"``, a viewBox, and ``<title>``/``<desc>`` as its first children.
* ``number(x)``: a float as SVG text: at most two decimals, no trailing zeros, never ``-0``.
* ``el.to_string()`` / ``str(el)``: the markup, suitable both as a standalone file and inline in HTML.

Attribute names are given as keywords: a trailing underscore is dropped (``class_`` → ``class``)
and other underscores become hyphens (``font_size`` → ``font-size``, ``data_start`` →
``data-start``); ``attrs={"xml:space": ...}`` passes names that are not identifiers. ``None`` values
are left out; ``True``/``False`` are refused (SVG has no boolean attributes). Every value and text
is escaped for its context, and characters XML cannot carry (control characters, unpaired
surrogates, U+FFFE/U+FFFF) become U+FFFD, so any user text can be put in an SVG.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator

__all__ = ["SVG_NS", "Element", "escape_attribute", "escape_text", "number", "svg_root"]

SVG_NS = "http://www.w3.org/2000/svg"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]*$")
# Characters that escaping changes: when a text has none (most have none), it is written as it is.
_TEXT_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTRIBUTE_SPECIAL = re.compile("[&<>\"'\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_keyword_names: dict[str, str] = {}  # keyword -> its checked attribute name
_valid_names: set[str] = set()  # attribute names already checked


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def escape_text(text: str) -> str:
    """``text`` for element content: ``&``, ``<``, ``>`` escaped, non-XML characters replaced."""
    if not _TEXT_SPECIAL.search(text):  # most words and every number: nothing to replace
        return text
    return _xml_safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(text: str) -> str:
    """``text`` for a double-quoted attribute value: also ``"`` and ``'`` escaped, and line breaks kept."""
    if not _ATTRIBUTE_SPECIAL.search(text):
        return text
    return (
        escape_text(text)
        .replace('"', "&quot;")
        .replace("'", "&#39;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def number(value: float) -> str:
    """``value`` as SVG writes it: rounded to 2 decimals, no trailing zeros, ``0`` rather than ``-0``."""
    kind = type(value)
    if kind is int and -(2**53) < value < 2**53:  # exact as a float: the same text, sooner
        return str(value)
    if kind is not float and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise TypeError(f"not a number: {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    # ".2f" rounds the exact binary value half-to-even, as round(value, 2) does.
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attribute_name(keyword: str) -> str:
    """The attribute a keyword names (``class_`` → ``class``, ``font_size`` → ``font-size``), checked once per name."""
    name = _keyword_names.get(keyword)
    if name is None:
        name = _keyword_names[keyword] = _checked_name(keyword.rstrip("_").replace("_", "-"))
    return name


def _checked_name(name: str) -> str:
    if name not in _valid_names:
        if not _NAME.fullmatch(name):  # fullmatch: "$" alone would let a trailing line break through
            raise ValueError(f"not an attribute name: {name!r}")
        _valid_names.add(name)
    return name


def _attribute_value(value: object) -> str:
    """The escaped text of an attribute value (numbers written by ``number``, which needs no escaping)."""
    if isinstance(value, bool):
        raise TypeError("SVG attributes take no booleans; write the value out")
    if isinstance(value, int | float):
        return number(value)
    return escape_attribute(str(value))


class Element:
    """One SVG element: a tag, attributes in the order given, optional text, then children."""

    __slots__ = ("attributes", "children", "tag", "text")

    def __init__(self, tag: str, text: str | None = None, *, attrs: dict[str, object] | None = None,
                 **keywords: object) -> None:
        if tag not in _valid_names:
            if not _NAME.fullmatch(tag):
                raise ValueError(f"not an element name: {tag!r}")
            _valid_names.add(tag)
        self.tag = tag
        self.text = text
        self.attributes: dict[str, str] = {}
        self.children: list[Element] = []
        self.set(attrs=attrs, **keywords)

    def set(self, *, attrs: dict[str, object] | None = None, **keywords: object) -> Element:
        """Set attributes (``None`` removes one); returns the element."""
        attributes = self.attributes
        if attrs:
            for name, value in attrs.items():
                name = _checked_name(name)
                if value is None:
                    attributes.pop(name, None)
                else:
                    attributes[name] = _attribute_value(value)  # stored escaped, written as it is
        for keyword, value in keywords.items():
            name = _keyword_names.get(keyword) or _attribute_name(keyword)
            if value is None:
                attributes.pop(name, None)
            elif type(value) is str:  # the common cases first, without a call
                attributes[name] = value if not _ATTRIBUTE_SPECIAL.search(value) else escape_attribute(value)
            else:
                attributes[name] = _attribute_value(value)
        return self

    def add(self, tag: str, text: str | None = None, *, attrs: dict[str, object] | None = None,
            **keywords: object) -> Element:
        """Append a new child element and return it."""
        child = Element(tag, text, attrs=attrs, **keywords)
        self.children.append(child)
        return child

    def append(self, child: Element) -> Element:
        """Append an existing element; returns it."""
        self.children.append(child)
        return child

    def extend(self, children: Iterable[Element]) -> None:
        self.children.extend(children)

    def iter(self, tag: str | None = None) -> Iterator[Element]:
        """This element and its descendants, in document order (all, or those named ``tag``)."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            yield from child.iter(tag)

    def _write(self, out: list[str]) -> None:
        out.append("<" + self.tag)
        for name, value in self.attributes.items():
            out.append(f' {name}="{value}"')
        if self.text is None and not self.children:
            out.append("/>")
            return
        out.append(">")
        if self.text is not None:
            out.append(escape_text(self.text))
        for child in self.children:
            child._write(out)
        out.append(f"</{self.tag}>")

    def to_string(self) -> str:
        out: list[str] = []
        self._write(out)
        return "".join(out)

    __str__ = to_string

    def __repr__(self) -> str:
        return f"Element({self.tag!r}, {len(self.children)} children)"


def svg_root(width: float, height: float, *, title: str, desc: str | None = None,
             attrs: dict[str, object] | None = None, **keywords: object) -> Element:
    """An ``<svg>`` of ``width`` × ``height`` user units with its accessible name and description.

    ``role="img"`` with ``<title>`` first makes screen readers announce the title as the image's
    name and the ``<desc>`` as its description, without ids (several SVGs may share a page).
    """
    root = Element("svg", xmlns=SVG_NS, width=width, height=height,
                   viewBox=f"0 0 {number(width)} {number(height)}", role="img")
    root.set(attrs=attrs, **keywords)  # after the fixed ones: xmlns always comes first
    root.add("title", title)
    if desc:
        root.add("desc", desc)
    return root
