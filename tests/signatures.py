"""The receiver's side of a notification signature, written from the README, not with
``jobsched.domain.alerts``: a test that checks a signature with the code's own
``verify`` passes whatever scheme the code uses.

README: ``X-Jobsched-Signature: sha256=<hex HMAC-SHA256 of "<X-Jobsched-Timestamp>.<body>">``
keyed with the job's ``notify_secret``.
"""

from __future__ import annotations

import hashlib
import hmac


def readme_signature(secret: str, timestamp: str, body: bytes) -> str:
    """What a receiver following the README computes for the raw body it was sent."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()
