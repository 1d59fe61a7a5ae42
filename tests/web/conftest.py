from __future__ import annotations

import pytest

from tests.query.demo_archive import demo_archive_fixture

demo = pytest.fixture(scope="session", name="demo")(demo_archive_fixture)
