"""Tax data of the OHADA countries, each figure with the source it was checked against."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from wisebook.ledger.vat import CountryVat, parse_country


@cache
def _vat_data() -> dict[str, object]:
    text = resources.files(__package__).joinpath("tva.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


@cache
def vat(country: str) -> CountryVat | None:
    """A country's VAT (its tax codes and return), None for a country the data lacks."""
    countries = _vat_data()["countries"]
    assert isinstance(countries, dict)
    raw = countries.get(country)
    return None if raw is None else parse_country(country, raw)


def vat_countries() -> tuple[str, ...]:
    """The countries the data describes."""
    countries = _vat_data()["countries"]
    assert isinstance(countries, dict)
    return tuple(countries)
