"""The timeline picture of one incident: impact windows as bars on a real-time axis, with the response's markers.

One SVG string, drawn in Python (no JavaScript), inlined as it is into the HTML and the PDF, so both
show the same bytes. It is built from whatever view it is given: the public view for public outputs,
so nothing internal reaches its text, titles or data attributes.

* The axis is real elapsed time in the incident's display zone. Across a clock change the ticks keep
  their spacing and the labels show the new zone abbreviation (``01:00 BST``, ``01:00 GMT``), and a
  marked line says "Clocks go back: BST → GMT": time never seems to run backwards. Local midnights
  are marked with the new date.
* Each impact window is a bar (one row per window, labelled with its words); its components, its
  exact start and end (ISO, UTC offset kept) are in ``data-*`` attributes and its ``<title>``.
* Detected, mitigated, impact ended and resolved are vertical lines with a shape each (diamond,
  triangle, square, circle) and a word label; public posts and timeline milestones have lanes of
  their own. Meaning never rests on colour: every mark has a shape and words, and a legend in words.
* The gaps that matter (impact start → first public post, detected → mitigated, impact start →
  detected) are drawn as labelled spans.
* Work is bounded: at most ``MAX_BARS`` bars, ``MAX_POSTS`` posts and ``MAX_MILESTONES`` milestones
  are drawn, the rest counted ("+3 more").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from generator.model.incident import Incident
from generator.model.metrics import first_public_update
from generator.model.types import precision
from generator.render import formatting
from generator.render.svg import Element, number, svg_root
from generator.render.time_axis import clock_changes, midnights, ticks

MAX_BARS = 12
MAX_POSTS = 40
MAX_MILESTONES = 20

WIDTH = 640.0
LABEL_WIDTH = 150.0  # the left column holding each row's words
PLOT_LEFT = LABEL_WIDTH + 10
PLOT_RIGHT = WIDTH - 20
ROW = 22.0
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"

# Colours on the white background: text ≥ 4.5:1, bars, lines and shapes ≥ 3:1 (WCAG 1.4.3, 1.4.11).
BACKGROUND = "#ffffff"
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#8c959f"  # thin guides only; their words carry the meaning
BAR_COLOURS = {"none": "#57606a", "minor": "#9a6700", "major": "#bc4c00", "critical": "#cf222e", "maintenance": "#0969da"}
MARK_COLOUR = INK
POST_COLOUR = "#0550ae"

_KEY_MOMENTS = ("detected", "mitigated", "impact_ended", "resolved")


@dataclass(frozen=True)
class Bar:
    label: str
    components: tuple[str, ...]
    start: datetime
    end: datetime | None  # None: still going on (drawn to the axis end, open)
    internal: bool = False  # only in internal outputs (the public view has dropped it)


def _exact(moment: datetime | None) -> bool:
    return moment is not None and precision(moment) not in {"day", "unknown"}


def _utc(moment: datetime) -> str:
    """The moment as data: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bars(view: Incident, t: dict[str, Any]) -> list[Bar]:
    windows = [w for w in view.impact_windows if _exact(w.start)]
    if windows:
        return [Bar(w.label, tuple(w.components), w.start, w.end if _exact(w.end) else None, w.internal) for w in windows]
    start = view.impact_start
    if not _exact(start):
        return []
    assert start is not None
    end = view.impact_end
    label = t["report"]["timeline_chart"]["maintenance" if view.is_maintenance else "incident_bar"]
    return [Bar(label, tuple(c.name for c in view.components), start, end if _exact(end) else None)]


def _key_moments(view: Incident) -> list[tuple[str, datetime]]:
    values = {"detected": view.detected_at, "mitigated": view.mitigated_at,
              "impact_ended": view.impact_ended_at,
              "resolved": view.resolved_at if view.is_resolved else None}  # an open incident is not resolved yet
    return [(key, moment) for key, moment in values.items() if moment is not None and _exact(moment)]


class Axis:
    """Real elapsed time from ``start`` to ``end`` onto x from ``PLOT_LEFT`` to ``PLOT_RIGHT``."""

    def __init__(self, start: datetime, end: datetime) -> None:
        if end <= start:
            end = start + timedelta(minutes=30)
        pad = (end - start) / 40
        self.start, self.end = start - pad, end + pad
        self.seconds = (self.end - self.start).total_seconds()

    def x(self, moment: datetime) -> float:
        fraction = (moment - self.start).total_seconds() / self.seconds
        return PLOT_LEFT + min(max(fraction, 0.0), 1.0) * (PLOT_RIGHT - PLOT_LEFT)


