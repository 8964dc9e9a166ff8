"""The SSRF guard: webhooks go to public addresses only (unless the server allows private
ones with ``--allow-private-webhooks``).

At subscribe time a URL naming a loopback, private, link-local, multicast, reserved or
unspecified IP address, or ``localhost``, is refused. At delivery time the host name is
resolved and every address it resolves to is checked the same way, so a name that points
inside the network is refused too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


def _blocked(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def host_of(url: str) -> str:
    """The host of ``url`` (lower case, no brackets), or ``""``."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def literal_blocked(url: str) -> bool:
    """Whether ``url`` names an internal address outright (no DNS asked)."""
    host = host_of(url)
    if not host:
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return True
    return _blocked(host)


async def resolves_internal(url: str) -> bool:
    """Whether ``url``'s host is, or resolves to, an internal address."""
    if literal_blocked(url):
        return True
    host = host_of(url)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # unresolvable: the delivery fails on its own
    return any(_blocked(str(info[4][0])) for info in found)
