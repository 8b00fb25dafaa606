"""The HTTP face of WiseBook: JSON API, pages, errors, security. Nothing imports it but ``main``."""

from __future__ import annotations

from typing import Any

from pyramid_retry import mark_error_retryable

from wisebook.services.platform.idempotency import KeyInFlight


def includeme(config: Any) -> None:
    """Register the web layer, in order: renderers, tweens, errors, security, routes and views."""
    from wisebook.tasks.queue import Queue

    registry = config.registry
    if getattr(registry, "wisebook_queue", None) is None:
        registry.wisebook_queue = Queue(registry.wisebook_settings, registry.db_engine)
    config.include(".renderers")
    config.include(".tweens.observe")
    config.include(".tweens.limits")
    config.include(".tweens.headers")
    config.include(".tweens.audit")
    config.include(".problems")
    config.include(".security")
    config.include(".sessions")
    config.include(".routes")
    config.include(".reads")
    config.include(".api.contract")
    config.include(".api.meta")
    config.include(".api.auth")
    config.include(".api.books")
    config.include(".api.entries")
    config.include(".api.reports")
    config.include(".api.dashboard")
    config.include(".api.audit")
    config.include(".api.keys")
    config.include(".api.members")
    config.include(".api.companies")
    config.include(".api.hooks")
    config.include(".api.tasks")
    config.include(".api.lettering")
    config.include(".api.attachments")
    config.include(".api.imports")
    config.include(".api.tiers")
    config.include(".api.banking")
    config.include(".api.tax")
    config.include(".api.assets")
    config.include(".i18n")
    config.include(".ui")
    config.include(".renderers.templates")
    config.include(".pages.tasks")
    config.include(".pages.home")
    config.include(".pages.entries")
    config.include(".pages.reports")
    config.include(".pages.books")
    config.include(".pages.lettering")
    config.include(".pages.tiers")
    config.include(".pages.banking")
    config.include(".pages.tax")
    config.include(".pages.assets")
    config.include(".pages.years")
    config.include(".pages.imports")
    config.include(".pages.control")
    config.include(".pages.users")
    config.include(".pages.operator")
    config.include(".pages.wizard")
    mark_error_retryable(KeyInFlight)  # the retry finds the first request's stored answer
