"""Pièces justificatives: PDF and images only (read from the bytes), size bounded, stored once,
served only to the company's members, kept with a posted entry."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from tests.conftest import Api, login, sale
from wisebook.services.access import members, users
from wisebook.services.books import companies, years

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(api: Api, entry_id: int, name: str, data: bytes, kind: str = "application/pdf", status: int = 201):
    return api.testapp.post(
        f"/api/v1/ecritures/{entry_id}/pieces/",
        upload_files=[("fichier", name, data, kind)],
        headers=api.headers(),
        status=status,
    )


def test_a_pdf_is_attached_listed_and_downloaded_as_it_was(api, backend_settings, books):
    entry = api.post("/api/v1/ecritures/", sale(), status=201).json
    made = upload(api, entry["id"], "../../facture FA-001.pdf", PDF).json
    assert (made["nom"], made["type"], made["taille"]) == ("facture FA-001.pdf", "application/pdf", len(PDF))
    assert made["sha256"] == hashlib.sha256(PDF).hexdigest()
    stored = backend_settings.data_dir / "pieces" / str(books.company_id)
    assert any(p.name == made["sha256"] for p in stored.rglob("*"))
    listed = api.get(f"/api/v1/ecritures/{entry['id']}/pieces/").json["resultats"]
    assert [p["id"] for p in listed] == [made["id"]]
    file = api.get(f"/api/v1/pieces/{made['id']}/")
    assert file.body == PDF
    assert file.content_type == "application/pdf"
    assert file.headers["Content-Disposition"] == 'attachment; filename="facture FA-001.pdf"'
    assert "sandbox" in file.headers["Content-Security-Policy"]
    api.delete(f"/api/v1/pieces/{made['id']}/", status=409)  # a posted entry keeps its pièces


def test_only_pdf_and_images_of_bounded_size_are_taken(api):
    draft = api.post("/api/v1/ecritures/", sale(post=False), status=201).json
    disguised = upload(api, draft["id"], "facture.pdf", b"MZ\x90\x00 not a pdf", status=422).json
    assert disguised["erreurs"][0]["champ"] == "fichier"
    upload(api, draft["id"], "page.html", b"<html><script>alert(1)</script>", "text/html", status=422)
    upload(api, draft["id"], "vide.pdf", b"", status=422)
    too_big = upload(api, draft["id"], "gros.pdf", PDF + b"0" * (70 * 1024), status=413)  # limit 64 KiB here
    assert too_big.status_int == 413
    image = upload(api, draft["id"], "scan", PNG, "application/octet-stream").json
    assert (image["type"], image["nom"]) == ("image/png", "scan.png")
    api.testapp.post(
        f"/api/v1/ecritures/{draft['id']}/pieces/", {"x": "1"}, headers=api.headers(), status=422
    )
    api.delete(f"/api/v1/pieces/{image['id']}/", status=204)  # a draft's pièce may go
    api.get(f"/api/v1/pieces/{image['id']}/", status=404)
    upload(api, 999999, "facture.pdf", PDF, status=404)


def test_pieces_are_served_only_within_the_company(api, testapp, engine, books):
    entry = api.post("/api/v1/ecritures/", sale(), status=201).json
    made = upload(api, entry["id"], "facture.pdf", PDF).json
    with Session(engine) as s, s.begin():
        other = companies.create_company(s, "Autre Société SA", "SN", None)
        years.create_fiscal_year(s, other.id, 2026)
        outsider = users.create_user(s, "admin@autre.sn", "un mot de passe assez long")
        members.add_member(s, other.id, outsider.id, "admin")
        reader = users.create_user(s, "lecteur@cabinet.ci", "un mot de passe assez long")
        members.add_member(s, books.company_id, reader.id, "lecteur")
    stranger = Api(testapp, login(testapp, "admin@autre.sn", "un mot de passe assez long"))
    stranger.get(f"/api/v1/pieces/{made['id']}/", status=404)
    stranger.get(f"/api/v1/ecritures/{entry['id']}/pieces/", status=404)
    upload(stranger, entry["id"], "x.pdf", PDF, status=404)
    member = Api(testapp, login(testapp, "lecteur@cabinet.ci", "un mot de passe assez long"))
    assert member.get(f"/api/v1/pieces/{made['id']}/").body == PDF
    upload(member, entry["id"], "x.pdf", PDF, status=403)  # a reader reads


def test_a_piece_the_storage_refuses_is_a_clear_503_and_nothing_is_recorded(api, app, s3_server):
    """S3 configured but refusing (here, a bucket it lacks): the user is told to try again,
    the entry gets no pièce, and no file is left half-stored on the server."""
    import dataclasses
    import uuid

    settings = app.registry.wisebook_settings
    app.registry.wisebook_settings = dataclasses.replace(
        settings,
        aws_s3_bucket=f"absent-{uuid.uuid4().hex[:8]}",
        aws_s3_endpoint_url=s3_server,
        aws_access_key_id="wisebook-test",
        aws_secret_access_key="wisebook-test-secret",
    )
    stored = settings.data_dir / "pieces"
    before = {p for p in stored.rglob("*") if p.is_file()}  # the worker's data dir outlives tests
    try:
        entry = api.post("/api/v1/ecritures/", sale(post=False), status=201).json
        refused = upload(api, entry["id"], "facture.pdf", PDF, status=503)
        assert refused.content_type == "application/problem+json"
        assert "Le stockage S3 ne répond pas ou refuse l'envoi" in refused.json["detail"]
        assert api.get(f"/api/v1/ecritures/{entry['id']}/pieces/").json["resultats"] == []
        assert {p for p in stored.rglob("*") if p.is_file()} == before
    finally:
        app.registry.wisebook_settings = settings
