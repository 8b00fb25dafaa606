"""Where a page may send the browser next (``suite``): a path of this site only."""

from __future__ import annotations

import string
from urllib.parse import quote

#: Printable ASCII a Location header carries as it is; anything else is percent-encoded.
_KEPT = "".join(ch for ch in string.printable if ch not in string.whitespace)


def safe_next(target: str | None) -> str:
    """A path of this site to go to: never another host (an open redirect), never a control
    character (a split header); other characters percent-encoded, so the Location header is
    always valid. "/" otherwise."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"
    return quote(target, safe=_KEPT)
