"""Permissions, and which role of a company membership grants which."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """What a view requires; granted by the user's role in the current company, or (the
    installation's own) by being its operator."""

    READ = "lecture"
    DRAFT = "saisie"
    POST = "validation"
    CONFIGURE = "parametrage"
    VERIFY = "verification"
    EXPORT = "export"  # reports as CSV, XLSX or PDF files
    AUDIT = "audit"  # the audit log of every write
    ADMIN = "administration"
    RUNS = "taches"  # see background runs (the company's; the operator's: every one)
    RUNS_CONTROL = "taches_pilotage"  # retry or revoke them
    OPERATE = "exploitation"  # the installation: companies, backups (the operator only)


#: What the installation's operator may do without being a member of any company.
OPERATOR_PERMISSIONS = frozenset({Permission.RUNS, Permission.RUNS_CONTROL, Permission.OPERATE})


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission) - {Permission.OPERATE},
    "comptable": frozenset(
        {
            Permission.READ,
            Permission.DRAFT,
            Permission.POST,
            Permission.CONFIGURE,
            Permission.VERIFY,
            Permission.EXPORT,
            Permission.RUNS,
        }
    ),
    "assistant": frozenset({Permission.READ, Permission.DRAFT, Permission.RUNS}),
    "lecteur": frozenset({Permission.READ, Permission.RUNS}),
    "auditeur": frozenset(
        {Permission.READ, Permission.VERIFY, Permission.EXPORT, Permission.AUDIT, Permission.RUNS}
    ),
}
