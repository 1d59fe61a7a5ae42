"""Readers: one module per published form, each exposing ``read(data: bytes) -> SourceDocument``.

``text`` is here; ``html``, ``pdf``, ``docx``, ``doc`` and ``image`` are added by the
readers' own modules.  :func:`reader_for` imports a reader only when it is needed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from parsers.model import ParseError, SourceDocument

FORMS = ("html", "pdf", "docx", "doc", "text", "image")


def reader_for(form: str) -> Callable[[bytes], SourceDocument]:
    if form not in FORMS:
        raise ParseError("unknown_format", f"no reader for form {form!r}")
    try:
        module = importlib.import_module(f"parsers.readers.{form}")
    except ModuleNotFoundError as exc:
        if exc.name != f"parsers.readers.{form}":
            raise
        raise ParseError("unsupported_format", f"{form} documents cannot be read in this build yet") from None
    read: Callable[[bytes], SourceDocument] = module.read
    return read
