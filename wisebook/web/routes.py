"""Every route of WiseBook (DESIGN §6); views attach to them in their own modules."""

from __future__ import annotations

from typing import Any

API = "/api/v1"
RUN_ID = "[0-9a-f]{32}"  # a background run's id (a UUID's hex)


def includeme(config: Any) -> None:
    """Declare the routes."""
    config.add_route("home", "/")
    config.add_route("setup", "/assistant/")
    config.add_route("health", "/health/")
    config.add_route("openapi", f"{API}/openapi.json")
    config.add_route("login", f"{API}/auth/login/")
    config.add_route("logout", f"{API}/auth/logout/")
    config.add_route("password", f"{API}/auth/mot-de-passe/")
    config.add_route("password_reset", f"{API}/auth/reinitialisation/")
    config.add_route("password_reset_confirm", f"{API}/auth/reinitialisation/confirmation/")
    config.add_route("invitations", f"{API}/invitations/")
    config.add_route("invitation_accept", f"{API}/invitations/acceptation/")
    config.add_route("dashboard", f"{API}/dashboard/")
    config.add_route("audit_log", f"{API}/journal-audit/")
    config.add_route("webhooks", f"{API}/webhooks/")
    config.add_route("webhook", f"{API}/webhooks/{{id:\\d{{1,18}}}}/")
    config.add_route("api_keys", f"{API}/cles-api/")
    config.add_route("api_key", f"{API}/cles-api/{{id:\\d{{1,18}}}}/")
    config.add_route("accounts", f"{API}/comptes/")
    config.add_route("journals", f"{API}/journaux/")
    config.add_route("fiscal_years", f"{API}/exercices/")
    config.add_route("entries", f"{API}/ecritures/")
    config.add_route("entry", f"{API}/ecritures/{{id:\\d{{1,18}}}}/")
    config.add_route("entry_post", f"{API}/ecritures/{{id:\\d{{1,18}}}}/validation/")
    config.add_route("entry_reverse", f"{API}/ecritures/{{id:\\d{{1,18}}}}/extourne/")
    config.add_route("report_balance", f"{API}/rapports/balance/")
    config.add_route("report_grand_livre", f"{API}/rapports/grand-livre/")
    config.add_route("report_journal", f"{API}/rapports/journal/")
    config.add_route("report_centralisateur", f"{API}/rapports/centralisateur/")
    config.add_route("report_bilan", f"{API}/rapports/bilan/")
    config.add_route("report_compte_de_resultat", f"{API}/rapports/compte-de-resultat/")
    config.add_route("report_flux_de_tresorerie", f"{API}/rapports/flux-de-tresorerie/")
    config.add_route("fiscal_year_closing", f"{API}/exercices/{{id:\\d{{1,18}}}}/cloture/")
    config.add_route("fiscal_year_reopen", f"{API}/exercices/{{id:\\d{{1,18}}}}/reouverture/")
    config.add_route("fiscal_year_allocation", f"{API}/exercices/{{id:\\d{{1,18}}}}/affectation/")
    config.add_route("fiscal_year_lock", f"{API}/exercices/{{id:\\d{{1,18}}}}/verrouillage/")
    config.add_route("fiscal_year_unlock", f"{API}/exercices/{{id:\\d{{1,18}}}}/deverrouillage/")
    config.add_route("tasks", f"{API}/taches/")
    config.add_route("task", f"{API}/taches/{{id:{RUN_ID}}}/")
    config.add_route("task_retry", f"{API}/taches/{{id:{RUN_ID}}}/relance/")
    config.add_route("task_revoke", f"{API}/taches/{{id:{RUN_ID}}}/annulation/")
    config.add_route("verification", f"{API}/verification/")
    config.add_route("backups", f"{API}/sauvegardes/")
    config.add_route("metrics", "/metrics")
    config.add_route("admin_tasks", "/admin/taches/")
    config.add_route("admin_task_action", f"/admin/taches/{{id:{RUN_ID}}}/{{action:relance|annulation}}/")
