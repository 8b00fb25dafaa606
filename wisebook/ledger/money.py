"""Exact money: Decimal in Python, integer minor units in storage, strings in JSON."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import partial

from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.text import is_digits

#: Minor-unit exponent of each currency used in the OHADA zone and around it (ISO 4217).
CURRENCIES: dict[str, int] = {
    "XOF": 0,  # franc CFA BCEAO
    "XAF": 0,  # franc CFA BEAC
    "KMF": 0,  # franc comorien
    "GNF": 0,  # franc guinéen
    "CDF": 2,  # franc congolais
    "EUR": 2,
    "USD": 2,
}

#: Largest amount accepted on one line, in currency units: far above any real invoice,
#: far below what a 64-bit minor-unit column holds.
MAX_UNITS = Decimal(10) ** 15


def D(value: str | int | Decimal) -> Decimal:
    """Build a Decimal from a string, an int or a Decimal; never from a float."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise TypeError(f"montant non exact : {value!r}")
    return Decimal(value)


def exponent(currency: str) -> int:
    """Decimal places of ``currency``; unknown currencies are an input error."""
    try:
        return CURRENCIES[currency]
    except KeyError:
        raise InvalidInput(f"Devise inconnue : {currency}.", field="devise") from None


def parse_amount(value: object, currency: str, field: str = "montant") -> Decimal:
    """Parse an amount given as a string or JSON number; refuse anything inexact or negative.

    Trailing zeros beyond the currency's precision are accepted (``"150000.00"`` in XOF is
    exact); any other extra decimal is refused, never rounded.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InvalidInput("Le montant doit être une chaîne ou un nombre.", field=field)
    if isinstance(value, str):
        text = value.strip()
        if not text or not all(c in "0123456789.-+" for c in text) or text.count(".") > 1:
            raise InvalidInput(f"Montant invalide : « {value} ».", field=field)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(f"Montant invalide : « {value} ».", field=field) from None
    else:
        amount = Decimal(value)
    if not amount.is_finite():
        raise InvalidInput("Le montant doit être un nombre fini.", field=field)
    if amount < 0:
        raise InvalidInput("Le montant ne peut pas être négatif.", field=field)
    if amount >= MAX_UNITS:
        raise InvalidInput("Le montant dépasse la limite autorisée.", field=field)
    places = exponent(currency)
    quantum = Decimal(1).scaleb(-places)
    if amount != amount.quantize(quantum):
        raise InvalidInput(f"Trop de décimales : la devise {currency} en admet {places}.", field=field)
    return amount.quantize(quantum)


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal amount → integer minor units (exact; refuses what would need rounding)."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidInput(f"Trop de décimales pour la devise {currency}.")
    return int(scaled)


def from_minor(units: int, currency: str) -> Decimal:
    """Integer minor units → Decimal amount with the currency's precision."""
    places = exponent(currency)
    return Decimal(units).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def comma_decimal(units: int, places: int) -> str:
    """Integer minor units in the French file form: decimal comma, no grouping (``-1234,50``)."""
    if places == 0:
        return str(units)
    sign = "-" if units < 0 else ""
    whole, cents = divmod(abs(units), 10**places)
    return f"{sign}{whole},{cents:0{places}d}"


def grouped(amount: Decimal) -> str:
    """An amount as a French message writes it: thousands grouped by a narrow no-break space,
    a decimal comma (``118 000``, ``1 250,50``, ``-18 000``)."""
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):f}".partition(".")
    text = f"{int(whole):,}".replace(",", "\u202f")
    return f"{sign}{text},{cents}" if cents else f"{sign}{text}"


def to_json(units: int, currency: str) -> str:
    """Integer minor units → the JSON string form: ``"150000"`` (XOF), ``"1250.50"`` (EUR):
    ``str(from_minor(...))`` written with integers (a report of 5 000 tiers writes 30 000)."""
    places = exponent(currency)
    if places == 0:
        return str(units)
    whole, fraction = divmod(abs(units), 10**places)
    return f"{'-' if units < 0 else ''}{whole}.{fraction:0{places}d}"


