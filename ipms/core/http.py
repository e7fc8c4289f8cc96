"""The client's IP address, for rate limits and the feedback inbox.

``X-Forwarded-For`` is written by whoever sends the request, so only the hops appended by
proxies we run can be believed. ``settings.TRUSTED_PROXY_COUNT`` says how many of those
sit in front of the app (0 in the embedded mode: the peer address is the client). With N
trusted proxies, each appends the address it received the request from, so the client
is the N-th entry from the right; anything further left was supplied by the client and
is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _parse(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 client seen through a dual-stack socket arrives as ::ffff:a.b.c.d.
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def trusted_proxy_count() -> int:
    return max(0, settings.TRUSTED_PROXY_COUNT)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when the server cannot tell (e.g. a Unix socket)."""
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    proxies = trusted_proxy_count()
    if not proxies:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < proxies:
        # The request did not pass through every proxy we expect (a direct hit on the app
        # server, or a misconfigured proxy): the peer address is the only fact we have.
        return remote
    return _parse(hops[-proxies]) or remote


def ip_network_key(ip: str | None) -> str:
    """A client address as a limit counts it: IPv4 as is, IPv6 by its /64 network."""
    ip = _parse(ip) if ip else None
    if ip is None:
        return "unknown"
    if ":" in ip:
        mask = settings.RATELIMIT_IPV6_MASK
        return str(ipaddress.ip_network(f"{ip}/{mask}", strict=False).network_address)
    return ip


def axes_client_ip(request: HttpRequest) -> str | None:
    """django-axes reads the client address through the same trusted-proxy rule.

    None when unknown: axes stores it in an IP-address column, which refuses text.
    """
    return client_ip(request)
