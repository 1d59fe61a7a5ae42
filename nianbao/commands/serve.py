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
              help="Server processes; each works on one request at a time (NIANBAO_WEB_THREADS).")
def command(host: str, port: int, workers: int) -> None:
    import uvicorn

    from nianbao.web import create_app
    from nianbao.web.app import warm_up

    settings = get_settings()
    app = create_app(settings)  # opens the archive now: a missing schema is one clear error
    warm_up()
    click.echo(f"nianbao: serving {settings.database_url.split('@')[-1]} on http://{host}:{port}/", err=True)
    try:
        if workers > 1:
            uvicorn.run("nianbao.web.asgi:app", host=host, port=port, workers=workers, log_level="warning")
        else:
            uvicorn.run(app, host=host, port=port, log_level="warning")
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
