"""Requests WiseBook makes to addresses its users give (webhooks): never to the server itself
or its private networks.

An address is refused when it has credentials, is not http(s), or names — literally or once
resolved — a loopback, link-local, private, multicast, reserved or unspecified address
(``0x7f000001``, ``[::1]``, ``169.254.169.254``…), unless the operator allowed that network
(``WISEBOOK_WEBHOOK_ALLOWED_NETWORKS``). The check runs when the address is saved and again
at each request on the address resolved then (DNS can change), and the connection goes to the
very address checked; no redirect is followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from wisebook.ledger.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """An address WiseBook will not call; the message says why (in French)."""


@dataclass(frozen=True)
class Target:
    """A checked address: how to reach it."""

    scheme: str
    host: str
    port: int
    path: str


def parse(url: str) -> Target:
    """The parts of an http(s) address without credentials; Refused otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("adresse invalide") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("adresse http(s) complète attendue")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise Refused("identifiants dans l'adresse refusés")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


def _literal(host: str) -> Address | None:
    """The address a host names literally, in any form the resolver accepts (0x7f000001,
    2130706433, 127.1…), else None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _allowed(address: Address, networks: Sequence[str]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in ipaddress.ip_network(n) for n in networks):
        return True
    return address.is_global and not address.is_multicast


def check_address(address: Address, networks: Sequence[str]) -> None:
    """Refused unless ``address`` is public, or in a network the operator allowed."""
    if not _allowed(address, networks):
        raise Refused(f"adresse non publique refusée ({address})")


def resolve(target: Target, networks: Sequence[str]) -> list[Address]:
    """Every address the host names now, each checked; Refused when any is not allowed."""
    literal = _literal(target.host)
    if literal is not None:
        check_address(literal, networks)
        return [literal]
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"nom introuvable : {target.host} ({exc})") from None
    found = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in found:
        check_address(address, networks)
    return found


def check_url(url: str, networks: Sequence[str], field: str = "url") -> str:
    """An address users may save (InvalidInput naming ``field`` otherwise): its literal
    address checked, and its name's addresses when it resolves now."""
    try:
        target = parse(url)
        literal = _literal(target.host)
        if literal is not None:
            check_address(literal, networks)
        elif target.host.rstrip(".").lower().endswith("localhost"):
            raise Refused("adresse non publique refusée (localhost)")
        else:
            try:
                resolve(target, networks)
            except Refused as exc:
                if "nom introuvable" not in str(exc):  # not resolvable now: checked at delivery
                    raise
    except Refused as exc:
        raise InvalidInput(f"Adresse refusée : {exc}.", field=field) from None
    return url


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to one checked address, the certificate verified against the host's name."""

    def __init__(self, address: str, hostname: str, port: int, timeout: float):  # float-ok: seconds
        super().__init__(hostname, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to one checked address, with the host's name in ``Host``."""

    def __init__(self, address: str, hostname: str, port: int, timeout: float):  # float-ok: seconds
        super().__init__(hostname, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    networks: Sequence[str],
    timeout: float = 10,  # float-ok: seconds
) -> int:
    """POST ``body`` to a checked address; the answer's status (a redirect is not followed:
    its status is the answer). Refused, or OSError when it cannot be reached."""
    target = parse(url)
    address = str(resolve(target, networks)[0])
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = kind(address, target.host, target.port, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read(64 * 1024)
        return answer.status
    finally:
        connection.close()
