"""Depreciation plans computed by hand: straight line prorata temporis by days, declining
balance with its switch to the straight line, units of production, what is due at a date, and
the faults of a plan that does not fit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from wisebook.ledger import assets

COEFFICIENTS = {3: Decimal("1.5"), 5: Decimal("2"), 7: Decimal("2.5")}


def rows(found):
    return [(y.start.year, y.opening, y.annuity, y.accumulated, y.closing) for y in found]


def test_a_vehicle_bought_on_15_march_over_four_years_straight_line():
    """20 000 000 over 4 years from 15/03/2026: the yearly annuity is 5 000 000.
    2026: 292 days in service (15/03 to 31/12) of 365 → 5 000 000 × 292 / 365 = 4 000 000.
    2027, 2028 (366 days, all in service), 2029: 5 000 000 each.
    2030: the plan ends on 14/03/2030; what is left: 1 000 000 (73 days of 365)."""
    plan = assets.Plan(assets.LINEAR, 20_000_000, 0, dt.date(2026, 3, 15), life=4)
    found = assets.schedule(plan, assets.windows_for(plan))
    assert rows(found) == [
        (2026, 20_000_000, 4_000_000, 4_000_000, 16_000_000),
        (2027, 16_000_000, 5_000_000, 9_000_000, 11_000_000),
        (2028, 11_000_000, 5_000_000, 14_000_000, 6_000_000),
        (2029, 6_000_000, 5_000_000, 19_000_000, 1_000_000),
        (2030, 1_000_000, 1_000_000, 20_000_000, 0),
    ]
    # at 30/06/2026: 108 days of the 292 of 2026 → 4 000 000 × 108 / 292 = 1 479 452,05
    assert assets.due_at(plan, assets.windows_for(plan), dt.date(2026, 6, 30)) == 1_479_452
    assert assets.due_at(plan, assets.windows_for(plan), dt.date(2027, 12, 31)) == 9_000_000
    assert assets.due_at(plan, assets.windows_for(plan), dt.date(2031, 1, 1)) == 20_000_000


def test_equipment_on_declining_balance_switches_to_the_straight_line():
    """10 000 000 over 5 years, coefficient 2 (rate 40 %), in service 1 April 2026 (9 months).
    2026: 10 000 000 × 40 % × 9/12 = 3 000 000 (straight line would give 1 500 000).
    2027: 7 000 000 × 40 % = 2 800 000 (straight line 7 000 000 / 4 = 1 750 000).
    2028: 4 200 000 × 40 % = 1 680 000 (straight line 4 200 000 / 3 = 1 400 000).
    2029: 2 520 000 × 40 % = 1 008 000 < 2 520 000 / 2 = 1 260 000: the straight line from now.
    2030: 1 260 000, the rest."""
    plan = assets.Plan(assets.DECLINING, 10_000_000, 0, dt.date(2026, 4, 1), life=5, coefficient=Decimal(2))
    found = assets.schedule(plan, assets.windows_for(plan))
    assert [y.annuity for y in found] == [3_000_000, 2_800_000, 1_680_000, 1_260_000, 1_260_000]
    assert found[-1].closing == 0 and found[-1].start.year == 2030
    # June 2026 is the third of the nine months of 2026: 3 000 000 × 3 / 9
    assert assets.due_at(plan, assets.windows_for(plan), dt.date(2026, 6, 30)) == 1_000_000
    assert assets.coefficient_for(5, COEFFICIENTS) == Decimal(2)
    assert assets.coefficient_for(4, COEFFICIENTS) == Decimal("1.5")
    assert assets.coefficient_for(10, COEFFICIENTS) == Decimal("2.5")


def test_a_residual_value_is_not_depreciated_and_units_of_production_follow_the_units():
    """A truck of 12 000 000 with a residual value of 2 000 000 over 5 years from 1 January:
    10 000 000 / 5 = 2 000 000 a year, 2 000 000 left in the books at the end.
    A press of 6 000 000 expected to make 100 000 pieces: 30 000, 50 000, then 20 000:
    1 800 000, 3 000 000, 1 200 000."""
    truck = assets.Plan(assets.LINEAR, 12_000_000, 2_000_000, dt.date(2026, 1, 1), life=5)
    found = assets.schedule(truck, assets.windows_for(truck))
    assert [y.annuity for y in found] == [2_000_000] * 5 and found[-1].closing == 2_000_000
    press = assets.Plan(
        assets.UNITS,
        6_000_000,
        0,
        dt.date(2026, 1, 1),
        units_total=100_000,
        units={2026: 30_000, 2027: 50_000, 2028: 20_000},
    )
    assert [y.annuity for y in assets.schedule(press, assets.windows_for(press))] == [
        1_800_000,
        3_000_000,
        1_200_000,
    ]


def test_a_plan_that_does_not_fit_says_each_fault_by_its_field():
    wrong = assets.Plan(assets.LINEAR, 1_000_000, 1_500_000, dt.date(2026, 1, 1), life=0)
    assert dict(assets.plan_faults(wrong, dt.date(2026, 2, 1))) == {
        "valeur_residuelle": "la valeur résiduelle doit rester inférieure à la valeur brute",
        "duree": "la durée d'utilisation est d'au moins un an",
        "mise_en_service": "la mise en service ne précède pas l'acquisition",
    }
    short = assets.Plan(assets.DECLINING, 1_000_000, 0, dt.date(2026, 1, 1), life=2)
    assert [f for f, _ in assets.plan_faults(short, None, COEFFICIENTS)] == ["duree"]
    unknown = assets.Plan("annuel", 0, 0, dt.date(2026, 1, 1), life=3)
    assert [f for f, _ in assets.plan_faults(unknown)] == ["methode", "valeur_brute"]
    assert (
        assets.plan_faults(
            assets.Plan(assets.DECLINING, 1_000, 0, dt.date(2026, 1, 1), life=4), None, COEFFICIENTS
        )
        == []
    )


def test_a_change_of_plan_with_a_write_down_depreciates_what_is_left_from_its_date():
    """The vehicle above (20 000 000 from 15/03/2026 over 4 years): 9 000 000 depreciated by
    31/12/2027, 11 000 000 left. On 01/01/2028 an exceptional write-down of 2 000 000 and a new
    remaining life of 3 years: the 9 000 000 left go 3 000 000 a year in 2028, 2029, 2030.
    At 30/06/2028: 9 000 000 + 3 000 000 × 182 / 366 = 10 491 803."""
    revised = assets.Plan(
        assets.LINEAR,
        20_000_000,
        0,
        dt.date(2026, 3, 15),
        life=4,
        revisions=(assets.Revision(dt.date(2028, 1, 1), 3, 0, 2_000_000),),
    )
    windows = assets.windows_for(revised)
    assert rows(assets.schedule(revised, windows)) == [
        (2026, 20_000_000, 4_000_000, 4_000_000, 16_000_000),
        (2027, 16_000_000, 5_000_000, 9_000_000, 11_000_000),
        (2028, 11_000_000, 3_000_000, 12_000_000, 6_000_000),
        (2029, 6_000_000, 3_000_000, 15_000_000, 3_000_000),
        (2030, 3_000_000, 3_000_000, 18_000_000, 0),
    ]
    assert assets.due_at(revised, windows, dt.date(2028, 6, 30)) == 10_491_803
    assert assets.due_at(revised, windows, dt.date(2027, 12, 31)) == 9_000_000
    original = assets.Plan(assets.LINEAR, 20_000_000, 0, dt.date(2026, 3, 15), life=4)
    assert assets.revision_faults(original, assets.Revision(dt.date(2026, 1, 1), 0, 0, 0), windows) == [
        ("date", "le changement de plan vient après le 15/03/2026"),
        ("duree", "la durée restante est d'au moins un an"),
    ]
    assert [
        f
        for f, _ in assets.revision_faults(
            original, assets.Revision(dt.date(2028, 1, 1), 3, 0, 12_000_000), windows
        )
    ] == ["depreciation"]
