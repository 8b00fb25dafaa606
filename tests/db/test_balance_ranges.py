"""The balance of any date range equals the sums of its lines, however the months are cut."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from sqlalchemy import select

from tests.api.test_statements import post
from wisebook.db import models
from wisebook.services.books import years
from wisebook.services.reports import ledgers as reports

DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(0, 120, 3)]


def naive(session, company_id, start, end):
    """Opening (lines before ``start`` and à-nouveaux) and movements per account, from the lines."""
    sums = defaultdict(lambda: [0, 0, 0, 0])
    rows = session.execute(
        select(
            models.Account.code,
            models.Entry.entry_date,
            models.Journal.kind,
            models.Line.debit,
            models.Line.credit,
        )
        .join(models.Entry, models.Entry.id == models.Line.entry_id)
        .join(models.Journal, models.Journal.id == models.Entry.journal_id)
        .join(models.Account, models.Account.id == models.Line.account_id)
        .where(models.Entry.company_id == company_id, models.Entry.status == models.POSTED)
    )
    for code, day, kind, debit, credit in rows:
        if day > end:
            continue
        offset = 0 if day < start or kind == "a_nouveaux" else 2
        sums[code][offset] += debit
        sums[code][offset + 1] += credit
    return {
        code: (max(od - oc, 0), max(oc - od, 0), d, c)
        for code, (od, oc, d, c) in sums.items()
        if any((od, oc, d, c))
    }


def test_every_cut_gives_the_sums_of_the_lines(api, session, books):
    rng = random.Random(7)
    post(api, "AN", "2026-01-01", "À-nouveaux", ("5211", 900_000, 0), ("1013", 0, 900_000))
    for day in DAYS:
        amount = rng.randrange(1_000, 90_000)
        post(api, "VTE", day.isoformat(), "Vente", ("4111", amount, 0), ("7011", 0, amount))
        post(api, "BQ", day.isoformat(), "Encaissement", ("5211", amount // 2, 0), ("4111", 0, amount // 2))
    fy = years.get_fiscal_year(session, books.company_id, "2026")
    cuts = [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 1, 5), dt.date(2026, 1, 9)),  # one month cut twice, short inside
        (dt.date(2026, 1, 2), dt.date(2026, 1, 30)),  # one month cut twice, long inside
        (dt.date(2026, 2, 26), dt.date(2026, 3, 3)),  # two months cut near their edges
        (dt.date(2026, 2, 3), dt.date(2026, 4, 27)),
        (dt.date(2026, 3, 16), dt.date(2026, 3, 16)),
        (dt.date(2026, 4, 1), dt.date(2026, 4, 30)),  # whole month only
    ]
    for start, end in cuts:
        tb = reports.trial_balance(session, books.company_id, fy, start, end)
        got = {
            r.account: (r.opening_debit, r.opening_credit, r.debit, r.credit)
            for r in tb.rows
            if any((r.opening_debit, r.opening_credit, r.debit, r.credit))
        }
        assert got == naive(session, books.company_id, start, end), (start, end)
