"""Amounts as the pages write them: the reader's language's separators and minus sign, the
currency's decimals, exactly what Babel's own formatting gives."""

from __future__ import annotations

from types import SimpleNamespace

from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from wisebook.ledger.money import CURRENCIES, from_minor
from wisebook.web.i18n import BABEL_LOCALES, amount


@given(
    units=st.integers(min_value=-(10**15), max_value=10**15),
    language=st.sampled_from(sorted(BABEL_LOCALES)),
    currency=st.sampled_from(["XOF", "XAF", "EUR", "USD", "GNF"]),
)
def test_an_amount_is_grouped_as_babel_groups_it(units, language, currency):
    places = CURRENCIES.get(currency, 2)
    pattern = "#,##0" if places == 0 else "#,##0." + "0" * places
    expected = format_decimal(from_minor(units, currency), format=pattern, locale=BABEL_LOCALES[language])
    assert amount(SimpleNamespace(locale_name=language), units, currency) == expected


def test_francs_read_as_an_accountant_reads_them():
    french, english = SimpleNamespace(locale_name="fr"), SimpleNamespace(locale_name="en")
    assert amount(french, 1_234_567, "XOF") == "1\u202f234\u202f567"
    assert amount(english, -1_234_567, "XOF") == "-1,234,567"
    assert amount(french, 123_456, "EUR") == "1\u202f234,56"
