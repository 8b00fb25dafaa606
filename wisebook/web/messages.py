"""The ledger's messages in the reader's language.

The ledger and the services speak French (the API's problems stay French, DESIGN §6). A page
shows their messages through the shapes listed here: each is a message as the ledger writes it,
its variable parts as ``${name}``; a message matching a shape is said with the shape's
translation, its parts kept. A message of no shape stays as it is (French), and
``tests/api/test_languages.py`` holds every shape to a message the code really raises.
"""

from __future__ import annotations

import re
from typing import Any

from pyramid.request import Request

from wisebook.web.i18n import _

SHAPES = (
    # entries
    _("L'écriture ne respecte pas les règles de saisie."),
    _("Une écriture a au plus ${n} lignes."),
    _("Une écriture a au moins deux lignes."),
    _("Une ligne porte un débit ou un crédit, pas les deux."),
    _("Une ligne porte un montant non nul au débit ou au crédit."),
    _("Compte inconnu : ${compte}."),
    _("Le compte ${compte} est un compte de regroupement : choisissez un de ses sous-comptes."),
    _("Écriture déséquilibrée : débit ${debit}, crédit ${credit} (écart ${ecart})."),
    _("Tiers inconnu : ${code} (enregistrez-le dans les tiers d'abord)."),
    _("Le tiers ${code} est tenu sur le compte ${collectif}, pas sur le compte ${compte}."),
    _("Le compte ${compte} demande un tiers : choisissez le client ou le fournisseur."),
    # banking
    _("Le rapprochement n'est pas possible."),
    _("Choisissez au moins une ligne du relevé."),
    _("Choisissez au moins une ligne comptable."),
    _("Choisissez le relevé à importer."),
    _("Ce relevé a déjà été importé dans ce compte."),
    _("Aucun exercice ne couvre le ${date}."),
    _("L'exercice ${exercice} est clôturé."),
    _("La période du ${debut} au ${fin} est verrouillée."),
    _("Journal inconnu : ${code}."),
    _("Le libellé de l'écriture est obligatoire."),
    _("L'écriture ${numero} est déjà validée."),
    _("L'écriture ${numero} est déjà extournée par ${extourne}."),
    _("Seule une écriture validée s'extourne ; un brouillon se supprime."),
    _("L'écriture ${numero} est validée : elle ne se supprime pas, elle s'extourne."),
    _("Écriture introuvable : ${id}."),
    _("Le journal des à-nouveaux ne prend que l'ouverture de l'exercice."),
    _(
        "Le journal des à-nouveaux ne prend que l'ouverture de l'exercice, datée du ${date} : "
        "choisissez un autre journal."
    ),
    _(
        "Le compte ${compte} (classe ${classe}) n'a pas sa place dans les à-nouveaux : comptes de bilan "
        "(classes 1 à 5) seulement."
    ),
    # amounts and dates
    _("Montant invalide : « ${valeur} »."),
    _("Le montant ne peut pas être négatif."),
    _("Le montant dépasse la limite autorisée."),
    _("Trop de décimales : la devise ${devise} en admet ${n}."),
    _("Montant négatif « ${valeur} » : portez-le dans l'autre colonne."),
    _("Montant invalide « ${valeur} »."),
    _("Trop de décimales dans « ${valeur} » : la devise en admet ${n}."),
    _("Montant « ${valeur} » au-delà de la limite autorisée."),
    _("Montant ambigu « ${valeur} » : tapez ${grand} ou ${petit}."),
    _("Date invalide (AAAA-MM-JJ attendu)."),
    _("Date invalide : saisissez-la en JJ/MM/AAAA."),
    _("Curseur de pagination invalide."),
    _("Statut inconnu (brouillon ou validee)."),
    _("La limite va de 1 à ${n}."),
    # fiscal years and reports
    _("Exercice introuvable : ${exercice}."),
    _("Aucun exercice : créez-en un."),
    _("La date de début suit la date de fin."),
    _("La période demandée sort de l'exercice ${exercice} (${debut} – ${fin})."),
    _("La date ${date} sort de l'exercice ${exercice} (${debut} – ${fin})."),
    _("Plage de comptes invalide : ${plage}. Écrivez un compte (4111) ou une plage (401-411)."),
    _("Plage de comptes à l'envers : ${debut} vient après ${fin}."),
    _("Année d'exercice invalide."),
    _("Mois de début invalide."),
    _("Un exercice commence le premier jour d'un mois."),
    _("Un exercice dure au plus 24 mois."),
    # chart of accounts and journals
    _("Le numéro de compte ne contient que des chiffres."),
    _("Le numéro de compte a de 1 à ${n} chiffres."),
    _("Le compte ${compte} existe déjà."),
    _("Un sous-compte se crée sous un compte existant d'au moins 2 chiffres."),
    _("Le compte ${compte} porte déjà des écritures : il ne peut pas recevoir de sous-compte."),
    _("Le libellé compte de 1 à 200 caractères."),
    _("Le compte ${compte} n'existe pas."),
    _("Le compte ${compte} fait partie du plan SYSCOHADA : il reste au plan ; renommez-le si besoin."),
    _("Le compte ${compte} a des sous-comptes : retirez-les d'abord."),
    _("Le compte ${compte} porte des écritures : il reste au plan ; renommez-le si besoin."),
    _("Le code journal compte 2 à 8 lettres ou chiffres."),
    _("Type de journal inconnu : ${type}."),
    _("Le libellé est obligatoire."),
    _("Le journal ${code} existe déjà."),
    # pièces justificatives
    _("Choisissez le fichier de la pièce."),
    _("Pièce introuvable."),
    _("Seuls les PDF et les images PNG, JPEG ou WebP sont acceptés."),
    _("Le fichier est vide."),
    _("Les pièces d'une écriture validée font partie de sa piste d'audit."),
    # imports
    _("Choisissez le fichier à importer."),
    _("Import introuvable."),
    _("Les lignes refusées de cet import ne sont plus disponibles."),
    _("Mode d'import : « tout » (tout ou rien) ou « valides »."),
    # year end
    _("L'exercice ${exercice} est déjà clôturé."),
    _("Clôturez d'abord l'exercice ${exercice}."),
    _("Brouillon n° ${id} du ${date} « ${libelle} » : validez-le ou supprimez-le."),
    _("Le total des débits diffère du total des crédits."),
    _("Le compte d'attente ${compte} a un solde débiteur de ${solde} : soldez-le."),
    _("Le compte d'attente ${compte} a un solde créditeur de ${solde} : soldez-le."),
    _("Clôturez d'abord l'exercice ${exercice} : son résultat n'est pas encore connu."),
    _("L'exercice ${exercice} n'est pas clôturé."),
    _("Rouvrez d'abord l'exercice ${exercice}."),
    _("La réserve légale reçoit au moins ${solde} (un dixième du bénéfice, jusqu'au cinquième du capital)."),
    _("La répartition (${solde}) doit égaler le bénéfice à affecter (${ecart})."),
    _("Affectation du résultat invalide."),
    _("L'exercice ${exercice} est clôturé : ses périodes le sont toutes."),
    _("Aucune période ne correspond."),
    _("Montant positif ou nul attendu."),
    _("Choisissez un mois."),
    # lettrage
    _("Lettrage partiel refusé : les lignes laissent un écart débiteur de ${ecart}."),
    _("Lettrage partiel refusé : les lignes laissent un écart créditeur de ${ecart}."),
    _("Le compte ${compte} ne se lettre pas (comptes de tiers seulement)."),
    _("Un lettrage réunit au moins deux lignes."),
    _("Choisissez au moins deux lignes à lettrer."),
    _("Ligne(s) déjà lettrée(s) (${codes}) : délettrez d'abord."),
    _("Un lettrage se fait pour un seul tiers, pas ${tiers}."),
    _("Lettrage introuvable."),
    _("Numéro de compte attendu."),
    _("Compte ${compte} introuvable."),
    _("Ce lettrage touche un exercice clôturé : il ne se défait plus."),
    # company, users
    _("Le nom de la société compte de 2 à 200 caractères."),
    _("Pays hors de l'espace OHADA : ${pays}."),
    _("Devise non prise en charge : ${devise}."),
    _("Devise inconnue : ${devise}."),
    _("Adresse e-mail invalide : « ${email} »."),
    _("Le mot de passe compte au moins ${n} caractères."),
    _("Le mot de passe actuel est incorrect."),
    _("Le nouveau mot de passe doit différer de l'actuel."),
    _("Un utilisateur ${email} existe déjà."),
    _("Rôle inconnu : ${role}."),
    _("La société garde au moins un administrateur."),
    _("Votre propre rôle se change par un autre administrateur."),
    _("Vous ne pouvez pas retirer votre propre accès."),
    _("Utilisateur inconnu dans cette société."),
    _("Utilisateur inconnu."),
    _("Action inconnue."),
    _("Trop de demandes. Réessayez dans ${n} s."),
    _("Trop de demandes de connexion depuis cette adresse. Réessayez dans ${n} s."),
    _("Trop de tentatives de connexion. Réessayez dans ${n} s."),
    _("Lien invalide, déjà utilisé ou expiré : demandez-en un autre."),
    _("Lien invalide, déjà utilisé ou expiré : demandez une nouvelle invitation."),
    _("Mot de passe incorrect : saisissez celui de votre compte WiseBook."),
    _("${email} est déjà membre de cette société."),
    _("La société « ${nom} » existe déjà."),
    _("Année d'exercice invalide."),
)


