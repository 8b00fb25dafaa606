"""Entry numbers: gapless per journal and fiscal year, e.g. ``VTE-2026-000042``."""

from __future__ import annotations


def format_number(journal_code: str, fiscal_year_code: str, sequence: int) -> str:
    """The printed number of the ``sequence``-th posted entry of a journal in a fiscal year."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{journal_code}-{fiscal_year_code}-{sequence:06d}"
