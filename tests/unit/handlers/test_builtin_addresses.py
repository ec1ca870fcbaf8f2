"""The webhook's address policy, as a table."""

from __future__ import annotations

import ipaddress

import pytest

from handlers._addresses import (
    AddressRefused,
    AllowList,
    blocked_reason,
    check_addresses,
    literal_address,
    refusal_before_dns,
)

ip = ipaddress.ip_address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", None),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),  # mapped: judged by the IPv4 inside
        ("64:ff9b::808:808", None),  # NAT64 of 8.8.8.8
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("169.254.170.2", "a cloud metadata address"),
        ("168.63.129.16", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.1.2.3", "a private address"),
        ("2002:a00:1::", "a private address"),  # 6to4 of 10.0.0.1
        ("64:ff9b::a00:1", "a private address"),  # NAT64 of 10.0.0.1
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fc00::1", "a private address"),
        ("169.254.1.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
    ],
)
def test_blocked_reason(address: str, reason: str | None) -> None:
    assert blocked_reason(ip(address)) == reason


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("example.com", None),
        ("cafe.be", None),
        ("1e100.net", None),
    ],
)
def test_literal_address(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found else None) == address


def test_allow_list_entries() -> None:
    allow = AllowList.parse(["127.0.0.1", "10.0.0.0/8", "Internal.Example.", "fd00::/8", " "])
    assert allow.hosts == frozenset({"internal.example"})
    assert allow.allows_address(ip("127.0.0.1"))
    assert not allow.allows_address(ip("127.0.0.2"))
    assert allow.allows_address(ip("10.200.0.1"))
    assert allow.allows_address(ip("::ffff:10.0.0.1"))
    assert allow.allows_address(ip("fd00:ec2::254"))
    assert allow.allows_host("INTERNAL.example")
    assert not allow.allows_host("other.example")


def test_every_resolved_address_must_pass() -> None:
    allow = AllowList.parse([])
    check_addresses("example.com", [ip("93.184.215.14")], allow)
    with pytest.raises(AddressRefused, match=r"example.com \(10.0.0.1\): a private address"):
        check_addresses("example.com", [ip("93.184.215.14"), ip("10.0.0.1")], allow)


def test_an_allow_listed_host_may_resolve_anywhere() -> None:
    allow = AllowList.parse(["db.internal"])
    check_addresses("db.internal", [ip("10.0.0.5")], allow)
    with pytest.raises(AddressRefused, match=r"WEBHOOK_ALLOWED_HOSTS"):
        check_addresses("other.internal", [ip("10.0.0.5")], allow)


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST.", "api.localhost", "metadata.google.internal", "127.1", "[::1]"],
)
def test_refused_before_dns(host: str) -> None:
    assert refusal_before_dns(host, AllowList.parse([])) is not None


def test_localhost_needs_both_loopbacks_or_its_name() -> None:
    assert refusal_before_dns("localhost", AllowList.parse(["127.0.0.0/8"])) is not None
    assert refusal_before_dns("localhost", AllowList.parse(["127.0.0.0/8", "::1"])) is None
    assert refusal_before_dns("localhost", AllowList.parse(["localhost"])) is None
