"""Filing a VAT return with a tax administration: one adapter per country behind one
interface, and what each country's key enables today.

No public API for filing monthly VAT returns is documented for Côte d'Ivoire (e-impots),
Sénégal (etax) or Mali (the DGI's online filing): the returns are typed into the portals from
the PDF. Each adapter says so, keeps its key, and refuses to file with a clear reason — the
place where a documented API would plug in. In Côte d'Ivoire the key an installation is given
is most likely the FNE's (facture normalisée électronique: the DGI certifies each invoice by
API, ``POST …/external/invoices/sign``), which needs invoices, not a return.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from wisebook.ledger.errors import LedgerError


class FilingUnavailable(LedgerError):
    """No documented API files this country's return: it is filed by hand from the PDF."""

    status = 503


class FilingAdapter(Protocol):
    """What a country's filing adapter offers."""

    @property
    def country(self) -> str: ...

    @property
    def setting(self) -> str:
        """The environment variable of its key."""
        ...

    def capability(self, key_set: bool) -> str:
        """What its key enables today, in plain words."""
        ...

    def file(self, period: str, pdf: bytes) -> str:
        """File the return of ``period``; the administration's reference."""
        ...


@dataclass(frozen=True)
class NoPublicApi:
    """A country whose administration documents no API for filing VAT returns."""

    country: str
    setting: str
    portal: str
    note: str = ""

    def capability(self, key_set: bool) -> str:
        kept = "clé présente, conservée" if key_set else "clé absente"
        text = (
            f"{kept} ; aucune API publique de dépôt de la déclaration de TVA n'est documentée :"
            f" la déclaration se saisit sur {self.portal} depuis son PDF"
        )
        return f"{text} ; {self.note}" if self.note else text

    def file(self, period: str, pdf: bytes) -> str:
        raise FilingUnavailable(
            f"Aucune API publique ne dépose la déclaration de TVA ({self.country}) : "
            f"saisissez-la sur {self.portal} depuis le PDF de la déclaration de {period}."
        )


ADAPTERS: dict[str, FilingAdapter] = {
    "CI": NoPublicApi(
        "CI",
        "CI_FISCAL_API_KEY",
        "e-impots.gouv.ci",
        "cette clé est sans doute celle de la FNE (certification des factures par la DGI), qui"
        " demande des factures : pas encore prise en charge",
    ),
    "SN": NoPublicApi("SN", "SN_FISCAL_API_KEY", "etax.gouv.sn"),
    "ML": NoPublicApi("ML", "ML_FISCAL_API_KEY", "le portail de télédéclaration de la DGI du Mali"),
}


def capabilities(keys: dict[str, str | None]) -> list[tuple[str, str, str]]:
    """For each country with an adapter: its key's variable, whether it is set, what it enables.
    ``keys`` maps the variable to its value (never shown)."""
    return [
        (
            adapter.setting,
            "définie" if keys.get(adapter.setting) else "absente",
            adapter.capability(bool(keys.get(adapter.setting))),
        )
        for adapter in ADAPTERS.values()
    ]
