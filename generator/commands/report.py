"""``postmortem report``: the reliability review across incidents for a period, as Markdown, HTML or PDF."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from generator.commands.common import config_option, error, load_site_config, reporting_errors, templates_option, warn_if_pdfs_are_slow

REPORT_FORMATS = ("md", "html", "pdf")


@click.command()
@click.option("--since", "since_text", metavar="DATE", help="First day of the period, YYYY-MM-DD (default: 90 days before --until).")
@click.option("--until", "until_text", metavar="DATE",
              help="Last day of the period, YYYY-MM-DD (default: the day of SOURCE_DATE_EPOCH, else of the latest recorded moment).")
@click.option("--component", metavar="NAME", help="Only incidents that affected this component (its name, or Group (Name)).")
@click.option("-f", "--format", "fmt", type=click.Choice(REPORT_FORMATS), required=True, help="Output format.")
@click.option("--internal", is_flag=True, help="The internal variant: internal incidents and fields, owners and tickets.")
@click.option("-o", "--output", type=str, default=None, help="Output file, or - for stdout (default: output/report.<format>).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@config_option
@templates_option
def report(since_text: str | None, until_text: str | None, component: str | None, fmt: str, internal: bool,
           output: str | None, strict: bool, config_path: Path | None, templates: Path | None) -> None:
    """Write the reliability review of a period: counts, response times, availability, follow-through."""
    from generator.clock import SourceDateError, source_date
    from generator.report.period import PeriodError, parse_day

    try:
        since = parse_day(since_text, "--since") if since_text is not None else None
        until = parse_day(until_text, "--until") if until_text is not None else None
        build_date = source_date()
    except (PeriodError, SourceDateError) as exc:
        raise click.UsageError(str(exc)) from None
    if output == "-" and fmt == "pdf" and sys.stdout.isatty():
        raise click.UsageError("refusing to write a PDF to a terminal; redirect stdout or use -o FILE")
    config, root = load_site_config(config_path)
    if fmt == "pdf":
        warn_if_pdfs_are_slow()

    def import_renderer() -> None:
        """Import what rendering needs while the workers load the incidents (this process would only wait)."""
        import generator.report.render

        if fmt == "pdf":
            import generator.render.pdf_engine
            import generator.render.weasyprint_import  # noqa: F401

    def run() -> None:
        from zoneinfo import ZoneInfo

        from generator.builder import workers
        from generator.load.sources import collect_sources
        from generator.render.provenance import provenance
        from generator.report.document import build_report
        from generator.report.gather import latest_moment, names_component
        from generator.report.loading import load_catalog
        from generator.report.period import choose_period
        from generator.report.render import render_report
        from generator.write import write_output_file

        incidents_folder = root / config.incidents_dir
        sources, refused = collect_sources([], root / config.incidents_dir, root)
        shown, diagnostics = load_catalog(sources, config, strict=strict, internal=internal, pool=workers.cheap_pool,
                                          while_loading=import_renderer, refused=refused)
        for diagnostic in diagnostics:
            click.echo(diagnostic.format(), err=True)
        if component is not None and not any(names_component(i, component) for i in shown):
            raise click.UsageError(f"no {'' if internal else 'public '}incident names the component {component!r}")
        now = build_date or latest_moment(shown)
        today = now.astimezone(ZoneInfo(config.zone)).date() if now is not None else None
        if today is None and until is None:
            raise click.UsageError("there are no dated incidents to report on; give --until")
        try:
            period = choose_period(since, until, until or today, config.zone)  # type: ignore[arg-type]
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        report_data = build_report(shown, config, period, provenance(incidents_folder), internal=internal, component=component)
        data = render_report(report_data, fmt, templates=templates)
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        target = Path(output) if output else Path("output") / f"report.{fmt}"
        inputs = {Path(os.path.realpath(p)) for p in (*sources, *([config_path] if config_path else []))}
        if Path(os.path.realpath(target)) in inputs:
            error(f"refusing to write to {target}: it is an input of this report")
        write_output_file(target, data)
        click.echo(f"wrote {target}", err=True)

    reporting_errors(run)
