"""Is this request coming from a school district's own network? (``NetworkRange``)

Tip pages opened from a district's network (its Wi-Fi, its devices) show a calm notice
that school networks and devices may be monitored, and that a personal phone on mobile
data is safer. The client's address is compared in memory with the ranges coordinators
listed and then forgotten: it is never stored, logged, put in a session or a cache key.
The ranges come from the shared cache, refreshed whenever public content changes (saving
a range starts a new generation).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.http import HttpRequest

from partners.models import NetworkRange
from safeschools import page_cache
from safeschools.cache import cached
from safeschools.ratelimit import client_address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ranges() -> tuple[str, ...]:
    key = f"partners:network-ranges:{page_cache.local_generation()}"
    return cached(key, lambda: tuple(NetworkRange.objects.values_list("network", flat=True)))


@lru_cache(maxsize=8)
def _parsed(ranges: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(text, strict=False) for text in ranges)


def on_school_network(request: HttpRequest) -> bool:
    ranges = _ranges()
    if not ranges:
        return False
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _parsed(ranges))
