"""Errors that are the user's to fix: printed as one line on stderr, never a traceback."""

from __future__ import annotations

import click


class UserError(click.ClickException):
    """A mistake the user can correct (missing file, bad URL, unknown unit, un-migrated archive).

    Raise it anywhere below a command; the CLI prints ``nianbao: error: <message>`` on one
    line and exits with status 2.
    """

    exit_code = 2

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"nianbao: error: {one_line(self.format_message())}", err=True)


def one_line(message: str) -> str:
    """Collapse a message (a driver's multi-line error, say) onto one line."""
    return " ".join(str(message).split())
