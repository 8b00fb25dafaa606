"""Browser pages of the foundation: the setup wizard's start, the static files."""

from __future__ import annotations

import html
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from ..services import setup

PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · WiseBook</title>
<link rel="stylesheet" href="/static/wisebook.css"></head>
<body><h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(
        PAGE.format(title=html.escape(title), body=body),
        status=status,
        content_type="text/html",
        charset="utf-8",
    )


def setup_start(request: Request) -> Response:
    """The setup wizard's first step: how to configure the company (the full wizard comes later)."""
    if setup.is_done(request.db):
        return _page(
            "Assistant de configuration",
            '<p>WiseBook est déjà configuré. <a href="/">Retour à l\'accueil</a>.</p>',
        )
    return _page(
        "Bienvenue dans WiseBook",
        "<p>Première étape : créer la société, son premier exercice, le plan comptable SYSCOHADA, "
        "les journaux et le premier administrateur. Depuis le serveur :</p>"
        '<pre>wisebook-ctl setup --societe "Ma Société SARL" --pays CI --devise XOF \\\n'
        "  --exercice 2026 --admin-email comptable@exemple.ci --admin-password-stdin</pre>"
        "<p>Puis connectez-vous par l'API : <code>POST /api/v1/auth/login/</code>.</p>",
    )


def includeme(config: Any) -> None:
    """Public pages."""
    config.add_view(setup_start, route_name="setup", request_method="GET")
    config.add_static_view("static", "wisebook.web:static", cache_max_age=3600)
