"""The JSON renderer: Decimal and dates as strings, never floats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pyramid.renderers import JSON


def includeme(config: Any) -> None:
    """Replace Pyramid's ``json`` renderer with one that knows our value types."""
    renderer = JSON(ensure_ascii=False)
    renderer.add_adapter(Decimal, lambda value, _request: str(value))
    renderer.add_adapter(dt.date, lambda value, _request: value.isoformat())
    renderer.add_adapter(dt.datetime, lambda value, _request: value.isoformat())
    config.add_renderer("json", renderer)
