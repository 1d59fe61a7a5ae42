"""Flow tests: one Prefect test server per session, the demo portal per test.

The flows run for real: Prefect (``prefect_test_harness``, a temporary server with its own
database), crawls as subprocesses against :class:`nianbao.demo_portal.server.DemoPortal` on
127.0.0.1, parsing and archiving into the ``settings`` archive of ``tests/conftest.py``
(SQLite or PostgreSQL per ``NIANBAO_TEST_DB``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """A temporary Prefect server for the whole session; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def demo(settings: Any, monkeypatch: pytest.MonkeyPatch, prefect_server: str) -> Iterator[Any]:
    """The demo portal, its registry in NIANBAO_PORTALS_DIR, an archive and Prefect ready."""
    from nianbao.demo_portal.server import DemoPortal

    with DemoPortal() as portal:
        monkeypatch.setenv("NIANBAO_PORTALS_DIR", str(portal.registry_dir))
        yield portal
