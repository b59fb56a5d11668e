"""``render -f html --fragment``: the post to paste into a CMS, without doctype or head, its CSS scoped under one class."""

from __future__ import annotations

import re

import tinycss2

from generator.render.fragment import SCOPE, render_status_fragment, scope_css
from tests.conftest import ROOT, SEED_IDS, postmortem
from tests.test_site_support import SEED_CONFIG, seeds


def _selectors(css: str) -> list[str]:
    found = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule":
            found += [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
        elif rule.type == "at-rule" and rule.content is not None:
            found += _selectors(tinycss2.serialize(rule.content))
    return found


def test_fragment_is_one_scoped_element_with_every_rule_under_its_class() -> None:
    html = render_status_fragment(seeds()[0], SEED_CONFIG)
    assert html.startswith(f'<div class="{SCOPE}">\n<style>\n') and html.endswith("</div>\n")
    assert not re.search(r"<!DOCTYPE|<html|<head[ >]|<body|<title|<meta", html, re.IGNORECASE)
    css = html.split("<style>\n", 1)[1].split("</style>", 1)[0]
    selectors = _selectors(css)
    assert len(selectors) > 30
    assert all(s == f".{SCOPE}" or s.startswith(f".{SCOPE} ") for s in selectors), [s for s in selectors if not s.startswith(f".{SCOPE}")]
    assert "&#34;" not in css and "&gt;" not in css  # CSS is not HTML-escaped
    assert "Issue with Campaign Reports" in html and "Sep 13, 2021 - 17:20 BST</time>" in html


def test_scoping_maps_the_document_roots_to_the_wrapper_and_drops_rules_that_reach_outside() -> None:
    css = scope_css(":root { --a: 1; } body, html p { margin: 0; } li:not(.a, .b) a { x: y; } "
                    "@import url(x.css); @font-face { font-family: f; } @media (max-width: 9px) { h1 { z: 1; } }")
    assert css == (f".{SCOPE} {{ --a: 1; }}\n.{SCOPE}, .{SCOPE} p {{ margin: 0; }}\n.{SCOPE} li:not(.a, .b) a {{ x: y; }}\n"
                   f"@media (max-width: 9px) {{\n.{SCOPE} h1 {{ z: 1; }}\n}}\n")


def test_render_fragment_through_the_command() -> None:
    source = ROOT / "incidents" / f"{SEED_IDS[0]}.yaml"
    result = postmortem("render", str(source), "-f", "html", "--fragment", "-o", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f'<div class="{SCOPE}">')
    wrong = postmortem("render", str(source), "-f", "md", "--fragment", "-o", "-")
    assert wrong.returncode == 2 and "--fragment applies to -f html only" in wrong.stderr
