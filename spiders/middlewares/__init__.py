"""Downloader middlewares of the nianbao crawlers (enabled with priorities in spiders.settings)."""
