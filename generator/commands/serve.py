"""``postmortem serve``: live preview of the site and of every incident's post, report and Markdown."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from generator.commands.common import check_source_date, config_option, error, templates_option


def _log(message: str) -> None:
    click.echo(message, err=True)


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; the default is reachable from this machine only.")
@click.option("--internal", is_flag=True, help="Also serve the internal reports (/<id>.internal.md and .pdf).")
@config_option
@templates_option
def serve(port: int, host: str, internal: bool, config_path: Path | None, templates: Path | None) -> None:
    """Preview the site and every incident in the browser; pages reload when files change.

    Validation errors appear in the page itself as path:line:col. Nothing is
    written to the output folder. Only requests naming this machine (localhost,
    an IP address or the bound name) are answered, so a web page cannot read
    the preview through DNS rebinding. Stop with Ctrl-C.
    """
    from generator.preview.server import make_handler, watch
    from generator.preview.state import PreviewState

    if config_path is not None and not config_path.is_file():
        raise click.BadParameter(f"{config_path} does not exist", param_hint="--config")
    check_source_date()  # every page would fail on it
    state = PreviewState(config_path, templates=templates, internal=internal)
    snapshot = state.reload()
    for diagnostic in snapshot.diagnostics:
        _log(diagnostic.format())

    from http.server import ThreadingHTTPServer

    try:
        server = ThreadingHTTPServer((host, port), make_handler(state, _log, bound_name=host))
    except OSError as exc:
        error(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    server.daemon_threads = True
    stop = threading.Event()
    watched = [state.root, *([templates] if templates else [])]
    ready = threading.Event()
    watcher = threading.Thread(target=watch, args=(state, stop, _log, watched, ready), name="watch", daemon=True)
    watcher.start()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    try:
        if not ready.wait(timeout=10):
            _log("warning: the file watcher is slow to start; changes may not show until it does")
        _log(f"Serving a preview of {len(state.snapshot.incidents)} incident(s) on http://{shown}:{bound_port}/ (Ctrl-C to stop)")
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        watcher.join(timeout=2)
    _log("stopped")
