"""Reading what users type: the few rules every input path shares."""

from __future__ import annotations

import unicodedata


def is_digits(text: str) -> bool:
    """Whether ``text`` is one or more ASCII digits 0–9. ``str.isdigit`` also takes "³", "²"
    or Arabic-Indic digits, which ``int()`` refuses or reads as another number: an id, a code or
    a year typed by a user is checked with this, never with ``isdigit``."""
    return text.isascii() and text.isdigit()


def fold(text: str) -> str:
    """``text`` without accents or capitals, for searching as people type (« Dépôt » → « depot »)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
