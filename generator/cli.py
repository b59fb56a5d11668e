"""The ``postmortem`` command: a thin click layer; each command's module loads only when it runs.

The commands live in ``generator.commands``; this module only names them, so
``postmortem --version`` or a no-op ``build`` imports nothing it does not use.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys

import click

from generator import __version__

# Every command, by name: "module:attribute", imported on first use (MkDocs-style lazy CLI).
COMMANDS: dict[str, str] = {
    "validate": "generator.commands.validate:validate",
    "render": "generator.commands.render:render",
    "report": "generator.commands.report:report",
    "build": "generator.commands.build:build",
    "new": "generator.commands.new:new",
    "update": "generator.commands.update:update",
    "serve": "generator.commands.serve:serve",
    "schema": "generator.commands.schema:schema",
    "import": "generator.commands.migrate:import_command",
    "export": "generator.commands.migrate:export_command",
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use; Ctrl-C ends any command with one line and exit 130."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; Ctrl-C prints one line and exits 130."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            click.echo("interrupted", err=True)
            sys.exit(130)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, without importing any of them."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, imported now."""
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="postmortem")
def main() -> None:
    """Turn structured incident records into postmortems, status-page posts and PDF reports."""


def run() -> None:
    """The ``postmortem`` command: ``main``, then exit without tearing the interpreter down.

    Freeing every object of a large build one by one at interpreter exit is
    measurable on a no-op rebuild.  By then every command has closed its files,
    pools and cache store, so only the standard streams need flushing.
    """
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if isinstance(stop.code, str):
            sys.stderr.write(stop.code + "\n")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1
    os._exit(code)