class _Labels:
    """Greedy placement of text labels on a lane: a label that would overlap the last one moves to the
    next line, one that would run off the right edge moves left; None when no line has room."""

    def __init__(self, lines: int) -> None:
        self.right = [float("-inf")] * lines

    def place(self, x: float, text: str, size: float = 10.0) -> tuple[int, float] | None:
        width = text_width(text, size)
        x = max(min(x, WIDTH - 2 - width), 2.0)
        for line, right in enumerate(self.right):
            if x >= right:
                self.right[line] = x + width + 6
                return line, x
        return None


def text_width(text: str, size: float) -> float:
    """A generous estimate of the width of ``text`` in the picture's sans-serif font."""
    return len(text) * size * 0.6


def fit(text: str, width: float, size: float) -> str:
    """``text`` cut with "…" to fit ``width`` (the full text stays in the element's ``<title>``)."""
    most = max(int(width / (size * 0.56)), 4)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _text(parent: Element, x: float, y: float, words: str, *, size: float = 10, anchor: str = "start",
          fill: str = INK, weight: str | None = None, cls: str | None = None) -> Element:
    return parent.add("text", words, x=x, y=y, font_size=size, text_anchor=anchor if anchor != "start" else None,
                      fill=fill, font_weight=weight, class_=cls)


def _label(parent: Element, x: float, y: float, words: str, *, size: float, anchor: str = "start") -> Element:
    """A label inside the plot, on a patch of the background: the guide lines drawn behind the lanes
    stop at its words instead of striking through them."""
    width = text_width(words, size)
    left = x - width * {"start": 0.0, "middle": 0.5, "end": 1.0}[anchor]
    parent.add("rect", x=left - 1, y=y - size * 0.8, width=width + 2, height=size * 1.05, fill=BACKGROUND,
               class_="tl-label-ground")
    return _text(parent, x, y, words, size=size, anchor=anchor)


def _shape(parent: Element, kind: str, x: float, y: float, *, fill: str = MARK_COLOUR, r: float = 5) -> Element:
    """A marker shape centred on (x, y): the shape itself says which moment it is."""
    if kind == "diamond":
        d = f"M{number(x)} {number(y - r)}L{number(x + r)} {number(y)}L{number(x)} {number(y + r)}L{number(x - r)} {number(y)}Z"
    elif kind == "triangle":
        d = f"M{number(x)} {number(y - r)}L{number(x + r)} {number(y + r * 0.8)}L{number(x - r)} {number(y + r * 0.8)}Z"
    elif kind == "square":
        s = r * 0.85
        d = f"M{number(x - s)} {number(y - s)}H{number(x + s)}V{number(y + s)}H{number(x - s)}Z"
    elif kind == "star":
        d = (f"M{number(x)} {number(y - r)}L{number(x + r * 0.3)} {number(y - r * 0.3)}L{number(x + r)} {number(y)}"
             f"L{number(x + r * 0.3)} {number(y + r * 0.3)}L{number(x)} {number(y + r)}L{number(x - r * 0.3)} {number(y + r * 0.3)}"
             f"L{number(x - r)} {number(y)}L{number(x - r * 0.3)} {number(y - r * 0.3)}Z")
    elif kind == "post":  # a speech-bubble-like downward pointer
        d = (f"M{number(x - r)} {number(y - r)}H{number(x + r)}V{number(y + r * 0.3)}H{number(x + 2)}"
             f"L{number(x)} {number(y + r)}L{number(x - 2)} {number(y + r * 0.3)}H{number(x - r)}Z")
    else:  # circle
        return parent.add("circle", cx=x, cy=y, r=r * 0.9, fill=fill, class_="tl-shape")
    return parent.add("path", d=d, fill=fill, class_="tl-shape")


MARK_SHAPES = {"detected": "diamond", "mitigated": "triangle", "impact_ended": "square", "resolved": "circle"}


@dataclass(frozen=True)
class _Post:
    at: datetime
    status: str


