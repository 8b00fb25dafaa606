"""Reading files of entries: CSV or XLSX, in the WiseBook layout or the FEC layout.

A file's rows come out as their line number (the header is line 1, as a spreadsheet counts)
and the eleven fields an import needs, in ``FIELDS`` order, whatever the columns are called in
the file or where they stand. CSV files may be separated by ``;`` (what French spreadsheets
write), ``,``, ``|`` (FEC) or tabs, and encoded in UTF-8 (with or without BOM), else in
Windows-1252, or ISO-8859-15 for a FEC. XLSX files are read from their first sheet, in
openpyxl's read-only mode (constant memory).
"""

from __future__ import annotations

import codecs
import csv
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from wisebook.ledger.errors import InvalidInput

#: What an import reads from each row, in this order.
FIELDS = (
    "ecriture",
    "journal",
    "date",
    "piece",
    "libelle",
    "compte",
    "libelle_ligne",
    "debit",
    "credit",
    "tiers",
    "nom_tiers",
    "taxe",
    "base",
)
REQUIRED = ("ecriture", "journal", "date", "libelle", "compte", "debit", "credit")


@dataclass(frozen=True)
class Layout:
    """A column layout: for each field, the header names it may bear (normalised)."""

    name: str
    columns: dict[str, tuple[str, ...]]
    #: Lines of one entry must agree on these fields (the FEC repeats a label per line).
    entry_fields: tuple[str, ...]


WISEBOOK = Layout(
    "wisebook",
    {
        "ecriture": ("ecriture", "numero_ecriture", "n_ecriture"),
        "journal": ("journal", "code_journal"),
        "date": ("date", "date_comptable"),
        "piece": ("piece", "reference", "numero_piece"),
        "libelle": ("libelle", "libelle_ecriture"),
        "compte": ("compte", "numero_compte"),
        "libelle_ligne": ("libelle_ligne",),
        "debit": ("debit",),
        "credit": ("credit",),
        "tiers": ("tiers", "compte_tiers"),
        "nom_tiers": ("nom_tiers", "tiers_nom", "libelle_tiers"),
        "taxe": ("taxe", "code_taxe", "code_tva"),
        "base": ("base", "base_taxable", "base_ht"),
    },
    ("journal", "date", "piece", "libelle"),
)
FEC = Layout(
    "fec",
    {
        "ecriture": ("ecriturenum",),
        "journal": ("journalcode",),
        "date": ("ecrituredate",),
        "piece": ("pieceref",),
        "libelle": ("ecriturelib",),
        "compte": ("comptenum",),
        "libelle_ligne": ("ecriturelib",),
        "debit": ("debit",),
        "credit": ("credit",),
        "tiers": ("compauxnum",),
        "nom_tiers": ("compauxlib",),
        # two columns WiseBook adds after the standard eighteen (a line's tax code and base)
        "taxe": ("codetaxe",),
        "base": ("basetaxe",),
    },
    ("date",),
)
LAYOUTS = {layout.name: layout for layout in (WISEBOOK, FEC)}
SEPARATORS = (";", "\t", "|", ",")


@dataclass(frozen=True)
class Source:
    """A file recognised as an import: its format, layout and where each field stands."""

    path: Path
    format: str  # csv | xlsx
    layout: Layout
    positions: tuple[int | None, ...]  # column of each of FIELDS (None: absent, optional)
    encoding: str | None = None
    separator: str | None = None


def _norm(name: object) -> str:
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode().lower()
    return "_".join(text.replace("°", " ").replace("-", " ").replace(".", " ").split())


def _positions(header: list[Any]) -> tuple[Layout, tuple[int | None, ...]]:
    names = [_norm(h) for h in header]
    layout = FEC if "journalcode" in names and "ecriturenum" in names else WISEBOOK
    positions: list[int | None] = []
    missing = []
    for field in FIELDS:
        found = next((names.index(alias) for alias in layout.columns[field] if alias in names), None)
        if found is None and field in REQUIRED:
            missing.append(layout.columns[field][0])
        positions.append(found)
    if missing:
        expected = ", ".join(dict.fromkeys(a[0] for a in layout.columns.values()))
        raise InvalidInput(
            f"Colonnes manquantes dans l'en-tête : {', '.join(dict.fromkeys(missing))}. "
            f"Disposition {'FEC' if layout is FEC else 'WiseBook'} attendue : {expected}.",
            field="fichier",
        )
    return layout, tuple(positions)


