"""Item pipelines of the nianbao crawlers."""
