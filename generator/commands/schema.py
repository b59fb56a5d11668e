"""``postmortem schema [incident|config]``: print the JSON Schema generated from the models."""

from __future__ import annotations

import click


@click.command()
@click.argument("kind", type=click.Choice(["incident", "config"]), default="incident")
def schema(kind: str) -> None:
    """Print the JSON Schema of incident files (default) or of postmortem.yaml.

    Save it as schemas/incident.schema.json and point editors at it with the
    first-line modeline `# yaml-language-server: $schema=../schemas/incident.schema.json`.
    """
    from generator.model.schema import schema_text

    click.echo(schema_text(kind), nl=False)
