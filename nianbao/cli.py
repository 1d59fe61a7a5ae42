"""The ``nianbao`` command line: one thin command per module under ``nianbao.commands``.

Commands are imported only when they run, so ``nianbao --help`` stays fast and one
broken optional dependency does not take every command down.  To add a command, put a
module in ``nianbao/commands/`` that defines ``command`` (a click command or group) and
list it in ``COMMANDS``.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading

import click

from nianbao.errors import UserError, one_line

# name -> (module under nianbao.commands, one-line help shown by `nianbao --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("db", "Create or migrate the archive's schema (upgrade, downgrade, current)."),
    "archive": ("archive", "Store local report files in the archive (blob, report, cells)."),
    "show": ("show", "Show one archived report: metadata, source, tables, failed checks."),
    "stats": ("stats", "Counts of reports per year, level and state."),
    "units": ("units", "List or add publishing units (government bodies)."),
    "parse": ("parse", "Parse one report file into the REPORT_FORMAT record."),
    "portals": ("portals", "List, validate and scaffold portal registry entries."),
    "crawl": ("crawl", "Crawl one portal (or any start URL) in its own process."),
    "demo-portal": ("demo_portal", "Serve the local demo portal on 127.0.0.1."),
    "harvest": ("harvest", "Run the yearly harvest flow over the portals."),
    "recrawl": ("recrawl", "Re-crawl one region or portal, forcing re-download."),
    "reparse": ("reparse", "Re-parse stored documents with the current parsers."),
    "verify": ("verify", "Re-hash every blob and WARC record (fixity check)."),
    "deploy": ("deploy", "Register the Prefect deployments against a Prefect server."),
    "demo": ("demo", "Run the whole pipeline on the local demo portal (SQLite)."),
    "query": ("query", "Answer auditors' questions from the archive."),
    "export": ("export", "Export a year of reports as csv, xlsx, parquet or jsonl."),
    "serve": ("serve", "Serve the read-only web interface and JSON API."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, short_help = entry
        try:
            module = importlib.import_module(f"nianbao.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"nianbao.commands.{module_name}":
                raise
            return _unavailable(cmd_name, short_help)
        command: click.Command = module.command
        command.short_help = command.short_help or short_help
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # list every command with its short help without importing them all
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _unavailable(name: str, short_help: str) -> click.Command:
    @click.command(name=name, help=short_help + "\n\n(Not available in this build.)")
    def missing() -> None:
        raise UserError(f"`nianbao {name}` is not available in this build")

    return missing


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="nianbao: harvest, parse, check and archive 政府信息公开工作年度报告.\n\n"
    "The archive lives under NIANBAO_HOME (default ./nianbao-data) unless "
    "NIANBAO_DATABASE_URL points elsewhere.\n\nExample:  nianbao demo",
)
@click.version_option(package_name="nianbao")
def cli() -> None:
    pass


def _stop_on_sigterm() -> None:
    """SIGTERM (``kill``, systemd, a container stopping) ends a command the way Ctrl-C does: the
    exception unwinds it, so a harvest records how its run ended and ``atexit`` stops the Prefect
    server it started (Python's default SIGTERM ends the process on the spot and leaves that server
    running, holding the terminal's output open)."""

    def interrupted(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupted)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user mistakes are one line on stderr and exit status 2, never a traceback."""
    _stop_on_sigterm()
    try:
        result = cli.main(args=argv, prog_name="nianbao", standalone_mode=False)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "nianbao"
        click.echo(f"nianbao: error: {one_line(exc.format_message())} (see `{where} --help`)", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.Abort):
        click.echo("nianbao: interrupted", err=True)
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
