"""Site configuration (``postmortem.yaml``), validated as strictly as incidents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PrivateAttr, model_validator

from generator.errors import Diagnostic, InputError
from generator.load import read_yaml
from generator.model.base import StrictModel
from generator.model.types import Flag, Line, Url, Zone

CONFIG_FILE = "postmortem.yaml"


def check_colour(value: str) -> str:
    """A ``#rrggbb`` colour, lowercased; anything else is refused."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValueError(f"{value!r} is not a colour; write it as #RRGGBB")
    return value.lower()


Colour = Annotated[str, AfterValidator(check_colour)]


class Labels(StrictModel):
    """Overrides for interface strings (status words and section headings)."""

    statuses: dict[str, Line] = Field(default_factory=dict)
    headings: dict[str, Line] = Field(default_factory=dict)


Weight = Annotated[float, Field(ge=0, le=1)]


class AvailabilityWeights(StrictModel):
    """How much of a minute in each component status counts as downtime (0 to 1)."""

    major_outage: Weight = 1.0
    partial_outage: Weight = 0.3
    degraded_performance: Weight = 0.0
    under_maintenance: Weight = 1.0  # used only when ``count_maintenance`` is true


class AvailabilityPolicy(StrictModel):
    """How ``postmortem report`` turns impact windows into availability; every figure names it.

    The defaults follow Statuspage's uptime rule: a major outage counts fully, a partial outage
    30 %, degraded performance and planned maintenance not at all, and a window counts for the
    whole component even when its label names a region.
    """

    name: Line = Field("statuspage", description="Printed beside every availability figure computed with this policy.")
    weights: AvailabilityWeights = Field(default_factory=AvailabilityWeights, description=(
        "Downtime weight of each component status (0 to 1). A component's status during a window is the worst status "
        "the incident posted for it, else the one its impact implies (critical: major_outage, major: partial_outage, "
        "minor: degraded_performance)."))
    count_maintenance: Flag = Field(False, description="true: maintenance windows count as downtime (weight under_maintenance).")
    regional_windows: Literal["whole_component", "by_region"] = Field("whole_component", description=(
        "whole_component: a window counts for its whole component. by_region: a window whose label is one of `regions` "
        "counts for 1/len(regions) of the component."))
    regions: list[Line] = Field(default_factory=list, description="The regions a component is served from (for by_region).")

    @model_validator(mode="after")
    def _regions_given_for_by_region(self) -> AvailabilityPolicy:
        if self.regional_windows == "by_region" and not self.regions:
            raise ValueError("regional_windows: by_region needs `regions`, the regions a component is served from")
        folded = [r.casefold() for r in self.regions]
        if len(set(folded)) != len(folded):  # [EU, eu] would count the one real region as half the component
            raise ValueError(f"regions: {next(r for i, r in enumerate(self.regions) if folded[i] in folded[:i])!r} is listed "
                             "twice (names are compared without case)")
        return self


class SiteConfig(StrictModel):
    """Site-wide settings; every key is optional and has a sensible default."""

    company: Line = "Example Inc."
    base_url: Url | None = None
    zone: Zone = "UTC"
    locale: Literal["en", "de", "fr"] = "en"
    brand_color: Colour = "#1f6feb"
    logo: Line | None = None
    footer: Line | None = None
    paper: Literal["A4", "Letter"] = "A4"
    confidentiality: Line | None = None  # None: the locale's own label ("Internal: do not forward")
    incidents_dir: Line = "incidents"
    labels: Labels = Field(default_factory=Labels)
    status_post_timeline: bool = Field(default=False, description=(
        "Show the timeline picture and the metrics box (TTD, TTM, TTR, time to first public update, duration) on "
        "customer status posts too. Default false: posts stay words only; the PDF report and the site's incident "
        "page always show them."))
    availability: AvailabilityPolicy = Field(default_factory=AvailabilityPolicy)
    _logo_uri: str | None = PrivateAttr(default=None)  # set by load_config from `logo` (read and checked by config_checks)

    @property
    def logo_uri(self) -> str | None:
        """The logo embedded as a ``data:`` URI, or None."""
        return self._logo_uri


def load_config(path: Path | None) -> tuple[SiteConfig, Path]:
    """Load the config file (or defaults when there is none); return it and its folder."""
    from generator.model.validate import validate_document

    if path is None:
        candidate = Path(CONFIG_FILE)
        if not candidate.exists():
            return SiteConfig(), Path.cwd()
        path = candidate
    from generator.load.sources import leads_out_of_project, outside_project

    if leads_out_of_project(path, Path.cwd()):  # a pull request may make ./postmortem.yaml a symlink to a secret
        raise InputError([outside_project(path)])
    document = read_yaml(path, known_keys={*SiteConfig.model_fields, *Labels.model_fields,
                                          *AvailabilityPolicy.model_fields, *AvailabilityWeights.model_fields})
    if document.data is None:
        return SiteConfig(), path.parent
    config, diagnostics = validate_document(document, SiteConfig)
    if config is None:
        raise InputError(diagnostics)
    from generator.model.config_checks import check_config

    problems, logo_uri = check_config(config, document, path.parent.resolve())
    if problems:
        raise InputError(problems)
    config._logo_uri = logo_uri
    return config, path.parent.resolve()


def load_config_or_stand_in(path: Path | None) -> tuple[SiteConfig, Path, list[Diagnostic]]:
    """``load_config``; for a config with problems, those problems and a stand-in to check the incidents with.

    ``validate`` and ``build`` report every problem of every file in one run: a bad ``postmortem.yaml`` must not hide
    the incidents' problems. The stand-in keeps the keys that are valid on their own (``incidents_dir``, ``zone``...),
    else the defaults; it is never rendered with. A config refused unread (a symlink leading out) is not read here either.
    """
    try:
        config, root = load_config(path)
    except InputError as exc:
        return _stand_in(path), (path or Path(CONFIG_FILE)).parent.resolve(), exc.diagnostics
    return config, root, []


def compares_company(config: SiteConfig, problems: list[Diagnostic]) -> bool:
    """Whether incidents' companies are compared with ``config``'s: always for a valid config (its company or the
    default), for a stand-in only when its `company` key itself was valid."""
    return not problems or "company" in config.model_fields_set


def _stand_in(path: Path | None) -> SiteConfig:
    """The keys of the config file that are valid each on its own, as a config (the defaults when none is)."""
    from pydantic import ValidationError

    from generator.load.sources import leads_out_of_project

    path = path or Path(CONFIG_FILE)
    if leads_out_of_project(path, Path.cwd()):
        return SiteConfig()
    try:
        data = read_yaml(path).data
    except InputError:
        return SiteConfig()
    if not isinstance(data, dict):
        return SiteConfig()
    valid = {}
    for key, value in data.items():
        try:
            SiteConfig.model_validate({key: value})
        except ValidationError:
            continue
        valid[key] = value
    try:
        return SiteConfig.model_validate(valid)
    except ValidationError:  # keys valid alone but not together
        return SiteConfig()
