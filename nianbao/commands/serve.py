"""``nianbao serve``: the read-only web interface and JSON API (FastAPI + uvicorn)."""

from __future__ import annotations

import os

import click

from nianbao.errors import UserError
from nianbao.settings import get_settings


@click.command(
    name="serve",
    help="Serve the archive's web pages and JSON API (read-only; /docs and /openapi.json describe the API).\n\n"
    "Corrections of cells are accepted only when NIANBAO_CORRECTION_TOKEN is set.\n\n"
    "Example:  nianbao serve --port 8000   (then open http://127.0.0.1:8000/)",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default="the machine's cores",
              help="Server processes, each on a listening socket of its own; each works on NIANBAO_WEB_THREADS "
              "requests at a time.")
def command(host: str, port: int, workers: int) -> None:
    import uvicorn

    from nianbao.web import create_app
    from nianbao.web.app import warm_up
    from nianbao.web.workers import reuse_port_sockets, serve_workers

    settings = get_settings()
    app = create_app(settings)  # opens the archive now: a missing schema is one clear error
    try:
        sockets = reuse_port_sockets(host, port, workers)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    address = f"http://{host}:{sockets[0].getsockname()[1]}/"
    click.echo(f"nianbao: serving {settings.database_url.split('@')[-1]} on {address} "
               f"({workers} process{'es' if workers > 1 else ''})", err=True)
    if workers == 1:
        warm_up()
        uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=sockets)
        return
    del app  # each worker process opens the archive itself
    if serve_workers(sockets):
        raise UserError("the web app could not start in its worker processes (see the messages above)")
