"""Free TCP ports on the loopback interface that a browser will also talk to.

Chromium (and so the dashboard tests) refuses connections to a fixed list of "unsafe"
ports, whatever serves them. A port the dashboard or its API might be reached on must
therefore come from outside that list; we use it for every port we pick.
"""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"

# Chromium's kRestrictedPorts (net/base/port_util.cc).
BLOCKED_PORTS: frozenset[int] = frozenset(
    {
        1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95,
        101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161,
        179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563,
        587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060,
        5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
    }
)  # fmt: skip


def is_browser_safe(port: int) -> bool:
    return port not in BLOCKED_PORTS


def free_port(host: str = LOOPBACK) -> int:
    """A port nothing listens on right now and that Chromium will connect to.

    There is a small window between this check and the caller's bind; callers that can
    bind port 0 themselves should do so and check ``is_browser_safe`` instead.
    """
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = sock.getsockname()[1]
        if is_browser_safe(port):
            return port
    raise RuntimeError("could not find a free browser-safe port")  # pragma: no cover


def is_listening(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
