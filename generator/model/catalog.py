"""The load pipeline: read an incident file, fill its defaults, validate it; every problem of every file.

Everything that turns incident text into a model goes through ``check_incident_text``
or ``load_incident`` (``validate``, ``build``, ``serve``, ``update``, ``new`` and
``import``), so a file is valid for one command exactly when it is for the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from unicodedata import normalize

from generator.errors import Diagnostic, InputError
from generator.load import Document, read_yaml, read_yaml_text
from generator.model.config import SiteConfig
from generator.model.incident import Incident, incident_keys
from generator.model.partial import check_document
from generator.model.unique_ids import id_collisions
from generator.model.validate import default_id


@dataclass(frozen=True)
class LoadedIncident:
    """A valid incident with the file it came from and the raw bytes' hash."""

    incident: Incident
    source: Path


def _fill_defaults(document: Document, config: SiteConfig) -> None:
    """Fill id, company and zone from the file name and site config before validation."""
    data = document.data
    if not isinstance(data, dict):
        return
    data.setdefault("id", default_id(document.path))
    if data.get("company") is None:
        data["company"] = config.company
    if data.get("zone") is None:
        data["zone"] = config.zone


def _other_company(incident: Incident | None, document: Document, config: SiteConfig) -> list[Diagnostic]:
    """A warning when the file names a company that is not the site's: every built page, post and report of it
    names the site's company (one company per site), so what the file says would silently not be shown."""
    if incident is None or incident.company is None or normalize("NFC", incident.company) == normalize("NFC", config.company):
        return []  # the same name, whichever way its accents were typed
    where = "postmortem.yaml" if "company" in config.model_fields_set else "the default: postmortem.yaml sets none"
    message = (f"`company` is {incident.company!r} but the site's company is {config.company!r} ({where}): a build names "
               f"{config.company!r} on this incident's pages, post and report, and only `postmortem render` names "
               f"{incident.company!r}; set `company` in postmortem.yaml, or leave it out here")
    return [Diagnostic(document.path, *document.positions.of_value(("company",)), message, "warning")]


def load_incident(path: Path, config: SiteConfig, *, in_site: bool = True) -> tuple[Incident | None, list[Diagnostic]]:
    """Read, validate and check one incident file.

    ``in_site``: the file is read for the site (``build``, ``serve``, ``validate``, ``report``), which names the site
    config's company; ``postmortem render`` of the file alone names its own and passes False.
    """
    try:
        document = read_yaml(path, str(path), known_keys=incident_keys())
    except InputError as exc:
        return None, exc.diagnostics
    _fill_defaults(document, config)
    incident, diagnostics = check_document(document)
    if in_site:
        diagnostics = [*diagnostics, *_other_company(incident, document, config)]
    return incident, diagnostics


def check_incident_text(text: str, path: Path, config: SiteConfig) -> tuple[Incident | None, list[Diagnostic]]:
    """``load_incident`` of ``text`` as if it were the file ``path``: for text checked before it is written."""
    try:
        document = read_yaml_text(text, str(path), known_keys=incident_keys())
    except InputError as exc:
        return None, exc.diagnostics
    _fill_defaults(document, config)
    return check_document(document)


def load_incidents(paths: list[Path], config: SiteConfig, *, in_site: bool = True) -> tuple[list[LoadedIncident], list[Diagnostic]]:
    """Load every file; also reject ids that collide across files."""
    loaded: list[LoadedIncident] = []
    diagnostics: list[Diagnostic] = []
    for path in paths:
        incident, found = load_incident(path, config, in_site=in_site)
        diagnostics.extend(found)
        if incident is not None:
            loaded.append(LoadedIncident(incident, path))
    diagnostics.extend(id_collisions((item.incident.slug, item.source) for item in loaded))
    loaded.sort(key=lambda item: item.incident.slug)
    return loaded, diagnostics


def load_valid(sources: list[Path], config: SiteConfig, *, strict: bool, refused: Sequence[Diagnostic] = (),
               in_site: bool = True) -> tuple[list[LoadedIncident], list[Diagnostic]]:
    """Every source loaded, and the warnings; raise ``InputError`` with all problems if any is fatal.

    ``refused``: files refused unread (``generator.load.sources``), reported with the others' problems.
    """
    loaded, diagnostics = load_incidents(sources, config, in_site=in_site)
    diagnostics = [*refused, *diagnostics]
    if any(d.severity == "error" or strict for d in diagnostics):
        raise InputError(sorted(set(diagnostics)))
    return loaded, diagnostics
