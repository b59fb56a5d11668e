"""``postmortem validate``: every problem of every file, as ``path:line:col``, and an exit code for CI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from generator.commands.common import config_option, fail


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@config_option
def validate(files: tuple[Path, ...], strict: bool, output_format: str, config_path: Path | None) -> None:
    """Check incident files; print every problem as path:line:col and exit 1 if any."""
    from generator.load.sources import collect_sources
    from generator.model.catalog import load_incidents
    from generator.model.config import compares_company, load_config_or_stand_in

    config, root, config_problems = load_config_or_stand_in(config_path)
    sources, refused = collect_sources(files, root / config.incidents_dir, root)
    _loaded, diagnostics = load_incidents(sources, config, in_site=compares_company(config, config_problems))
    ordered = sorted(set(config_problems + diagnostics + refused))
    failed = any(d.severity == "error" or strict for d in ordered)
    if output_format == "json":
        click.echo(json.dumps({"valid": not failed, "files": len(sources) + len(refused), "diagnostics": [d.as_dict() for d in ordered]}, indent=2))
        sys.exit(1 if failed else 0)
    if failed:
        fail(ordered)
    for diagnostic in ordered:
        click.echo(diagnostic.format(), err=True)
    click.echo(f"{len(sources)} file(s) valid", err=True)
