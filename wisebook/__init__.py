"""WiseBook 3.0: SYSCOHADA bookkeeping for OHADA businesses."""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyramid.config import Configurator
from pyramid.router import Router
from sqlalchemy.engine import Engine

from . import settings as settings_module


def version() -> str:
    """The installed version of WiseBook: the package's (``VERSION`` beside the frozen program,
    written by packaging/build-deb.sh), else the Python distribution's."""
    if getattr(sys, "frozen", False):
        try:
            return (Path(sys.executable).parent / "VERSION").read_text(encoding="utf-8").strip()
        except OSError:
            pass
    try:
        return importlib.metadata.version("wisebook")
    except importlib.metadata.PackageNotFoundError:  # a frozen bundle without metadata
        return "3.0.0"


def make_config(overrides: Mapping[str, Any] | None = None, engine: Engine | None = None) -> Configurator:
    """The Pyramid configuration of the application, settings resolved and checked."""
    resolved = settings_module.load(overrides)
    config = Configurator(settings={"tm.commit_veto": "pyramid_tm.default_commit_veto"})
    config.registry.wisebook_settings = resolved
    if engine is not None:
        config.registry.db_engine = engine
    config.include(".db")
    config.include(".web")
    return config


def main(global_config: Mapping[str, Any] | None = None, **settings: Any) -> Router:
    """The WSGI application factory (``wisebook:main``): logs and error reports set up first."""
    from .observability import errors, logs

    resolved = settings_module.load(settings)
    logs.configure(resolved, "web")
    errors.init(resolved, "web")
    app: Router = make_config(settings).make_wsgi_app()
    return app
