"""WiseBook 3.0: SYSCOHADA bookkeeping for OHADA businesses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.router import Router
from sqlalchemy.engine import Engine

from wisebook import settings as settings_module
from wisebook.about import version

__all__ = ["main", "make_config", "version"]


def make_config(overrides: Mapping[str, Any] | None = None, engine: Engine | None = None) -> Configurator:
    """The Pyramid configuration of the application, settings resolved and checked."""
    resolved = settings_module.load(overrides)
    # tm.annotate_user off: pyramid_tm would read the caller before the route is matched (for a
    # note nobody reads), so before a view may say it reads without a transaction (web.reads).
    config = Configurator(
        settings={"tm.commit_veto": "pyramid_tm.default_commit_veto", "tm.annotate_user": False}
    )
    config.registry.wisebook_settings = resolved
    if engine is not None:
        config.registry.db_engine = engine
    config.include(".db")
    config.include(".web")
    return config


def main(global_config: Mapping[str, Any] | None = None, **settings: Any) -> Router:
    """The WSGI application factory (``wisebook:main``): logs and error reports set up first."""
    from wisebook.observability import errors, logs

    resolved = settings_module.load(settings)
    logs.configure(resolved, "web")
    errors.init(resolved, "web")
    app: Router = make_config(settings).make_wsgi_app()
    return app
