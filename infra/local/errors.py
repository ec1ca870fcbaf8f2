"""The one error the local cloud raises on purpose: something the user must fix."""

from __future__ import annotations


class LocalCloudError(RuntimeError):
    """A missing binary, a port in use, an unreachable service. The message says what to do."""
