#!/usr/bin/env python3
"""What hostile requests cost the server: each sent to one ``wisebook-ctl serve`` process on
PostgreSQL, its answer, the time to answer and the server's extra peak memory printed.

    .venv/bin/python bench/hostile.py

- a 3 MB entry whose "lignes" holds a million items (any role that may write a draft);
- an XLSX import of 84 KB holding 2,000,001 shared strings;
- a 300 MB body announced to ``serve`` (its Content-Length), then one sent chunked.

The goal (the hardening issue): every body within the size limit answered in < 1 s and
< 50 MB of extra memory; an oversized one refused before it is received.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import sys
import time
import zipfile
from pathlib import Path

from common import PASSWORD, fresh_books, login, server_env, start_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_SECONDS, GOAL_MB = 1.0, 50


def peak_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("VmHWM introuvable")


def reset_peak(pid: int) -> None:
    """Start the peak afresh (Linux: writing 5 to clear_refs resets VmHWM)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def measured(pid: int, name: str, send: object) -> None:
    reset_peak(pid)
    before = peak_kb(pid)
    started = time.perf_counter()
    status, detail = send()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    extra = (peak_kb(pid) - before) / 1024
    ok = seconds < GOAL_SECONDS and extra < GOAL_MB
    print(
        f"{name:<46} HTTP {status}  {seconds * 1000:8.1f} ms  +{extra:6.1f} Mo  "
        f"{'atteint' if ok else 'manqué'}  {detail[:70]}"
    )


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", path, body, headers)
    answer = conn.getresponse()
    text = answer.read().decode("utf-8", "replace")
    try:
        return answer.status, json.loads(text).get("detail", "")
    except ValueError:
        return answer.status, text


def xlsx_bomb(strings: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["N° écriture", "Journal", "Date", "Pièce", "Libellé", "Compte", "Débit", "Crédit"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                bomb.writestr(item, source.read(item.filename))
        bomb.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + b"<si><t>a</t></si>" * strings
            + b"</sst>",
        )
    return out.getvalue()


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "wisebookbench"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="fichier"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def announced(port: int, size: int) -> tuple[int, str]:
    """A body announced by its Content-Length; only the headers are sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(
            f"POST /api/v1/ecritures/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n".encode()
        )
        head = conn.recv(200).decode("latin-1")
    return int(head.split()[1]), "refusé sur son Content-Length"


def chunked(port: int, size: int) -> tuple[int, str]:
    """A body sent in 64 KB chunks until the server stops it (or ``size`` is sent)."""
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(
            b"POST /api/v1/ecritures/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        try:
            while sent < size:
                conn.sendall(chunk)
                sent += 0x10000
        except OSError:
            pass
        head = conn.recv(200).decode("latin-1")
    return int(head.split()[1]), f"coupé après {sent // (1024 * 1024)} Mo envoyés"


def main() -> None:
    fresh_books("wisebook_hostile", 2026)
    env = server_env("postgresql://postgres@127.0.0.1:5432/wisebook_hostile")
    server, port = start_server(env, threads=4)
    try:
        token = login(port, password=PASSWORD)
        auth = {"Authorization": f"Bearer {token}"}
        entry = {"journal": "VTE", "date_comptable": "2026-01-15", "libelle": "x", "lignes": [1] * 1_000_000}
        body = json.dumps(entry).encode()
        measured(
            server.pid,
            f"corps JSON de {len(body) / 1e6:.1f} Mo, 1 000 000 lignes",
            lambda: post(port, "/api/v1/ecritures/", body, {**auth, "Content-Type": "application/json"}),
        )
        bomb = xlsx_bomb(2_000_001)
        upload, kind = multipart("bombe.xlsx", bomb)
        measured(
            server.pid,
            f"XLSX de {len(bomb) // 1024} Ko, 2 000 001 textes",
            lambda: post(port, "/api/v1/imports/ecritures/", upload, {**auth, "Content-Type": kind}),
        )
        measured(server.pid, "300 Mo annoncés (Content-Length)", lambda: announced(port, 300 * 1024 * 1024))
        measured(
            server.pid, "300 Mo envoyés par morceaux (chunked)", lambda: chunked(port, 300 * 1024 * 1024)
        )
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
