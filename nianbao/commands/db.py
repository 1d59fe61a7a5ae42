"""``nianbao db``: create and migrate the archive's schema."""

from __future__ import annotations

import click

from nianbao.errors import UserError
from nianbao.settings import get_settings
from storage import db as storage_db


@click.group(name="db", help="Create or migrate the archive's schema.\n\nExample:  nianbao db upgrade")
def command() -> None:
    pass


@command.command(help="Migrate the archive to the newest schema (creates it when empty).\n\n"
                 "Example:  NIANBAO_DATABASE_URL=postgresql://postgres@127.0.0.1/test nianbao db upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    settings = get_settings()
    before = storage_db.current_revision(settings.database_url)
    try:
        storage_db.upgrade(settings.database_url, revision)
    except Exception as exc:  # alembic raises plain errors for unknown revisions
        if "Can't locate revision" in str(exc):
            raise UserError(f"unknown schema revision: {exc}") from None
        raise
    after = storage_db.current_revision(settings.database_url)
    where = storage_db._display(settings.database_url)
    if before == after:
        click.echo(f"archive at {where} already at schema {after}")
    else:
        click.echo(f"archive at {where} migrated {before or '(empty)'} -> {after}")


@command.command(help="Migrate the archive down to REVISION ('base' drops every table).\n\n"
                 "Example:  nianbao db downgrade base")
@click.argument("revision")
def downgrade(revision: str) -> None:
    settings = get_settings()
    storage_db.downgrade(settings.database_url, revision)
    click.echo(f"archive at {storage_db._display(settings.database_url)} now at schema "
               f"{storage_db.current_revision(settings.database_url) or '(empty)'}")


@command.command(help="Print the archive's schema revision and the newest one this nianbao knows.\n\n"
                 "Example:  nianbao db current")
def current() -> None:
    settings = get_settings()
    click.echo(f"current: {storage_db.current_revision(settings.database_url) or '(not initialised)'}")
    click.echo(f"newest known: {storage_db.head_revision()}")