def _encoding(path: Path, fec: bool) -> str:
    """UTF-8 if the whole file decodes as such, else the legacy character set of the layout."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "iso-8859-15" if fec else "cp1252"
    return "utf-8-sig"


def open_source(path: Path) -> Source:
    """Recognise a file: XLSX by its zip signature, otherwise CSV; the header checked."""
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    if not head.strip():
        raise InvalidInput("Le fichier est vide.", field="fichier")
    if head.startswith(b"PK\x03\x04"):
        header = next(_xlsx_rows(path), None)
        if header is None:
            raise InvalidInput("La première feuille du classeur est vide.", field="fichier")
        layout, positions = _positions(list(header[1]))
        return Source(path, "xlsx", layout, positions)
    if b"\x00" in head:
        raise InvalidInput("Ce fichier n'est ni un CSV ni un classeur XLSX.", field="fichier")
    first = head.split(b"\n", 1)[0].decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")
    separator = max(SEPARATORS, key=first.count)
    if first.count(separator) == 0:
        raise InvalidInput(
            "En-tête illisible : séparez les colonnes par « ; », « , », « | » ou une tabulation.",
            field="fichier",
        )
    layout, positions = _positions(next(csv.reader([first], delimiter=separator)))
    return Source(path, "csv", layout, positions, _encoding(path, layout is FEC), separator)


#: Bounds a workbook is held to before openpyxl reads it (a few KB of zip can hold millions
#: of shared strings). A million-line import is well within them.
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024  # every member, uncompressed
MAX_XLSX_ROWS = 2_000_000
MAX_XLSX_COLUMNS = 200
MAX_XLSX_SHARED_STRINGS = 2_000_000
SHARED_STRINGS = "xl/sharedStrings.xml"


def check_workbook(path: Path) -> None:
    """Refuse a workbook past the bounds (a 422 naming the bound) from its zip directory and
    a streamed count of its shared strings, before any XML is parsed."""
    too_big = "Classeur refusé : {} dépasse la limite de {} ; découpez le fichier."
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(member.file_size for member in members)
            if total > MAX_XLSX_UNCOMPRESSED:
                limit = f"{MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} Mo"
                raise InvalidInput(too_big.format("sa taille décompressée", limit), field="fichier")
            if SHARED_STRINGS in archive.namelist():
                counted = 0
                with archive.open(SHARED_STRINGS) as strings:
                    tail = b""
                    while block := strings.read(1024 * 1024):
                        window = tail + block
                        counted += window.count(b"<si>") + window.count(b"<si ")
                        tail = block[-3:]  # a tag cut across two blocks is counted once
                        if counted > MAX_XLSX_SHARED_STRINGS:
                            limit = f"{MAX_XLSX_SHARED_STRINGS:,} textes".replace(",", " ")
                            raise InvalidInput(too_big.format("le nombre de textes", limit), field="fichier")
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
        raise InvalidInput(f"Classeur XLSX illisible : {type(exc).__name__}.", field="fichier") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_workbook(path)
    with path.open("rb") as handle:  # a handle: openpyxl would judge a path by its extension
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
            raise InvalidInput(f"Classeur XLSX illisible : {type(exc).__name__}.", field="fichier") from None
        try:
            for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
                if number > MAX_XLSX_ROWS:
                    raise InvalidInput(
                        f"Classeur refusé : plus de {MAX_XLSX_ROWS:,} lignes ; découpez le fichier.".replace(
                            ",", " "
                        ),
                        field="fichier",
                    )
                if len(row) > MAX_XLSX_COLUMNS:
                    raise InvalidInput(
                        f"Ligne {number} : plus de {MAX_XLSX_COLUMNS} colonnes ; le classeur est refusé.",
                        field="fichier",
                    )
                yield number, row
        finally:
            book.close()


def rows(source: Source) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Each data row that is not blank: its line number and its fields in ``FIELDS`` order
    (strings from a CSV; strings, numbers, dates or None from a XLSX)."""
    positions = source.positions
    if source.format == "xlsx":
        found = _xlsx_rows(source.path)
        next(found, None)
        for number, row in found:
            width = len(row)
            fields = tuple(row[i] if i is not None and i < width else None for i in positions)
            if any(v is not None and v != "" for v in fields):
                yield number, fields
        return
    number = 1
    with source.path.open(encoding=source.encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=source.separator or ";")
        try:
            next(reader, None)
            complete = None not in positions
            needed = max(i for i in positions if i is not None) + 1
            pick = itemgetter(*(i or 0 for i in positions))
            for number, cells in enumerate(reader, start=2):
                if complete and len(cells) >= needed:
                    fields = pick(cells)
                else:
                    width = len(cells)
                    fields = tuple(cells[i] if i is not None and i < width else "" for i in positions)
                if any(fields):
                    yield number, fields
        except csv.Error as exc:
            raise InvalidInput(f"Ligne {number + 1} illisible : {exc}.", field="fichier") from None
