"""The metrics box: each response time of one incident with its definition a footnote away.

Built from the same ``metric_rows`` as every other output, so the box, the key-facts table and the
Markdown never disagree. A moment the record lacks is "not recorded", never 0; the impact figures are
quoted as the record states them. Footnotes are numbered in the order the box shows them, so the
HTML (links to the notes) and the PDF (notes at the box's foot) read the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.model.incident import Incident
from generator.model.metrics import ApproximateSpan, metric_rows
from generator.render import formatting

# The box's order: how fast the team noticed, acted, closed, told customers, then how long it hurt.
ORDER = ("time_to_detect", "time_to_mitigate", "time_to_resolve", "time_to_first_update", "duration")


@dataclass(frozen=True)
class BoxRow:
    key: str
    label: str
    value: str  # "2h 31m", "about 2h", or the words for "not recorded"
    recorded: bool
    note: int  # the footnote number of its definition
    approximate: bool
    span: str  # which two moments it spans, in words ("impact began to mitigated")


@dataclass(frozen=True)
class BoxFigure:
    value: str | None
    text: str
    internal: bool


@dataclass(frozen=True)
class MetricsBox:
    rows: tuple[BoxRow, ...]
    figures: tuple[BoxFigure, ...]
    figures_note: int | None
    missing_note: int | None  # the note saying what "not recorded" means, when a row is
    approximate_note: int | None
    notes: tuple[tuple[int, str], ...]  # (number, text), in order


def metrics_box(view: Incident, t: dict[str, Any]) -> MetricsBox:
    """The box for ``view`` (the public view in public outputs), in the site's language."""
    words = t["report"]
    box = words["metrics_box"]
    by_key = {row.key: row for row in metric_rows(view)}
    keys = ("duration",) if view.is_maintenance else ORDER
    notes: list[tuple[int, str]] = []
    rows = []
    missing = approximate = False
    for key in keys:
        metric = by_key[key]
        definition = box["defs"]["maintenance_duration" if view.is_maintenance and metric.since == "impact_began"
                                   and metric.until == "windows" else key]
        notes.append((len(notes) + 1, f"{words['metrics'][key]}: {definition}"))
        recorded = metric.span is not None
        missing |= not recorded
        approximate |= isinstance(metric.span, ApproximateSpan)
        value = formatting.duration(metric.span, t.get("about", "about {span}")) if recorded else t["fields"]["not_recorded"]
        span_words = words["metric_span"].format(since=words["moments"][metric.since], until=words["moments"][metric.until])
        rows.append(BoxRow(key, words["metrics"][key], value, recorded, len(notes),
                           isinstance(metric.span, ApproximateSpan), span_words))
    missing_note = approximate_note = None
    if missing:
        notes.append((len(notes) + 1, box["missing"]))
        missing_note = len(notes)
    if approximate:
        notes.append((len(notes) + 1, box["approximate"]))
        approximate_note = len(notes)
    figures = tuple(BoxFigure(f.value, f.text, f.internal) for f in view.impact_figures)
    figures_note = None
    if figures:
        notes.append((len(notes) + 1, box["figures_note"]))
        figures_note = len(notes)
    return MetricsBox(tuple(rows), figures, figures_note, missing_note, approximate_note, tuple(notes))