def json_writer(currency: str) -> Callable[[int], str]:
    """``to_json`` for one currency, its exponent looked up once: a report of 5 000 tiers
    writes 30 000 amounts (``str`` itself for the franc CFA, which has no decimals)."""
    places = exponent(currency)
    return str if places == 0 else partial(to_json, currency=currency)


#: Spaces that group thousands in files typed or exported by French-speaking tools.
GROUP_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")


#: Thousands grouped by dots (1.234.567, 25.000), and a separator followed by exactly three
#: digits (25.000, 25,000): a group of thousands or three decimals, which a person may mean.
_DOT_GROUPS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
_THREE_AFTER = re.compile(r"([1-9]\d{0,2})[.,](\d{3})")


def _spaced(units: int) -> str:
    """Thousands grouped by a narrow no-break space, as the pages show amounts."""
    return f"{units:,}".replace(",", "\u202f")


def minor_from_text(text: str, places: int) -> int:
    """An amount as a person or a file writes it (``1 234 567,50``, ``1234567.50``,
    ``1.234.567,50``) → integer minor units; ``ValueError`` with a French reason for anything else.

    Spaces group thousands; a comma is the decimal mark, or a dot when there is no comma. In a
    currency without decimals (XOF, XAF) dots group thousands too: « 25.000 » is 25 000. Where
    a separator followed by three digits reads as two amounts the currency has (« 25,000 » in
    XOF, « 25.000 » or « 25,500 » in EUR: 25 000, or 25?), the amount is refused with both
    readings, never taken for the smaller. Negative amounts are refused (the other column says which side), and so is
    any decimal the currency does not have, rather than rounded."""
    raw = text
    text = text.translate(GROUP_SPACES)
    if not text:
        return 0
    if is_digits(text):
        return _bounded(int(text) * int(10**places), raw, places)
    if text.startswith("-"):
        raise ValueError(f"montant négatif « {raw} » : portez-le dans l'autre colonne")
    if places == 0 and _DOT_GROUPS.fullmatch(text):
        return _bounded(int(text.replace(".", "")), raw, places)
    ambiguous = _THREE_AFTER.fullmatch(text)
    if ambiguous and len(ambiguous.group(2).rstrip("0")) <= places:  # both readings are amounts
        whole, decimals = ambiguous.group(1), ambiguous.group(2).rstrip("0")
        large, small = _spaced(int(whole + ambiguous.group(2))), whole + ("," + decimals if decimals else "")
        raise ValueError(f"montant ambigu « {raw} » : tapez {large} ou {small}")
    if "," in text:
        whole, _, fraction = text.partition(",")
        if "." in whole:  # 1.234.567,50: dots group thousands
            groups = whole.split(".")
            if not groups[0] or any(len(g) != 3 for g in groups[1:]):
                raise ValueError(f"montant invalide « {raw} »")
            whole = "".join(groups)
    else:
        whole, _, fraction = text.partition(".")
    if not is_digits(whole) or (fraction and not is_digits(fraction)):
        raise ValueError(f"montant invalide « {raw} »")
    significant = fraction.rstrip("0")
    if len(significant) > places:
        raise ValueError(f"trop de décimales dans « {raw} » : la devise en admet {places}")
    units = int(whole) * int(10**places) + (int(significant.ljust(places, "0")) if places else 0)
    return _bounded(units, raw, places)


def _bounded(units: int, raw: str, places: int) -> int:
    if units >= MAX_UNITS.scaleb(places):
        raise ValueError(f"montant « {raw} » au-delà de la limite autorisée")
    return units


def minor_from_number(value: Decimal, places: int) -> int:
    """A number a machine wrote (an XLSX cell): its dot is always the decimal mark."""
    if not value.is_finite():
        raise ValueError(f"montant invalide « {value} »")
    if value < 0:
        raise ValueError(f"montant négatif « {value} » : portez-le dans l'autre colonne")
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"trop de décimales dans « {value} » : la devise en admet {places}")
    return _bounded(int(scaled), str(value), places)
