"""Regenerate the demo portal's package data: pre-rendered PDF/DOC files and every truth record.

    python -m nianbao.demo_portal.build_documents

Needs LibreOffice (``soffice``).  Re-run after changing ``catalog.REPORTS`` or the renderer.
"""

from __future__ import annotations

from nianbao.demo_portal.catalog import REPORTS
from nianbao.demo_portal.documents import DOCUMENTS_DIR, document_bytes, write_truth_files


def main() -> None:
    DOCUMENTS_DIR.mkdir(exist_ok=True)
    write_truth_files(list(REPORTS))
    for report in REPORTS:
        if report.prerendered:
            path = DOCUMENTS_DIR / f"{report.key}.{report.extension}"
            path.unlink(missing_ok=True)
            document_bytes.cache_clear()
            path.write_bytes(document_bytes(report))
            print(f"{path.name}: {path.stat().st_size} bytes")
    print(f"truth files: {len(REPORTS)} in {DOCUMENTS_DIR}")


if __name__ == "__main__":
    main()
