"""The dashboard's SVG charts: round axis steps, bars below zero for a loss, text escaped."""

from __future__ import annotations

from wisebook.web.pages.charts import Series, chart, nice_step


def test_axis_steps_are_one_two_or_five_times_a_power_of_ten():
    assert [nice_step(s) for s in (0, 7, 40, 950, 118_000, 2_500_000)] == [1, 2, 10, 500, 50_000, 1_000_000]


def test_a_loss_is_drawn_below_the_zero_line_and_every_text_is_escaped():
    drawn = str(chart("bar", "Résultat <mois>", ["janv.", "févr."], [Series("R&D", [500, -300], "s")], str))
    assert 'class="s negatif"' in drawn and drawn.count("<rect") == 2
    assert "Résultat &lt;mois&gt;" in drawn and "R&amp;D" in drawn and "<mois>" not in drawn
    assert ">-400</text>" in drawn  # the axis goes down to the next round step under the loss


def test_a_month_without_a_figure_is_left_out_of_a_line():
    drawn = str(chart("line", "T", ["a", "b", "c"], [Series("N-1", [1, None, 3], "n1")], str))
    assert drawn.count("<circle") == 2


def test_the_axis_speaks_in_round_short_steps_and_the_points_keep_their_exact_figure():
    drawn = str(
        chart("line", "T", ["janv"], [Series("N", [12_345_678], "n")], str, lambda v: f"{v // 10**6} M")
    )
    assert [t for t in ("0 M", "5 M", "10 M", "15 M") if f">{t}</text>" in drawn] == [
        "0 M",
        "5 M",
        "10 M",
        "15 M",
    ]
    assert "N · janv : 12345678</title>" in drawn  # the tooltip: the exact figure