def _pattern(shape: str) -> re.Pattern[str]:
    """The regular expression of a shape: its text as is, each ``${name}`` a group."""
    parts = re.split(r"\$\{(\w+)\}", shape)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(regex, re.DOTALL)


_PATTERNS = [(_pattern(str(shape)), shape) for shape in SHAPES]


#: The parts of a shape that are amounts the ledger wrote grouped the French way (118 000,50):
#: said again grouped the reader's way. What the accountant typed (``valeur``) stays as typed.
AMOUNT_PARTS = frozenset({"debit", "credit", "ecart", "solde"})
_FRENCH_AMOUNT = re.compile(r"-?\d{1,3}(?:\u202f\d{3})*(?:,\d+)?")


def _regrouped(text: str) -> str:
    """``118 000,50`` (French) → ``118,000.50`` (English)."""
    if not _FRENCH_AMOUNT.fullmatch(text):
        return text
    return text.replace(",", ".").replace("\u202f", ",")


def said(request: Request, message: str) -> str:
    """A message of the ledger or services in the page's language."""
    if request.locale_name == "fr" or not message:
        return message
    for pattern, shape in _PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            parts = {k: _regrouped(v) if k in AMOUNT_PARTS else v for k, v in found.groupdict().items()}
            return str(request.localizer.translate(_(str(shape), mapping=parts)))
    return message


def field_messages(request: Request, exc: Any, fields: dict[str, str] | None = None) -> dict[str, str]:
    """A refusal's messages by form field (``fields`` renames the service's fields), the
    refusal itself under ``formulaire``, all in the page's language."""
    fields = fields or {}
    errors = {fields.get(e.field, e.field): said(request, e.message) for e in exc.errors}
    errors.setdefault("formulaire", said(request, exc.message))
    return errors