class _Writer:
    """Formats moments for the picture's words, in the display zone."""

    def __init__(self, zone_name: str, t: dict[str, Any], reference: datetime, with_zone: bool) -> None:
        self.zone_name, self.t = zone_name, t
        self.reference_day = formatting.local(reference, zone_name).date()
        self.with_zone = with_zone

    def short(self, moment: datetime) -> str:
        """``14:36``, ``Sep 14 18:21`` on another day, ``~`` when approximate, the zone when clocks change."""
        when = formatting.local(moment, self.zone_name)
        text = f"{formatting.approximate_mark(moment)}{when:%H:%M}"
        if when.date() != self.reference_day:
            text = f"{self.t['months'][when.month - 1]} {when.day} {text}"
        if self.with_zone:
            text = f"{text} {formatting.abbreviation(moment, self.zone_name)}"
        return text

    def clock(self, moment: datetime) -> str:
        """``~14:36``, with the zone when clocks change within the picture (the axis carries the dates)."""
        text = f"{formatting.approximate_mark(moment)}{formatting.clock(moment, self.zone_name)}"
        return f"{text} {formatting.abbreviation(moment, self.zone_name)}" if self.with_zone else text

    def full(self, moment: datetime) -> str:
        formats = {"date_format": self.t.get("date_format", formatting.EN_DATE),
                   "stamp_format": self.t.get("stamp_format", formatting.EN_STAMP)}
        return formatting.stamp(moment, self.zone_name, self.t["months"], **formats)

    def span(self, start: datetime, end: datetime) -> str:
        from generator.model.metrics import span as measure
        return formatting.duration(measure(start, end), self.t.get("about", "about {span}"))


@dataclass(frozen=True)
class Picture:
    """The drawn picture: its SVG markup and the text alternative it carries (``<title>``, ``<desc>``)."""

    svg: str
    title: str
    desc: str

    @property
    def alt(self) -> str:
        """Title and description as one text, for an ``alt`` (the PDF's tag of the figure)."""
        return f"{self.title}. {self.desc}" if self.desc else self.title


def timeline_svg(view: Incident, t: dict[str, Any], zone_name: str) -> str | None:
    """The timeline picture of ``view`` (an SVG string), or None when it has no moment to draw."""
    picture = timeline_picture(view, t, zone_name)
    return picture.svg if picture is not None else None


def timeline_picture(view: Incident, t: dict[str, Any], zone_name: str) -> Picture | None:
    """The timeline picture of ``view`` with its text alternative, or None when it has no moment to draw.

    Moments at the very edge of the calendar (year 1 or 9999, which validation allows) leave no room
    for the axis' margins and ticks: such an incident has no picture rather than a crash.
    """
    try:
        return _draw(view, t, zone_name)
    except OverflowError:
        return None


def _draw(view: Incident, t: dict[str, Any], zone_name: str) -> Picture | None:
    """Gather what the picture shows, then draw it lane by lane, top to bottom."""
    bars = _bars(view, t)
    keys = _key_moments(view)
    # Public posts only: an internal update (internal outputs keep them) was never posted to customers.
    posts_all = [u for u in view.updates if u.status != "postmortem" and not u.internal]
    posts = sorted((_Post(u.posted_at, u.status) for u in posts_all if _exact(u.posted_at)), key=lambda p: p.at)
    milestones = sorted(((e.at, e.milestone) for e in view.timeline if e.milestone and _exact(e.at)), key=lambda m: m[0])
    core = [b.start for b in bars] + [b.end for b in bars if b.end] + [m for _, m in keys] + [m for m, _ in milestones]
    if not core and not posts:
        return None
    drawing = _Drawing(view, t, zone_name, bars, keys, posts, len(posts_all) - len(posts), milestones, core)
    drawing.response_lane()
    drawing.bar_rows()
    drawing.post_lane()
    drawing.milestone_lane()
    drawing.guides()
    drawing.time_axis()
    drawing.gaps()
    drawing.legend()
    return drawing.picture()


