"""A local demo portal: one site of each CMS family, with faults, serving rendered reports.

``DemoPortal`` is the server (a context manager); ``catalog`` lists what it publishes and
``documents`` gives every report's bytes and truth record.  ``nianbao demo-portal`` serves it.
"""

from nianbao.demo_portal.catalog import COVERAGE_YEAR, REPORTS, SITES, DemoReport
from nianbao.demo_portal.server import DemoPortal, LoggedRequest

__all__ = ["COVERAGE_YEAR", "REPORTS", "SITES", "DemoPortal", "DemoReport", "LoggedRequest"]
