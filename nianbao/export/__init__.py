"""Exports of a year of canonical reports: csv, xlsx (one sheet per table, official headers), parquet, jsonl.

    from nianbao.export import export_reports
    n = export_reports(archive, year=2023, region="中卫市", fmt="xlsx", out="zw-2023.xlsx")
"""

from nianbao.export.writers import FORMATS, export_reports

__all__ = ["FORMATS", "export_reports"]
