import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wisebook.ledger.accounts import Account
from wisebook.ledger.entries import (
    LineDraft,
    check_date,
    check_lines,
    check_opening,
    parse_lines,
    reversed_lines,
    totals,
)
from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.periods import Period

ACCOUNTS = {
    "4111": Account("4111", "Clients", postable=True, lettrable=True),
    "7011": Account("7011", "Ventes", postable=True),
    "4431": Account("4431", "TVA facturée", postable=True),
    "411": Account("411", "Clients", postable=False),
}


def line(account, debit="0", credit="0"):
    return LineDraft(account, "", Decimal(debit), Decimal(credit))


def messages(exc):
    return {e.field: e.message for e in exc.value.errors}


def test_balanced_entry_with_two_or_more_lines_passes():
    check_lines(
        [line("4111", "118000"), line("7011", credit="100000"), line("4431", credit="18000")],
        ACCOUNTS,
        posting=True,
    )


def test_one_line_entry_is_refused():
    with pytest.raises(InvalidInput) as exc:
        check_lines([line("4111", "100")], ACCOUNTS, posting=True)
    assert "au moins deux lignes" in messages(exc)["lignes"]


def test_unbalanced_entry_is_refused_with_the_gap():
    with pytest.raises(InvalidInput) as exc:
        check_lines([line("4111", "100"), line("7011", credit="90")], ACCOUNTS, posting=True)
    assert "écart 10" in messages(exc)["lignes"]


def test_line_with_debit_and_credit_is_refused():
    with pytest.raises(InvalidInput) as exc:
        check_lines([line("4111", "100", "100"), line("7011", credit="0")], ACCOUNTS, posting=True)
    found = messages(exc)
    assert "pas les deux" in found["lignes[0]"]
    assert "non nul" in found["lignes[1]"]


def test_unknown_and_heading_accounts_are_refused():
    with pytest.raises(InvalidInput) as exc:
        check_lines([line("9999", "100"), line("411", credit="100")], ACCOUNTS, posting=True)
    found = messages(exc)
    assert "inconnu" in found["lignes[0].compte"]
    assert "regroupement" in found["lignes[1].compte"]


def test_drafts_may_be_unbalanced_but_not_malformed():
    check_lines([line("4111", "100")], ACCOUNTS, posting=False)
    with pytest.raises(InvalidInput):
        check_lines([line("411", "100")], ACCOUNTS, posting=False)


def test_parse_lines_collects_every_amount_error():
    with pytest.raises(InvalidInput) as exc:
        parse_lines([{"compte": "4111", "debit": "1.5"}, {"compte": "7011", "credit": "-3"}], "XOF")
    assert set(messages(exc)) == {"lignes[0].debit", "lignes[1].credit"}


