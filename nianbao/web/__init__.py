"""The read-only web interface and JSON API: ``create_app(settings)`` (see :mod:`nianbao.web.app`)."""

from nianbao.web.app import create_app

__all__ = ["create_app"]
