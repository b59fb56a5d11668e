"""Times computed from the data, never typed by hand: duration and time to detect/mitigate/resolve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from generator.model.incident import Incident


@dataclass(frozen=True)
class Metrics:
    duration: timedelta | None
    time_to_detect: timedelta | None
    time_to_mitigate: timedelta | None
    time_to_resolve: timedelta | None


def compute_metrics(incident: Incident) -> Metrics:
    start = incident.impact_start

    def since_start(moment: object) -> timedelta | None:
        return moment - start if (moment is not None and start is not None) else None  # type: ignore[operator]

    end = incident.impact_end
    return Metrics(
        duration=since_start(end),
        time_to_detect=since_start(incident.detected_at),
        time_to_mitigate=since_start(incident.mitigated_at),
        time_to_resolve=since_start(incident.resolved_at),
    )
