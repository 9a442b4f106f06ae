"""Forwarding headers, trusted only from the configured proxies (WSGI middleware).

The app listens on 127.0.0.1 behind a reverse proxy that terminates TLS. Without this, every
client would look like the proxy: one rate-limit bucket for everybody, and plain HTTP as far as
the app can tell. With it, `X-Forwarded-For` and `X-Forwarded-Proto` are read only when the
connection comes from a trusted proxy address; from anyone else every forwarding header is
removed before the app sees the request, so nothing downstream can be fooled by one.
"""

import ipaddress
from collections.abc import Iterable

# Headers a client could use to claim another address, scheme or host.
FORWARDING_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_REAL_IP",
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
    """Read proxy addresses or networks from "127.0.0.1, ::1, 10.0.0.0/8" or a list of them.

    Raises ValueError naming the entry that is not an address or network.
    """
    entries = value.split(",") if isinstance(value, str) else list(value)
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            problem = f"TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            raise ValueError(problem) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """Take the client address and scheme from forwarding headers set by trusted proxies only.

    The client is the right-most `X-Forwarded-For` address that is not itself a trusted proxy
    (each proxy appends the address it saw, so addresses to the left of that one were written by
    the client and prove nothing). The scheme is the last `X-Forwarded-Proto` value, the one the
    nearest proxy wrote.
    """

    def __init__(self, wsgi_app, trusted: Iterable[Network]):
        self.wsgi_app = wsgi_app
        self.trusted = tuple(trusted)

    def is_trusted(self, address) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    def __call__(self, environ, start_response):
        peer = _address(environ.get("REMOTE_ADDR", ""))
        if self.is_trusted(peer):
            self._apply(environ)
        for name in FORWARDING_HEADERS:
            environ.pop(name, None)
        return self.wsgi_app(environ, start_response)

    def _apply(self, environ) -> None:
        hops = [hop for hop in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # a garbled entry: keep the last address we could trust
            environ["REMOTE_ADDR"] = str(address)
            if not self.is_trusted(address):
                break
        proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
        if proto in ("http", "https"):
            environ["wsgi.url_scheme"] = proto
