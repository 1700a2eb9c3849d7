"""Which URLs the hosted adapters may fetch.

https on port 443, a host on the provider's documented list (exact, or ``.suffix`` for its
subdomains), no user info, no IP literal; a result host (matched by suffix, so the kind an
attacker could name) must also resolve to public addresses only. The resolution is a check
before connecting, not a pin. The one exception is the tests' loopback server, trusted only
when the adapter was pointed at it through ``base_url``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from videogen.errors import VideoGenInputError

LOOPBACK = ("127.0.0.1", "::1", "localhost")
Origin = tuple[str, str, int | None]  # scheme, lower-case host, port


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """``host`` equals a pattern, or ends with one that starts with a dot (``.fal.media``)."""
    host = host.lower().rstrip(".")
    return any(host.endswith(p) if p.startswith(".") else host == p for p in patterns)


def resolve(host: str) -> list[str]:
    """The addresses ``host`` resolves to (tests replace this function)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)]


def origin_of(url: str) -> Origin | None:
    """``(scheme, host, port)`` of ``url``; None when it does not parse."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:  # e.g. a port that is not a number
        return None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def refusal(url: str, hosts: tuple[str, ...], *, testing: Origin | None, check_dns: bool) -> str:
    """Why ``url`` may not be fetched from ``hosts``; empty when it may."""
    origin = origin_of(url)
    if origin is None:
        return "not a valid URL"
    scheme, host, port = origin
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return "user info in the URL"
    if testing is not None and origin == testing:
        return ""
    if scheme != "https":
        return f"scheme {scheme or 'none'!r} is not https"
    if _ip(host) is not None:
        return "an IP address, not the provider's host name"
    if port not in (None, 443):
        return f"port {port} is not 443"
    if not host_matches(host, hosts):
        return "host not allowed"
    if not check_dns:
        return ""
    try:
        addresses = resolve(host)
    except OSError:
        return ""  # the connection will fail and say so
    private = [a for a in addresses if (ip := _ip(a)) is None or not ip.is_global]
    return f"host resolves to non-public address {private[0]}" if private else ""


def check_base_url(base_url: str, documented: tuple[str, ...]) -> tuple[str, Origin | None]:
    """Check a ``base_url`` option: one of the provider's ``documented`` https roots, or plain
    http on loopback (the tests' local server, whose origin is then trusted like the
    provider's hosts: the testing hook).

    Returns the base URL without a trailing slash, and that loopback origin if it is one.
    """
    base = base_url.strip().rstrip("/")
    origin = origin_of(base)
    if origin is not None and origin[0] == "http" and origin[1] in LOOPBACK and origin[2]:
        return base, origin
    if base not in documented:
        raise VideoGenInputError(
            f"base_url={base_url!r}: must be one of {', '.join(documented)}"
            " (or http on 127.0.0.1 for tests)"
        )
    return base, None
