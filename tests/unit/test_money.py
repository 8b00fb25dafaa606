from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import CURRENCIES, D, from_minor, parse_amount, to_json, to_minor


def test_xof_has_no_decimals_and_eur_two():
    assert CURRENCIES["XOF"] == 0 and CURRENCIES["XAF"] == 0
    assert CURRENCIES["EUR"] == 2 and CURRENCIES["USD"] == 2


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        ("150000", "XOF", Decimal("150000")),
        (150000, "XOF", Decimal("150000")),
        ("1250.50", "EUR", Decimal("1250.50")),
        (Decimal("1250.5"), "EUR", Decimal("1250.50")),
        ("150000.00", "XOF", Decimal("150000")),
        (" 42 ", "XAF", Decimal("42")),
    ],
)
def test_amounts_are_parsed_exactly(raw, currency, expected):
    assert parse_amount(raw, currency) == expected


@pytest.mark.parametrize(
    ("raw", "currency", "message"),
    [
        ("100.5", "XOF", "Trop de décimales"),
        ("1.005", "EUR", "Trop de décimales"),
        ("-5", "XOF", "négatif"),
        ("abc", "XOF", "invalide"),
        ("1e3", "XOF", "invalide"),
        ("", "XOF", "invalide"),
        (True, "XOF", "chaîne ou un nombre"),
        (1.5, "EUR", "chaîne ou un nombre"),
        (Decimal("NaN"), "XOF", "fini"),
        ("1000000000000000", "XOF", "limite"),
    ],
)
def test_inexact_or_negative_amounts_are_refused(raw, currency, message):
    with pytest.raises(InvalidInput) as caught:
        parse_amount(raw, currency, field="lignes[0].debit")
    assert message in caught.value.message
    assert caught.value.errors[0].field == "lignes[0].debit"


def test_unknown_currency_is_refused():
    with pytest.raises(InvalidInput):
        parse_amount("1", "XYZ")


def test_D_refuses_floats():
    with pytest.raises(TypeError):
        D(0.1)  # type: ignore[arg-type]


@given(units=st.integers(min_value=0, max_value=10**14), currency=st.sampled_from(sorted(CURRENCIES)))
def test_minor_units_round_trip_exactly(units, currency):
    assert to_minor(from_minor(units, currency), currency) == units
    assert parse_amount(to_json(units, currency), currency) == from_minor(units, currency)


def test_json_form_keeps_the_currency_precision():
    assert to_json(125050, "EUR") == "1250.50"
    assert to_json(150000, "XOF") == "150000"
