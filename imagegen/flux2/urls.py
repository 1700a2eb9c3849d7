"""Which URLs the hosted FLUX.2 engine may fetch.

BFL's answers name the polling URL and the sample URL, so each is checked before anything is
sent to it: the API root the engine was given (scheme, host and port), or https on port 443 of
a host under an allowed suffix (``delivery.eu1.bfl.ai``) that resolves to public addresses
only; never user info in the URL. The resolution is a check before connecting, not a pin.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit


def resolve(host: str) -> list[str]:
    """The addresses ``host`` resolves to (tests replace this function)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)]


def _public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False


def refusal(url: str, base: SplitResult, allowed_hosts: tuple[str, ...]) -> str:
    """Why ``url`` may not be fetched by an engine on ``base``; empty when it may."""
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:  # e.g. a port that is not a number
        return "not a valid URL"
    if parts.username is not None or parts.password is not None:
        return "user info in the URL"
    if host and (scheme, host, port) == (base.scheme, base.hostname, base.port):
        return ""
    host = host.rstrip(".")
    if not host or not any(host == s or host.endswith("." + s) for s in allowed_hosts):
        return "host not allowed"
    if scheme != "https":
        return f"scheme {scheme or 'none'!r} is not https"
    if port not in (None, 443):
        return f"port {port} is not 443"
    try:
        addresses = resolve(host)
    except OSError:
        return ""  # the connection will fail and say so
    private = [a for a in addresses if not _public(a)]
    return f"host resolves to non-public address {private[0]}" if private else ""