def test_date_must_fall_in_an_open_unlocked_period():
    day = dt.date(2026, 1, 15)
    january = Period(1, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    check_date(day, january, True, "2026")
    with pytest.raises(InvalidInput, match="Aucun exercice"):
        check_date(day, None, False, None)
    with pytest.raises(InvalidInput, match="clôturé"):
        check_date(day, january, False, "2026")
    with pytest.raises(InvalidInput, match="verrouillée"):
        check_date(day, Period(1, january.start, january.end, locked=True), True, "2026")


amounts = st.integers(min_value=1, max_value=10**12).map(Decimal)


@given(
    st.lists(
        st.tuples(st.sampled_from(["4111", "7011", "4431"]), amounts, st.booleans()), min_size=1, max_size=20
    )
)
def test_an_entry_posts_if_and_only_if_it_balances(raw):
    lines = [
        line(code, debit=str(a) if is_debit else "0", credit="0" if is_debit else str(a))
        for code, a, is_debit in raw
    ]
    debit, credit = totals(lines)
    try:
        check_lines(lines, ACCOUNTS, posting=True)
        accepted = True
    except InvalidInput:
        accepted = False
    assert accepted == (debit == credit and len(lines) >= 2)


@given(
    st.lists(st.tuples(st.sampled_from(["4111", "7011"]), amounts, st.booleans()), min_size=2, max_size=20)
)
def test_a_reversal_cancels_the_entry_account_by_account(raw):
    lines = [line(code, debit=str(a) if d else "0", credit="0" if d else str(a)) for code, a, d in raw]
    net: dict[str, Decimal] = {}
    for ln in [*lines, *reversed_lines(lines)]:
        net[ln.account] = net.get(ln.account, Decimal(0)) + ln.debit - ln.credit
    assert all(v == 0 for v in net.values())
    assert totals(reversed_lines(lines)) == tuple(reversed(totals(lines)))


def test_a_person_types_at_most_1000_lines_the_books_themselves_more():
    many = [line("4111", "1")] * 1000 + [line("7011", credit="1000")]
    with pytest.raises(InvalidInput) as exc:
        check_lines(many, ACCOUNTS, posting=True)
    assert messages(exc)["lignes"] == "Une écriture a au plus 1000 lignes."
    check_lines(many, ACCOUNTS, posting=True, max_lines=None)  # the à-nouveaux of a closing


def test_the_a_nouveaux_journal_takes_the_opening_of_a_year_and_nothing_else():
    start = dt.date(2026, 1, 1)
    opening = (
        LineDraft("5211", "Banque", Decimal(500_000), Decimal(0)),
        LineDraft("1013", "Capital", Decimal(0), Decimal(500_000)),
    )
    check_opening(opening, start, start)
    purchase = (
        LineDraft("6011", "Achats", Decimal(100_000), Decimal(0)),
        LineDraft("4011", "Fournisseur", Decimal(0), Decimal(100_000)),
    )
    with pytest.raises(InvalidInput) as refused:
        check_opening(purchase, dt.date(2026, 3, 15), start)
    said = {e.field: e.message for e in refused.value.errors}
    assert said == {
        "date_comptable": "Le journal des à-nouveaux ne prend que l'ouverture de l'exercice, datée du "
        "01/01/2026 : choisissez un autre journal.",
        "lignes[0].compte": "Le compte 6011 (classe 6) n'a pas sa place dans les à-nouveaux : comptes de "
        "bilan (classes 1 à 5) seulement.",
    }


def test_a_line_s_tiers_is_registered_on_its_account_or_a_sub_account_of_it():
    partners = {"C001": "4111", "F001": "401"}
    sale = [
        LineDraft("4111", "", Decimal(100), Decimal(0), "C001"),
        LineDraft("7011", "", Decimal(0), Decimal(100)),
    ]
    check_lines(sale, ACCOUNTS, posting=True, partners=partners)
    chart = {**ACCOUNTS, "4011": Account("4011", "Fournisseurs", postable=True, lettrable=True)}
    on_sub_account = [LineDraft("4011", "", Decimal(100), Decimal(0), "F001"), sale[1]]
    check_lines(on_sub_account, chart, posting=True, partners=partners)  # 4011 lies under 401
    wrong = [LineDraft("4111", "", Decimal(100), Decimal(0), "F001"), LineDraft("7011", "", 0, 100, "X")]
    with pytest.raises(InvalidInput) as refused:
        check_lines(wrong, ACCOUNTS, posting=True, partners=partners)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("lignes[0].tiers", "Le tiers F001 est tenu sur le compte 401, pas sur le compte 4111."),
        ("lignes[1].tiers", "Tiers inconnu : X (enregistrez-le dans les tiers d'abord)."),
    ]
    check_lines(wrong, ACCOUNTS, posting=True, partners=None)  # the books' own entries: not asked


def test_a_company_requiring_tiers_asks_for_one_on_lettrable_customer_and_supplier_lines_when_posting():
    cash = [LineDraft("4111", "", Decimal(100), Decimal(0)), LineDraft("7011", "", Decimal(0), Decimal(100))]
    check_lines(cash, ACCOUNTS, posting=True, partners={}, partners_required=False)
    check_lines(cash, ACCOUNTS, posting=False, partners={}, partners_required=True)  # a draft waits
    with pytest.raises(InvalidInput) as refused:
        check_lines(cash, ACCOUNTS, posting=True, partners={}, partners_required=True)
    assert [e.field for e in refused.value.errors] == ["lignes[0].tiers"]
