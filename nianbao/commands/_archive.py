"""Opening the archive from a command: settings from the environment, schema checked."""

from __future__ import annotations

from nianbao.settings import get_settings
from storage.archive import Archive


def open_archive(*, check: bool = True) -> Archive:
    return Archive.open(get_settings(), check=check)
