"""Tax data of the OHADA countries, each figure with the source it was checked against."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

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


@dataclass(frozen=True)
class AssetCategory:
    """A category of fixed assets and its accounts in the SYSCOHADA chart."""

    code: str
    label: str
    asset: str
    depreciation: str
    expense: str
    disposal: str
    proceeds: str
    life: int


@cache
def _assets_data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("immobilisations.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def asset_categories() -> dict[str, AssetCategory]:
    """The categories a register proposes, by code."""
    return {code: AssetCategory(code=code, **raw) for code, raw in _assets_data()["categories"].items()}


@cache
def declining_coefficients(country: str) -> dict[int, Decimal]:
    """The declining-balance coefficients of a country, by the life from which each applies."""
    table = _assets_data()["coefficients"]
    raw = table.get(country) or table["_default"]
    return {int(years): Decimal(value) for years, value in raw["by_life"].items()}
