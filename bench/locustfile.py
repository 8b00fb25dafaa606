"""The deployment guide's load scenario, for locust (run by bench/load.py).

Each user logs in, then, 1 to 3 s apart: the dashboard three times, the chart twice, and the
guide's bare entry once — an entry with no lines, which the server must refuse with a 422
problem (counted as a failure otherwise). Users share themselves between the web processes
named in WISEBOOK_LOAD_PORTS, as nginx's round robin would.
"""

from __future__ import annotations

import itertools
import os

from locust import HttpUser, between, task

PORTS = [int(p) for p in os.environ.get("WISEBOOK_LOAD_PORTS", "8000").split(",")]
EMAIL = os.environ.get("WISEBOOK_LOAD_EMAIL", "bench@exemple.ci")
PASSWORD = os.environ.get("WISEBOOK_LOAD_PASSWORD", "bench-mot-de-passe-2026")
_next = itertools.count()


class Accountant(HttpUser):
    wait_time = between(1, 3)
    host = "http://127.0.0.1"

    def on_start(self) -> None:
        self.base = f"http://127.0.0.1:{PORTS[next(_next) % len(PORTS)]}"
        answer = self.client.post(
            f"{self.base}/api/v1/auth/login/",
            json={"email": EMAIL, "password": PASSWORD},
            name="POST /api/v1/auth/login/",
        )
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"}

    @task(3)
    def dashboard(self) -> None:
        self.client.get(f"{self.base}/api/v1/dashboard/", headers=self.headers, name="GET /api/v1/dashboard/")

    @task(2)
    def chart(self) -> None:
        self.client.get(f"{self.base}/api/v1/comptes/", headers=self.headers, name="GET /api/v1/comptes/")

    @task(1)
    def bare_entry(self) -> None:
        with self.client.post(
            f"{self.base}/api/v1/ecritures/",
            json={"journal": "VTE", "date_comptable": "2026-03-15", "libelle": "Saisie vide", "lignes": []},
            headers=self.headers,
            name="POST /api/v1/ecritures/ (bare)",
            catch_response=True,
        ) as answer:
            problem = answer.headers.get("Content-Type", "").startswith("application/problem+json")
            if answer.status_code == 422 and problem:
                answer.success()
            else:
                answer.failure(f"expected a 422 problem, got {answer.status_code}")
