"""``nianbao demo-portal``: serve the local demo portal on 127.0.0.1 until interrupted."""

from __future__ import annotations

import time
from pathlib import Path

import click


@click.command(
    name="demo-portal",
    help="Serve the demo portal on 127.0.0.1: one TRS (GBK), one Hanweb and one generic site with "
    "reports of several years in HTML, PDF, DOCX and DOC, plus faults (404, 500-then-200, slow page, "
    "soft 404, corrupt PDF, empty file, robots decoy, off-domain link) and a 412-blocked site.\n\n"
    "It writes registry entries for its sites (demo.yaml) into --registry-dir; point "
    "NIANBAO_PORTALS_DIR at that directory to crawl them.\n\n"
    "Example:  nianbao demo-portal --port 8700 --registry-dir ./demo-registry",
)
@click.option("--port", type=int, default=8700, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--registry-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write demo.yaml (default: a temporary directory).")
@click.option("--slow", "slow_seconds", type=float, default=1.0, show_default=True,
              help="Delay of the slow list page, in seconds.")
def command(port: int, registry_dir: Path | None, slow_seconds: float) -> None:
    from nianbao.demo_portal import DemoPortal
    from nianbao.errors import UserError

    try:
        portal = DemoPortal(port=port, registry_dir=registry_dir, slow_seconds=slow_seconds).start()
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from exc
    try:
        click.echo(f"demo portal on {portal.origin}")
        for s in portal.sites:
            click.echo(f"  {s.portal_id:18} {s.family:8} {portal.start_url(s.key)}")
        click.echo(f"registry: {portal.registry_dir / 'demo.yaml'}")
        click.echo(f"  export NIANBAO_PORTALS_DIR={portal.registry_dir}")
        click.echo("  nianbao crawl demo-trs --year 2023")
        click.echo("Ctrl-C to stop.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        portal.stop()
