import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wisebook.data.syscohada import chart
from wisebook.ledger.accounts import check_code, check_new_sub_account, postable_codes
from wisebook.ledger.chain import GENESIS, ChainEntry, ChainLine, canonical, link
from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.numbering import format_number
from wisebook.ledger.periods import fiscal_year_bounds, monthly_periods


def test_official_chart_is_a_full_tree_of_more_than_a_thousand_accounts():
    rows = chart()
    codes = {r.code for r in rows}
    assert len(rows) >= 1000
    assert {str(c) for c in range(1, 10)} <= codes
    assert all(len(r.code) == 1 or r.code[:-1] in codes for r in rows)
    assert {r.code: r.label for r in rows}["4111"] == "Clients"


def test_only_leaves_beyond_two_digits_take_entries():
    postable = postable_codes(r.code for r in chart())
    assert "4111" in postable and "5211" in postable
    assert "411" not in postable and "41" not in postable and "4" not in postable


def test_account_numbers_are_digits_of_a_class_one_to_nine():
    assert check_code("4111") == "4111"
    for bad in ("", "0111", "41a1", "4" * 13, "４１"):
        with pytest.raises(InvalidInput):
            check_code(bad)


def test_sub_accounts_sit_under_an_existing_account():
    assert check_new_sub_account("41111", ["4", "41", "411", "4111"]) == "4111"
    for bad in ("4111", "51", "99999"):
        with pytest.raises(InvalidInput):
            check_new_sub_account(bad, ["4", "41", "411", "4111", "5"])


def test_a_fiscal_year_has_twelve_monthly_periods():
    start, end = fiscal_year_bounds(2026)
    periods = monthly_periods(start, end)
    assert len(periods) == 12
    assert periods[1].start == dt.date(2026, 2, 1) and periods[1].end == dt.date(2026, 2, 28)
    assert periods[-1].end == dt.date(2026, 12, 31)
    _, july_end = fiscal_year_bounds(2026, start_month=7)
    assert july_end == dt.date(2027, 6, 30)


@given(st.integers(min_value=1, max_value=999_999))
def test_numbers_are_zero_padded_and_ordered(n):
    assert format_number("VTE", "2026", n) == f"VTE-2026-{n:06d}"
    assert format_number("VTE", "2026", n) < format_number("VTE", "2026", n + 1) or n + 1 > 999_999


def _entry(amount=100, label="Vente"):
    return ChainEntry(
        1,
        "VTE",
        "VTE-2026-000001",
        "2026-01-15",
        label,
        None,
        "XOF",
        [ChainLine("4111", "", amount, 0), ChainLine("7011", "", 0, amount)],
    )


def test_any_change_to_a_sealed_entry_changes_its_hash():
    sealed = link(GENESIS, _entry())
    assert sealed == link(GENESIS, _entry())
    assert link(GENESIS, _entry(amount=101)) != sealed
    assert link(GENESIS, _entry(label="Vente.")) != sealed
    assert link("1" * 64, _entry()) != sealed


def test_balance_totals_sum_balances_per_side_not_the_net_of_all_accounts():
    from wisebook.ledger.balances import BalanceRow, totals

    rows = [BalanceRow("4111", "Clients", 0, 0, 118000, 0), BalanceRow("7011", "Ventes", 0, 0, 0, 118000)]
    line = totals(rows)
    assert (line.debit, line.credit) == (118000, 118000)
    assert (line.closing_debit, line.closing_credit) == (118000, 118000)


texts = st.text(max_size=40)  # any character: quotes, backslashes, controls, accents, emoji


@given(
    company=st.integers(1, 10**9),
    words=st.tuples(texts, texts, texts, texts, texts),
    reference=st.none() | texts,
    reversal=st.none() | texts,
    lines=st.lists(
        st.tuples(texts, texts, st.integers(0, 10**17), st.integers(0, 10**17), st.none() | texts)
        | st.tuples(
            texts,
            texts,
            st.integers(0, 10**17),
            st.integers(0, 10**17),
            st.none() | texts,
            texts,
            st.integers(1, 10**17),
        ),
        max_size=6,
    ),
)
def test_the_sealed_form_is_exactly_sorted_compact_json(company, words, reference, reversal, lines):
    """The hand-written canonical form and json.dumps agree byte for byte, so every hash ever
    stored still verifies; a taxed line adds its code and base after the tiers."""
    journal, number, day, label, currency = words
    entry = ChainEntry(
        company, journal, number, day, label, reference, currency, [ChainLine(*ln) for ln in lines], reversal
    )
    body = {
        "societe": company,
        "journal": journal,
        "numero": number,
        "date": day,
        "libelle": label,
        "piece": reference,
        "devise": currency,
        "extourne_de": reversal,
        "lignes": [list(ln) for ln in lines],
    }
    expected = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical(entry) == expected
