"""A tiers' identifiers, checked where their format or checksum is known: the country's tax
number, the RCCM, bank accounts. python-stdnum checks what it covers (Sénégal's NINEA,
Guinea's NIF, France's SIREN and SIRET, IBANs); the others are checked against their
documented shape, and where no source gave one, only for being a plausible number.

Sources, verified on 2026-12-07:
- Côte d'Ivoire, NCC: « 7 chiffres et une lettre » (DGI, dgi.gouv.ci, foire aux questions).
- Bénin, IFU: 13 digits, the first 1–6 (the kind of person), then the year (décret
  2006-201; impots.finances.gouv.bj « tout savoir sur l'IFU », org-id.guide BJ-IFU); its last
  digit is a check digit whose rule is not published: not checked.
- Sénégal, NINEA (7 digits and a check digit, then the 3-character COFI): python-stdnum.
- Burkina Faso (IFU), Mali (NIF), Cameroun (NIU) and the other OHADA countries: no public
  source of the format was found; a number of 4 to 20 letters and digits is accepted.
- RCCM: the OHADA register's number names the country, the court's town, the year, the kind
  of registration (a letter) and a serial number (CI-ABJ-2026-B-12345; RB/COT/19 B 1234);
  separators vary by registry and are kept as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from stdnum import iban, numdb
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import siren, siret
from stdnum.gn import nifp
from stdnum.iso7064 import mod_97_10
from stdnum.sn import ninea

from wisebook.ledger.errors import InvalidInput


@dataclass(frozen=True)
class TaxNumber:
    """What a country calls its tax number, and how one is checked (returns it cleaned)."""

    name: str
    example: str
    check: Callable[[str], str]


def _shape(pattern: str, name: str, example: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        cleaned = re.sub(r"[\s.\-/]", "", text).upper()
        if not compiled.fullmatch(cleaned):
            raise ValueError(f"{name} mal formé : il s'écrit comme {example}.")
        return cleaned

    return check


def _stdnum(module: object, name: str, example: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        try:
            return str(module.validate(text))  # type: ignore[attr-defined]
        except ValidationError as exc:
            raise ValueError(f"{name} invalide ({_why(exc)}) : il s'écrit comme {example}.") from exc

    return check


def _why(exc: ValidationError) -> str:
    """python-stdnum's reason, in French."""
    for kind, said in (
        (InvalidChecksum, "clé de contrôle fausse"),
        (InvalidLength, "longueur fausse"),
        (InvalidFormat, "caractères inattendus"),
    ):
        if isinstance(exc, kind):
            return said
    return "une partie du numéro n'existe pas"


def _siren_or_siret(text: str) -> str:
    cleaned = re.sub(r"[\s.\-]", "", text)
    module, name = (siret, "SIRET") if len(cleaned) == 14 else (siren, "SIREN")
    return _stdnum(module, name, "732 829 320 ou 732 829 320 00074")(cleaned)


_PLAUSIBLE = r"[A-Z0-9]{4,20}"

TAX_NUMBERS: dict[str, TaxNumber] = {
    "CI": TaxNumber("NCC", "1234567 A", _shape(r"\d{7}[A-Z]", "NCC", "1234567 A (7 chiffres et une lettre)")),
    "SN": TaxNumber("NINEA", "3067221 2G2", _stdnum(ninea, "NINEA", "3067221 2G2")),
    "BJ": TaxNumber("IFU", "3200901353510", _shape(r"[1-6]\d{12}", "IFU", "3200901353510 (13 chiffres)")),
    "BF": TaxNumber("IFU", "00012345X", _shape(_PLAUSIBLE, "IFU", "00012345X")),
    "ML": TaxNumber("NIF", "081234567M", _shape(_PLAUSIBLE, "NIF", "081234567M")),
    "CM": TaxNumber("NIU", "M051200012345A", _shape(_PLAUSIBLE, "NIU", "M051200012345A")),
    "CG": TaxNumber("NIU", "M2005110000123456", _shape(_PLAUSIBLE, "NIU", "M2005110000123456")),
    "GN": TaxNumber("NIF", "693770885", _stdnum(nifp, "NIF", "693770885")),
    "FR": TaxNumber("SIREN", "732 829 320", _siren_or_siret),
}
OTHER = TaxNumber("NIF", "123456789", _shape(_PLAUSIBLE, "NIF", "123456789"))


def tax_number_kind(country: str) -> TaxNumber:
    """The tax number of a country (``NIF`` and a plausible shape where none is known)."""
    return TAX_NUMBERS.get(country, OTHER)


def check_tax_number(country: str, text: str, field: str = "numero_fiscal") -> str:
    """The tax number cleaned (spaces and separators out), or InvalidInput naming ``field``."""
    try:
        return tax_number_kind(country).check(text.strip())
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from exc


_RCCM = re.compile(r"[A-Z]{2}[-./ ]?[A-Z]{2,4}[-./ ]?(\d{2}|\d{4})[-./ ]?[A-Z]{1,2}[-./ ]?\d{1,7}")


def check_rccm(text: str, field: str = "rccm") -> str:
    """An RCCM number upper-cased: country, town, year, kind, serial (CI-ABJ-2026-B-12345)."""
    cleaned = " ".join(text.upper().split())
    if not _RCCM.fullmatch(cleaned):
        raise InvalidInput(
            "RCCM attendu sous la forme pays-ville-année-lettre-numéro, par exemple CI-ABJ-2026-B-12345.",
            field=field,
        )
    return cleaned


def check_bank_account(text: str, field: str = "comptes_bancaires") -> str:
    """An IBAN (its check digits verified; the registry's length where python-stdnum knows
    the country — the zone's IBANs are not in the registry) or a 23–24 character RIB."""
    cleaned = re.sub(r"[\s\-]", "", text).upper()
    rib = re.fullmatch(r"[A-Z0-9]{23,24}", cleaned) is not None  # banque, guichet, compte, clé
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", cleaned):
        if rib:
            return cleaned
        raise InvalidInput("IBAN (CI93 CI008 …) ou RIB de 24 caractères attendu.", field=field)
    try:
        if _in_registry(cleaned[:2]):
            return str(iban.validate(cleaned))
        mod_97_10.validate(cleaned[4:] + cleaned[:4])
    except ValidationError as exc:
        if rib and len(cleaned) < 25:  # a UEMOA RIB starts like an IBAN (CI008…): taken as one
            return cleaned
        raise InvalidInput(f"IBAN {cleaned[:4]}… invalide ({_why(exc)}).", field=field) from exc
    return cleaned


def _in_registry(country: str) -> bool:
    """Whether python-stdnum's IBAN registry describes the country (France does; the OHADA
    zone's IBANs, issued by its banks on the same ISO 13616 check digits, are not listed)."""
    return bool(numdb.get("iban").info(country)[0][1])