class _Drawing:
    """One picture being drawn: the axis, the words, and ``y``, the top of the next lane."""

    def __init__(self, view: Incident, t: dict[str, Any], zone_name: str, bars: list[Bar], keys: list[tuple[str, datetime]],
                 posts: list[_Post], untimed_posts: int, milestones: list[tuple[datetime, str]], core: list[datetime]) -> None:
        self.view, self.t, self.zone_name = view, t, zone_name
        self.c: dict[str, Any] = t["report"]["timeline_chart"]
        self.milestone_words = moment_words(view, t)
        self.bars, self.keys, self.milestones = bars, keys, milestones
        self.timed_posts, self.untimed_posts = posts, untimed_posts
        self.notes: list[str] = []
        # Posts far from the impact (a maintenance announced days ahead) would squash the bars: the axis
        # takes posts within one core span (at least an hour) of it, and counts the others in a note.
        self.early_posts = self.late_posts = 0
        if core:
            low, high = min(core), max(core)
            reach = max(high - low, timedelta(hours=1))
            self.early_posts = sum(1 for p in posts if p.at < low - reach)
            self.late_posts = sum(1 for p in posts if p.at > high + reach)
            posts = [p for p in posts if low - reach <= p.at <= high + reach]
        moments = core + [p.at for p in posts]
        first, last = min(moments), max(moments)
        self.postmortem = next((u.posted_at for u in view.updates
                                if u.status == "postmortem" and not u.internal and _exact(u.posted_at)), None)
        self.axis = Axis(first, last)
        self.changes = clock_changes(self.axis.start, self.axis.end, zone_name)
        self.words = _Writer(zone_name, t, first, bool(self.changes))
        self.drawn_bars, self.more_bars = bars[:MAX_BARS], len(bars) - MAX_BARS
        self.drawn_posts, self.more_posts = posts[:MAX_POSTS], len(posts) - MAX_POSTS
        self.drawn_milestones, self.more_milestones = milestones[:MAX_MILESTONES], len(milestones) - MAX_MILESTONES
        self.bar_colour = BAR_COLOURS.get(view.impact, BAR_COLOURS["none"])
        # A window without a known end: "ongoing" while the incident is open, "end not recorded" once it is closed.
        self.open_end = t["fields"]["not_recorded"] if view.is_resolved else self.c["ongoing"]
        self.body = Element("g", font_size=10, fill=INK)
        self.y = 14.0
        self.labels = _Labels(3)  # the header's words: key moments and clock changes
        self.guide_lines: list[tuple[float, str, str]] = []  # x, class, dash
        self.plot_top = self.plot_bottom = 0.0

    def response_lane(self) -> None:
        """The key moments' shapes, with their words above them."""
        c, words, y = self.c, self.words, self.y
        header = self.body.add("g", class_="tl-marks")
        lane_y = y + 37
        _text(header, LABEL_WIDTH, lane_y + 4, c["lane_response"], anchor="end", size=10, fill=MUTED)
        for key, moment in self.keys:
            x = self.axis.x(moment)
            mark = header.add("g", class_=f"tl-mark tl-mark-{key}", data_moment=key, data_at=_utc(moment))
            mark.add("title", f"{self.milestone_words[key]}: {words.full(moment)}")
            _shape(mark, MARK_SHAPES[key], x, lane_y)
            label = f"{self.milestone_words[key]} {words.clock(moment)}"
            placed = self.labels.place(x - 4, label, 9.5)
            if placed is not None:
                _text(mark, placed[1], y + 4 + placed[0] * 11, label, size=9.5)
            else:  # no room above the plot: said under the legend (a PDF shows no tooltip)
                self.notes.append(f"{self.milestone_words[key]}: {words.full(moment)}")
            self.guide_lines.append((x, f"tl-guide tl-guide-{key}", "4 3"))
        self.y = lane_y + 14
        self.plot_top = lane_y + 8

    def bar_rows(self) -> None:
        """One bar per impact window, its words on the left and its span beside it."""
        c, t, words, bar_colour = self.c, self.t, self.words, self.bar_colour
        rows = self.body.add("g", class_="tl-bars")
        for bar in self.drawn_bars:
            y = self.y
            x0 = self.axis.x(bar.start)
            x1 = self.axis.x(bar.end) if bar.end else PLOT_RIGHT
            end_text = words.short(bar.end) if bar.end else self.open_end
            label = f"{bar.label} ({t['fields']['internal']})" if bar.internal else bar.label
            open_class = " tl-bar-end-unknown" if self.view.is_resolved else " tl-bar-ongoing"
            group = rows.add("g", class_="tl-bar" + ("" if bar.end else open_class) + (" tl-internal" if bar.internal else ""),
                             data_label=bar.label,
                             data_components="; ".join(bar.components) or None,
                             data_start=_utc(bar.start), data_end=_utc(bar.end) if bar.end else None)
            title = _window_title(c, label, words.full(bar.start), words.full(bar.end) if bar.end else None, self.view.is_resolved)
            if bar.components:
                title += " " + c["window_components"].format(components=", ".join(bar.components))
            group.add("title", title)
            shown = fit(label, LABEL_WIDTH - 4, 10)
            _text(group, LABEL_WIDTH, y + ROW / 2 + 3.5, shown, anchor="end", size=10)
            group.add("rect", x=x0, y=y + 4, width=max(x1 - x0, 2), height=ROW - 8, fill=bar_colour,
                      stroke=bar_colour if bar.end else INK, stroke_dasharray=None if bar.end else "3 2")
            span_text = f"{words.short(bar.start)} – {end_text}"
            width = text_width(span_text, 9.5) + 6
            if x1 + width <= WIDTH - 2:
                _label(group, x1 + 4, y + ROW / 2 + 3.5, span_text, size=9.5)
            elif x0 - width >= PLOT_LEFT:
                _label(group, x0 - 4, y + ROW / 2 + 3.5, span_text, anchor="end", size=9.5)
            else:
                _text(group, x0 + 4, y + ROW / 2 + 3.5, span_text, size=9.5, fill=BACKGROUND)
            self.y += ROW
        if self.more_bars > 0:
            self.notes.append(c["more_bars"].format(count=self.more_bars))

    def post_lane(self) -> None:
        """The public posts on a lane of their own, and notes on those the axis leaves out."""
        c, words, y = self.c, self.words, self.y
        if self.drawn_posts:
            lane = self.body.add("g", class_="tl-posts")
            _text(lane, LABEL_WIDTH, y + ROW / 2 + 3.5, c["lane_posts"], anchor="end", size=10, fill=MUTED)
            post_labels = _Labels(1)
            for post in self.drawn_posts:
                x = self.axis.x(post.at)
                status = self.t["statuses"].get(post.status, post.status)
                mark = lane.add("g", class_="tl-post", data_status=post.status, data_at=_utc(post.at))
                mark.add("title", f"{status}: {c['posted'].format(when=words.full(post.at))}")
                _shape(mark, "post", x, y + ROW / 2 - 3, fill=POST_COLOUR, r=4.5)
                placed = post_labels.place(x - 3, words.clock(post.at), 9)
                if placed is not None:
                    _label(mark, placed[1], y + ROW / 2 + 10, words.clock(post.at), size=9)
            self.y += ROW + 8
            if self.more_posts > 0:
                self.notes.append(c["more_posts"].format(count=self.more_posts))
        for count, note in ((self.early_posts, "early_posts"), (self.late_posts, "late_posts"), (self.untimed_posts, "untimed_posts")):
            if count:
                self.notes.append(c[note].format(count=count))

    def milestone_lane(self) -> None:
        """The incident timeline's milestones on a lane of their own."""
        c, y = self.c, self.y
        if self.drawn_milestones:
            lane = self.body.add("g", class_="tl-milestones")
            _text(lane, LABEL_WIDTH, y + ROW / 2 + 3.5, c["lane_milestones"], anchor="end", size=10, fill=MUTED)
            milestone_labels = _Labels(2)
            for moment, name in self.drawn_milestones:
                x = self.axis.x(moment)
                word = self.milestone_words.get(name, name)
                mark = lane.add("g", class_="tl-milestone", data_milestone=name, data_at=_utc(moment))
                mark.add("title", f"{word}: {self.words.full(moment)}")
                _shape(mark, "star", x, y + 6, r=5.5)
                placed = milestone_labels.place(x - 3, word, 9)
                if placed is not None:
                    _label(mark, placed[1], y + 19 + placed[0] * 10, word, size=9)
            self.y += ROW + 12
            if self.more_milestones > 0:
                self.notes.append(c["more_milestones"].format(count=self.more_milestones))
        self.plot_bottom = self.y

    def guides(self) -> None:
        """Behind everything: the key moments' lines, local midnights and clock changes."""
        zone_name, plot_top, plot_bottom = self.zone_name, self.plot_top, self.plot_bottom
        behind = Element("g", class_="tl-guides", fill="none")
        for x, cls, dash in self.guide_lines:
            behind.add("line", x1=x, y1=plot_top, x2=x, y2=plot_bottom, stroke=INK, stroke_width=0.8,
                       stroke_dasharray=dash, class_=cls)
        for midnight in midnights(self.axis.start, self.axis.end, zone_name):
            x = self.axis.x(midnight)
            when = formatting.local(midnight, zone_name)
            group = behind.add("g", class_="tl-date-change", data_date=when.date().isoformat())
            group.add("line", x1=x, y1=plot_top, x2=x, y2=plot_bottom + 4, stroke=GRID, stroke_width=0.8, stroke_dasharray="1 2")
        for moment, before, after in self.changes:
            x = self.axis.x(moment)
            going = "back" if formatting.local(moment, zone_name).utcoffset() < formatting.local(
                moment - timedelta(minutes=1), zone_name).utcoffset() else "forward"
            group = behind.add("g", class_="tl-clock-change", data_at=_utc(moment), data_from=before, data_to=after)
            group.add("title", self.c[f"clocks_{going}"].format(before=before, after=after))
            group.add("line", x1=x, y1=plot_top - 10, x2=x, y2=plot_bottom + 4, stroke=INK, stroke_width=1.2,
                      stroke_dasharray="6 2 1 2")
            label = self.c[f"clocks_{going}"].format(before=before, after=after)
            placed = self.labels.place(x + 3, label, 9.5)
            if placed is not None:
                _text(group, placed[1], 18 + placed[0] * 11, label, size=9.5)
            else:  # no room above the plot: said under the legend, so the words never live in a tooltip alone
                self.notes.append(f"{label} ({self.words.full(moment)})")
        self.body.children.insert(0, behind)

    def time_axis(self) -> None:
        """Ticks at round local times, the date where it changes, the zone where it changes."""
        zone_name, y = self.zone_name, self.y
        axis_group = self.body.add("g", class_="tl-axis", data_zone=zone_name)
        axis_group.add("line", x1=PLOT_LEFT, y1=y, x2=PLOT_RIGHT, y2=y, stroke=INK, stroke_width=1)
        previous_day, previous_zone = None, None
        tick_labels = _Labels(1)
        for moment in ticks(self.axis.start, self.axis.end, zone_name):
            x = self.axis.x(moment)
            when = formatting.local(moment, zone_name)
            abbreviation = formatting.abbreviation(moment, zone_name)
            lines = [f"{when:%H:%M}"]
            second = []
            if when.date() != previous_day:
                second.append(f"{self.t['months'][when.month - 1]} {when.day}")
            if abbreviation != previous_zone:
                lines[0] += f" {abbreviation}"
            widest = max(lines[0], " ".join(second), key=len)
            if tick_labels.place(x - text_width(widest, 9) / 2, widest, 9) is None:
                continue
            previous_day, previous_zone = when.date(), abbreviation
            tick = axis_group.add("g", class_="tl-tick", data_at=_utc(moment), data_label=f"{when:%H:%M} {abbreviation}")
            tick.add("line", x1=x, y1=y, x2=x, y2=y + 4, stroke=INK, stroke_width=1)
            _text(tick, x, y + 14, lines[0], size=9, anchor="middle")
            if second:
                _text(tick, x, y + 25, " ".join(second), size=9, anchor="middle", fill=MUTED)
        self.y += 36

    def gaps(self) -> None:
        """The gaps that matter, as labelled spans under the axis."""
        view, c, axis = self.view, self.c, self.axis
        first_post = first_public_update(view)
        impact_start = min((b.start for b in self.bars), default=None)
        gaps = [
            ("impact_to_first_post", impact_start, first_post if _exact(first_post) else None),
            ("impact_to_detected", impact_start, view.detected_at),
            ("detected_to_mitigated", view.detected_at, view.mitigated_at),
        ]
        gap_group = self.body.add("g", class_="tl-gaps")
        for key, since, until in gaps:
            if since is None or until is None or not (_exact(since) and _exact(until)) or until < since:
                continue
            y = self.y
            x0, x1 = axis.x(since), axis.x(until)
            text = c["gaps"][key].format(span=self.words.span(since, until))
            group = gap_group.add("g", class_=f"tl-gap tl-gap-{key}", data_since=_utc(since), data_until=_utc(until))
            group.add("title", text)
            group.add("path", d=f"M{number(x0)} {number(y)}v6M{number(x0)} {number(y + 3)}H{number(x1)}M{number(x1)} {number(y)}v6",
                      stroke=INK, stroke_width=1, fill="none")
            width = text_width(text, 9.5)
            if x1 + 6 + width <= WIDTH - 2:
                _text(group, x1 + 6, y + 6.5, text, size=9.5)
            elif x0 - 6 - width >= 2:
                _text(group, x0 - 6, y + 6.5, text, size=9.5, anchor="end")
            else:
                _text(group, max(min(x0, WIDTH - 2 - width), 2), y + 17, text, size=9.5)
                self.y += 10
            self.y += 16
        if self.postmortem is not None and not (axis.start <= self.postmortem <= axis.end):
            self.notes.append(c["postmortem_off_axis"].format(when=self.words.full(self.postmortem)))

    def legend(self) -> None:
        """The legend, in words beside each shape, then the notes."""
        c = self.c
        legend = self.body.add("g", class_="tl-legend")
        self.y += 8
        y = self.y
        _text(legend, 4, y + 3.5, c["legend"], weight="bold", size=9.5)
        x = 4 + text_width(c["legend"], 9.5) + 8
        entries: list[tuple[str, str, str]] = [("bar", self.bar_colour, c["legend_bar"])]
        entries += [(MARK_SHAPES[key], MARK_COLOUR, self.milestone_words[key])
                    for key in _KEY_MOMENTS if any(k == key for k, _ in self.keys)]
        if self.drawn_posts:
            entries.append(("post", POST_COLOUR, c["legend_post"]))
        if self.drawn_milestones:
            entries.append(("star", MARK_COLOUR, c["legend_milestone"]))
        for kind, colour, word in entries:
            width = 16 + text_width(word, 9.5) + 12
            if x + width > WIDTH:
                x, y = 4.0, y + 15
            if kind == "bar":
                legend.add("rect", x=x, y=y - 2, width=12, height=9, fill=colour)
            else:
                _shape(legend, kind, x + 6, y + 2.5, fill=colour, r=4.5)
            _text(legend, x + 16, y + 6, word, size=9.5)
            x += width
        y += 14
        for note in self.notes:
            _text(self.body.add("g", class_="tl-note"), 4, y + 6, note, size=9.5, fill=MUTED)
            y += 14
        self.y = y

    def picture(self) -> Picture:
        """The ``<svg>``: title and description first, a white ground, then the drawing."""
        height = self.y + 4
        title = self.c["title"].format(title=self.view.title)
        desc = _description(self.view, self.t, self.words, self.bars, self.keys, self.timed_posts, self.untimed_posts)
        root = svg_root(WIDTH, height, title=title, desc=desc,
                        class_="timeline-chart", preserveAspectRatio="xMinYMin meet",
                        attrs={"font-family": FONT})
        root.add("rect", x=0, y=0, width=WIDTH, height=height, fill=BACKGROUND)
        root.append(self.body)
        return Picture(root.to_string(), title, desc)


