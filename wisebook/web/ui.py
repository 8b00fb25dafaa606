"""The browser's static files (style sheet, the entry form's script)."""

from __future__ import annotations

from typing import Any


def includeme(config: Any) -> None:
    """Static files, cached an hour."""
    config.add_static_view("static", "wisebook.web:static", cache_max_age=3600)
