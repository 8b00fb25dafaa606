"""Permissions, and which role of a company membership grants which."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """What a view requires; granted by the user's role in the current company."""

    READ = "lecture"
    DRAFT = "saisie"
    POST = "validation"
    CONFIGURE = "parametrage"
    VERIFY = "verification"
    EXPORT = "export"  # reports as CSV, XLSX or PDF files
    AUDIT = "audit"  # the audit log of every write
    ADMIN = "administration"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "comptable": frozenset(
        {
            Permission.READ,
            Permission.DRAFT,
            Permission.POST,
            Permission.CONFIGURE,
            Permission.VERIFY,
            Permission.EXPORT,
        }
    ),
    "assistant": frozenset({Permission.READ, Permission.DRAFT}),
    "lecteur": frozenset({Permission.READ}),
    "auditeur": frozenset({Permission.READ, Permission.VERIFY, Permission.EXPORT, Permission.AUDIT}),
}