def moment_words(view: Incident, t: dict[str, Any]) -> dict[str, str]:
    """The words of the key moments; a maintenance is completed, not resolved (as its report's facts say)."""
    words: dict[str, str] = dict(t["report"]["milestones"])
    if view.is_maintenance:
        words["resolved"] = t["statuses"]["completed"]
    return words


def _window_title(c: dict[str, Any], label: str, start: str, end: str | None, resolved: bool) -> str:
    """A window's words: from its start to its end, "to ongoing" while open, "end not recorded" once resolved."""
    if end is None and resolved:
        return c["window_title_end_unknown"].format(label=label, start=start)
    return c["window_title"].format(label=label, start=start, end=end or c["ongoing"])


def _description(view: Incident, t: dict[str, Any], words: _Writer, bars: list[Bar], keys: list[tuple[str, datetime]],
                 posts: list[_Post], untimed_posts: int) -> str:
    """The picture in sentences, for screen readers (``<desc>``)."""
    c = t["report"]["timeline_chart"]
    sentences = []
    for bar in bars[:MAX_BARS]:
        sentences.append(_window_title(c, bar.label, words.full(bar.start), words.full(bar.end) if bar.end else None,
                                       view.is_resolved) + ".")
    said = moment_words(view, t)
    for key, moment in keys:
        sentences.append(f"{said[key]}: {words.full(moment)}.")
    if posts:
        sentences.append(c["desc_posts"].format(count=len(posts) + untimed_posts, first=words.full(posts[0].at)))
    return " ".join(sentences)
