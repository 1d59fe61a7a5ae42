"""nianbao's report parser: any published form of a 政府信息公开工作年度报告 -> one record.

Public API::

    import parsers
    result = parsers.parse_file("report.pdf")          # or parse_bytes(data, fmt="auto")
    result.record      # exactly the REPORT_FORMAT record (no "source" key)
    result.form        # "pdf" | "html" | "docx" | "doc" | "text" | "image"
    parsers.detect_form(data)
    parsers.validate.validate(record, previous=None, text=None)

Pipeline: :mod:`parsers.detect` picks the reader by content -> the reader gives a
:class:`~parsers.model.SourceDocument` -> :mod:`parsers.templates.mapper` assigns the
REPORT_FORMAT keys (one mapper for every form) -> :mod:`parsers.metadata` reads agency,
region, year, date -> :mod:`parsers.validate` lists the rules the document breaks.
Bad input raises :class:`ParseError` (``error`` class + one-line ``message``), nothing else.
Classes raised here: ``empty_file``, ``too_large``, ``unknown_format`` (binary, a ZIP/OLE2 file that
is not a Word document, OFD, Excel), ``unsupported_format`` (no reader for the form in this build),
``html_error_page``, ``corrupt_docx``, ``no_text``, ``not_a_report``, ``no_tables``, ``not_found``,
``not_a_file``, ``unreadable``, ``internal_error`` (last resort, names the exception type); the
readers add their own (``corrupt_pdf``, ``encrypted_pdf``, ``zip_bomb``, ...) and ``nianbao parse``
adds ``timeout``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from parsers.model import ParseError, SourceDocument

PARSER_NAME = "nianbao"
PARSER_VERSION = "1.0.2"
RECORD_FORMAT = "nianbao.report/1"

__all__ = [
    "PARSER_NAME",
    "PARSER_VERSION",
    "ParseError",
    "ParseResult",
    "SourceDocument",
    "detect_form",
    "parse_bytes",
    "parse_file",
]


@dataclass
class ParseResult:
    record: dict[str, Any]
    document: SourceDocument
    form: str
    text: str
    parser_name: str = PARSER_NAME
    parser_version: str = PARSER_VERSION


def detect_form(data: bytes) -> str:
    from parsers.detect import detect_form as _detect

    return _detect(data)


def parse_bytes(data: bytes, *, fmt: str = "auto", filename: str | None = None) -> ParseResult:
    """Parse one document's bytes.  ``filename`` is only used in messages, never to pick the form."""
    try:
        return _parse(data, fmt)
    except ParseError:
        raise
    except MemoryError:
        raise ParseError("too_large", "the document needs more memory than allowed") from None
    except RecursionError:
        raise ParseError("internal_error", "RecursionError while parsing (document nested too deeply)") from None
    except Exception as exc:  # last resort: never let a traceback escape to callers
        where = f" in {filename}" if filename else ""
        raise ParseError("internal_error", f"{type(exc).__name__}{where}: {exc}") from exc


def parse_file(path: str | os.PathLike[str], *, fmt: str = "auto") -> ParseResult:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except IsADirectoryError:
        raise ParseError("not_a_file", f"{os.fspath(path)} is a directory") from None
    except FileNotFoundError:
        raise ParseError("not_found", f"{os.fspath(path)} does not exist") from None
    except OSError as exc:
        raise ParseError("unreadable", f"{os.fspath(path)} cannot be read: {exc.strerror}") from None
    return parse_bytes(data, fmt=fmt, filename=os.fspath(path))


def _parse(data: bytes, fmt: str) -> ParseResult:
    from parsers import metadata
    from parsers.detect import read_document
    from parsers.templates.detect import detect_template
    from parsers.templates.mapper import classify_document, layout
    from parsers.validate import validate

    form, doc = read_document(data, fmt)
    text = doc.plain_text()
    if not text.strip():
        raise ParseError("no_text", f"the {form} document holds no text (a scan? try --format image)")
    meta = metadata.extract(doc, text)
    classified = classify_document(doc)
    year = meta["year"] if isinstance(meta["year"], int) else None
    template = detect_template(classified, text, year)
    if template == "freeform" and not _looks_like_report(text):
        raise ParseError("not_a_report", "no report tables and no words of a 政府信息公开工作年度报告 in the document")
    if template == "freeform" and (year is None or year >= 2019) and not doc.tables():
        raise ParseError("no_tables", f"the {form} document has no tables (a scanned report? try --format image)")
    mapped = layout(classified, template)
    if template != "freeform" and _cell_count(mapped.tables) < FREEFORM_BELOW:
        # a few stray keywords (an old-style statistics table) are not the standard tables
        template = "freeform"
        mapped = layout(classified, template)
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "agency": meta["agency"],
        "region": meta["region"],
        "year": meta["year"],
        "template": template,
        "published": meta["published"],
        "tables": mapped.tables,
        "checks": [],
        "provenance": mapped.provenance,
    }
    record["checks"] = validate(record, text=text)
    return ParseResult(record=record, document=doc, form=form, text=text)


FREEFORM_BELOW = 10  # fewer standard cells than this: the document does not have the standard tables


def _cell_count(tables: dict[str, Any]) -> int:
    return sum(_cell_count(v) if isinstance(v, dict) else 1 for v in tables.values())


def _looks_like_report(text: str) -> bool:
    flat = "".join(text.split())
    return any(w in flat for w in ("政府信息公开", "政务公开", "信息公开工作"))
