"""The prose sentences of a report's text, and their digests kept with each report version.

Text copied from last year's report is a transparency-index criterion: the share of this year's
sentences that appear in last year's report (:func:`storage.queries.repeated_text`).  Comparing
texts means splitting tens of kilobytes per report; each version's sentences are digested once,
when it is archived (``reports.sentence_digests``: 8 bytes per sentence, in order, repeats kept),
and a region's comparison reads those instead of the texts.
"""

from __future__ import annotations

import hashlib
import re

SENTENCE_END = re.compile(r"[。！？；!?;\n]+")
NOT_PROSE = re.compile(r"[\d\W_]+")
DIGEST_SIZE = 8  # bytes: collisions among a report's few hundred sentences are out of reach


def sentences(text: str | None) -> list[str]:
    """Prose sentences of a report text (table rows and short fragments left out), whitespace removed."""
    out = []
    for line in (text or "").splitlines():
        if "\t" in line:  # a table row
            continue
        for part in SENTENCE_END.split(line):
            part = "".join(part.split())
            if len(part) >= 8 and not NOT_PROSE.fullmatch(part):
                out.append(part)
    return out


def sentence_digests(text: str | None) -> bytes | None:
    """The digests of :func:`sentences` of ``text``, concatenated in order (None for no text)."""
    if text is None:
        return None
    return b"".join(hashlib.blake2b(s.encode("utf-8"), digest_size=DIGEST_SIZE).digest() for s in sentences(text))


def split_digests(digests: bytes | None) -> list[bytes]:
    """The sentence digests of :func:`sentence_digests`, one per sentence."""
    if not digests:
        return []
    return [digests[i:i + DIGEST_SIZE] for i in range(0, len(digests), DIGEST_SIZE)]


def repeated(now: list[bytes] | list[str], before: set[bytes] | set[str]) -> dict[str, int | float | None]:
    """How many of ``now``'s sentences are in ``before``; share None when either has no prose."""
    count = sum(1 for x in now if x in before)
    return {"sentences": len(now), "repeated": count,
            "share": round(count / len(now), 4) if now and before else None}


def repeated_share(text: str | None, previous: str | None) -> dict[str, int | float | None]:
    """:func:`repeated` for two texts."""
    return repeated(sentences(text), set(sentences(previous)))
