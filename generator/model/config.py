"""Site configuration (``postmortem.yaml``), validated as strictly as incidents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PrivateAttr

from generator.errors import InputError
from generator.load import read_yaml
from generator.model.incident import StrictModel
from generator.model.types import Line, Url, Zone

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
    document = read_yaml(path, known_keys={*SiteConfig.model_fields, *Labels.model_fields})
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
