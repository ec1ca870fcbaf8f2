"""Which addresses ``http.webhook`` may call: the SSRF policy, in one place.

A webhook URL comes from whoever can create jobs, and the worker that calls it sits
inside our network, next to Redis, PostgreSQL and the cloud's metadata service (which
hands out credentials). So by default only *public* addresses are called. Private,
loopback, link-local, multicast, reserved and unspecified addresses and the known
metadata endpoints are refused unless ``WEBHOOK_ALLOWED_HOSTS`` names the host, the
address, or a network (CIDR) holding it.

IPv6 addresses that carry an IPv4 one (``::ffff:10.0.0.1``, 6to4 ``2002::/16``, NAT64
``64:ff9b::/96``) are judged by the IPv4 address inside, since that is where the
packets end up.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean... instance metadata
        "169.254.170.2",  # ECS task metadata and credentials
        "169.254.170.23",  # EKS pod identity agent
        "fd00:ec2::254",  # AWS instance metadata over IPv6
        "fd00:ec2::23",  # EKS pod identity agent over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer: looks public, is not
        "192.0.0.192",  # Oracle Cloud Classic: looks public, is not
    )
)
"""Refused like private addresses even where ``ipaddress`` calls them global."""

METADATA_HOSTNAMES = frozenset({"metadata", "metadata.google.internal", "metadata.goog"})
"""Names of metadata services, refused by ``validate`` before any DNS is asked."""

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"[0-9a-fA-FxX.]+")


class AddressRefused(Exception):
    """The webhook's host is (or resolves to) an address the policy refuses."""


@dataclass(frozen=True)
class AllowList:
    """``WEBHOOK_ALLOWED_HOSTS`` parsed: host names, and networks for IPs and CIDRs."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        return _parse_allow_list(tuple(entries))

    def allows_host(self, host: str) -> bool:
        return normalise_host(host) in self.hosts

    def allows_address(self, ip: IPAddress) -> bool:
        candidates = {ip, embedded_ipv4(ip) or ip}
        return any(
            c.version == net.version and c in net for c in candidates for net in self.networks
        )


@functools.lru_cache(maxsize=32)
def _parse_allow_list(entries: tuple[str, ...]) -> AllowList:
    # Cached because the settings are immutable and every webhook run consults them.
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            hosts.add(normalise_host(entry))
    return AllowList(frozenset(hosts), tuple(networks))


def normalise_host(host: str) -> str:
    # DNS names are case-insensitive and "example.com." is the same name as "example.com".
    return host.strip().lower().rstrip(".")


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be called without an allow-list entry; None when it is public."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        # NAT64 prefixes are "reserved" to ipaddress, yet reach the public IPv4 internet:
        # judge only the address inside.
        return blocked_reason(inner)
    # Order matters only for the message: the most specific reason first.
    checks = (
        (ip in METADATA_ADDRESSES, "a cloud metadata address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    )
    for failed, reason in checks:
        if failed:
            return reason
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells without DNS, if it is one.

    Besides the usual forms this catches what ``inet_aton`` (and so the system
    resolver) also reads as IPv4, such as ``127.1``, ``0x7f.0.0.1`` or ``2130706433``,
    so those cannot slip past ``validate``.
    """
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def refusal(host: str, ip: IPAddress, allow: AllowList) -> str | None:
    """Why calling ``host`` at ``ip`` is refused under ``allow``; None when it is fine."""
    if allow.allows_host(host) or allow.allows_address(ip):
        return None
    reason = blocked_reason(ip)
    if reason is None:
        return None
    shown = host if normalise_host(host) == str(ip) else f"{host} ({ip})"
    return (
        f"refusing to call {shown}: {reason}; "
        "add the host or a network holding it to WEBHOOK_ALLOWED_HOSTS to allow it"
    )


def refusal_before_dns(host: str, allow: AllowList) -> str | None:
    """What ``validate`` can refuse without resolving: literal IPs and well-known names.

    DNS is deliberately not asked at job creation (answers change, and the API should
    not do network I/O on a request); ``run`` resolves and checks every address.
    """
    name = normalise_host(host)
    if allow.allows_host(name):
        return None
    ip = literal_address(name)
    if ip is not None:
        return refusal(host, ip, allow)
    if name == "localhost" or name.endswith(".localhost"):
        # RFC 6761: these always mean this machine, whatever DNS says.
        for loopback in (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")):
            if problem := refusal(host, loopback, allow):
                return problem
        return None
    if name in METADATA_HOSTNAMES:
        return (
            f"refusing to call {host}: a cloud metadata service; "
            "add it to WEBHOOK_ALLOWED_HOSTS to allow it"
        )
    return None


def check_addresses(host: str, addresses: Iterable[IPAddress], allow: AllowList) -> None:
    """Raise ``AddressRefused`` unless *every* address ``host`` resolved to is allowed.

    One refused address is enough: a name with both a public and a private record
    could otherwise be steered to the private one.
    """
    for ip in addresses:
        if problem := refusal(host, ip, allow):
            raise AddressRefused(problem)
