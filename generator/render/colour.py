"""Colour contrast (WCAG 2.x): the brand colour made dark enough to be read as link text.

A site's ``brand_color`` is chosen for branding, not legibility: the default
``#1f6feb`` gives 4.36:1 on the pages' ``#f7f8fa`` background, below the 4.5:1
WCAG AA asks of normal text.  Text and links use ``readable(brand)`` instead:
the same hue, darkened in small steps until it reaches 4.5:1 on that background.
"""

from __future__ import annotations

PAGE_BACKGROUND = "#f7f8fa"
AA_NORMAL_TEXT = 4.5


def _channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: str) -> float:
    """Relative luminance as WCAG defines it."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(colour: str, background: str = PAGE_BACKGROUND, ratio: float = AA_NORMAL_TEXT) -> str:
    """``colour``, darkened by 4 % steps until it contrasts ``ratio``:1 with ``background`` (black at worst)."""
    r, g, b = _channels(colour)
    while True:
        candidate = f"#{r:02x}{g:02x}{b:02x}"
        if contrast(candidate, background) >= ratio or (r, g, b) == (0, 0, 0):
            return candidate
        r, g, b = (int(c * 0.96) for c in (r, g, b))
