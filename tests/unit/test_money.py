from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import (
    CURRENCIES,
    D,
    from_minor,
    grouped,
    minor_from_number,
    minor_from_text,
    parse_amount,
    to_json,
    to_minor,
)


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


@pytest.mark.parametrize(
    ("typed", "places", "units"),
    [
        ("25.000", 0, 25_000),  # a currency without decimals: dots group thousands
        ("1.234.567", 0, 1_234_567),
        ("1 234 567", 0, 1_234_567),
        ("25.00", 0, 25),  # two decimals, both zero: only one reading
        ("1.234.567,50", 2, 123_456_750),
        ("25,50", 2, 2550),
        ("0,500", 2, 50),  # a leading zero groups no thousands
    ],
)
def test_a_typed_amount_is_read_as_an_accountant_means_it(typed, places, units):
    assert minor_from_text(typed, places) == units


@pytest.mark.parametrize(
    ("typed", "places", "said"),
    [
        ("25,000", 0, "montant ambigu « 25,000 » : tapez 25\u202f000 ou 25"),
        ("25.000", 2, "montant ambigu « 25.000 » : tapez 25\u202f000 ou 25"),
        ("25,500", 2, "montant ambigu « 25,500 » : tapez 25\u202f500 ou 25,5"),
        ("25,500", 0, "trop de décimales dans « 25,500 » : la devise en admet 0"),  # 25,5 FCFA is no amount
        ("1.234", 2, "trop de décimales dans « 1.234 » : la devise en admet 2"),
        ("9" * 16, 0, f"montant « {'9' * 16} » au-delà de la limite autorisée"),
    ],
)
def test_an_amount_that_reads_two_ways_or_none_is_refused_never_taken_small(typed, places, said):
    with pytest.raises(ValueError) as refused:
        minor_from_text(typed, places)
    assert str(refused.value) == said


@given(st.integers(min_value=1_000, max_value=10**14))
def test_francs_grouped_by_dots_or_spaces_read_back_whole(units):
    grouped = f"{units:,}"
    assert minor_from_text(grouped.replace(",", "."), 0) == units
    assert minor_from_text(grouped.replace(",", "\u202f"), 0) == units


def test_a_spreadsheet_s_number_has_a_decimal_point_whatever_the_currency():
    assert minor_from_number(Decimal("25.125"), 3) == 25125
    with pytest.raises(ValueError, match="trop de décimales"):
        minor_from_number(Decimal("25.125"), 0)  # not 25 125 FCFA
    assert minor_from_number(Decimal("118000.0"), 0) == 118_000


def test_messages_group_amounts_the_french_way():
    assert grouped(Decimal("118000")) == "118\u202f000"
    assert grouped(Decimal("1250.50")) == "1\u202f250,50"
    assert grouped(Decimal("-18000")) == "-18\u202f000"
    assert grouped(Decimal("999")) == "999"
    assert grouped(Decimal("0")) == "0"


@given(
    units=st.integers(min_value=-(10**17), max_value=10**17),
    currency=st.sampled_from(["XOF", "XAF", "EUR", "USD"]),
)
def test_the_json_form_of_an_amount_is_the_decimal_s_own(units, currency):
    assert to_json(units, currency) == str(from_minor(units, currency))
