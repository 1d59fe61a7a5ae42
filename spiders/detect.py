"""Guess the CMS family of a page a portal is not yet registered for (``--family auto``)."""

from __future__ import annotations

import re

_HANWEB = (re.compile(rb"<datastore>", re.I), re.compile(rb"/module/web/jpage/"), re.compile(rb"/col/col\d+/"),
           re.compile(rb"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html"))
_TRS = (re.compile(rb"createPageHTML\s*\("), re.compile(rb"TRS_Editor", re.I),
        re.compile(rb"\./\d{6}/t\d{8}_\d+\.s?html?"), re.compile(rb"<meta[^>]+name=.?ContentSource", re.I))


def detect_family(body: bytes) -> str:
    """``hanweb``, ``trs`` or ``generic``: the family whose markers the page shows most."""
    hanweb = sum(bool(p.search(body)) for p in _HANWEB)
    trs = sum(bool(p.search(body)) for p in _TRS)
    if hanweb == 0 and trs == 0:
        return "generic"
    return "hanweb" if hanweb >= trs else "trs"
