"""The refused rows of an import, as a file the accountant corrects and imports again: each
refused row of the file as it was read, in WiseBook's own layout, after its line number in the
original file and the reasons it was refused."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from wisebook.services.imports import read

#: The file's columns: where the row was and why, then the row in WiseBook's layout.
HEADER = ("ligne_origine", "motifs", *read.FIELDS)


def _text(value: Any) -> str:
    """A cell as a French spreadsheet reads it back: dates JJ/MM/AAAA, a decimal comma."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        return str(value).replace(".", ",")
    return str(value)


def write(source_path: Path, rejections: Iterable[dict[str, Any]], target: Path) -> int:
    """Write the rows of ``source_path`` that ``rejections`` (the report's ``rejets``) name,
    with every other row of a refused entry (an entry is imported whole), into ``target`` (CSV,
    « ; », UTF-8 with its mark for spreadsheets), in file order; how many."""
    reasons: dict[int, list[str]] = {}
    entries: set[str] = set()
    for rejection in rejections:
        for number in rejection.get("lignes") or [rejection["ligne"]]:
            reasons.setdefault(int(number), []).extend(rejection["motifs"])
        if rejection.get("ecriture"):
            entries.add(str(rejection["ecriture"]))
    if not reasons:
        return 0
    written = 0
    source = read.open_source(source_path)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADER)
        for number, fields in read.rows(source):
            if number in reasons or _text(fields[0]).strip() in entries:
                said = "; ".join(dict.fromkeys(reasons.get(number, []))) or "écriture refusée"
                out.writerow([number, said, *map(_text, fields)])
                written += 1
    target.chmod(0o640)
    return written
