"""The dashboard as a static site in an S3 bucket, on a local AWS endpoint or a real one.

``upload_site`` and ``ensure_bucket`` are plain boto3 and know nothing about where the
endpoint is, so the same code publishes to moto, LocalStack or AWS. ``DashboardSite``
picks the endpoint: ``AWS_ENDPOINT_URL`` when set, else an in-process moto server on a
free port. The site is served path-style (``<endpoint>/<bucket>/index.html``) so that the
dashboard's relative asset URLs resolve inside the bucket.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
from pathlib import Path
from typing import Any

from infra.local.errors import LocalCloudError
from infra.local.ports import LOOPBACK, is_browser_safe

log = logging.getLogger("infra.local.s3site")

DEFAULT_BUCKET = "job-scheduler-dashboard"
DEFAULT_REGION = "us-east-1"
CONFIG_KEY = "config.json"
# mimetypes depends on the machine's /etc/mime.types; these must not.
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


def content_type(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(str(path))
    if guessed and guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed or "application/octet-stream"


def ensure_bucket(s3_client: Any, bucket: str) -> None:
    """Create ``bucket`` unless it exists (and is ours)."""
    existing = {b["Name"] for b in s3_client.list_buckets().get("Buckets", [])}
    if bucket in existing:
        return
    region = s3_client.meta.region_name or DEFAULT_REGION
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":  # us-east-1 rejects an explicit LocationConstraint
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3_client.create_bucket(**kwargs)


def allow_public_read(s3_client: Any, bucket: str) -> bool:
    """Let anonymous browsers GET the site's objects, as a website bucket must.

    On AWS, Block Public Access may refuse this; there the template's bucket policy (or a
    CDN in front) decides, so a refusal is reported, not raised.
    """
    from botocore.exceptions import ClientError

    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadForDashboard",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    try:
        s3_client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
        return True
    except ClientError as exc:
        log.warning("bucket %s stays private (%s); serve it another way", bucket, exc)
        return False


def upload_site(
    s3_client: Any, bucket: str, site_dir: str | Path, config: dict[str, Any]
) -> list[str]:
    """Upload every file under ``site_dir`` and a generated ``config.json``; returns the keys.

    Cache-Control no-cache: a redeploy must show at once, with no stale app.js beside a
    fresh index.html. The generated config.json wins over a file of that name.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise LocalCloudError(f"dashboard directory {site_dir} does not exist")
    keys = []
    for path in sorted(site_dir.rglob("*")):
        relative = path.relative_to(site_dir)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        key = relative.as_posix()
        if key == CONFIG_KEY:
            continue
        s3_client.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type(path),
            CacheControl="no-cache",
        )
        keys.append(key)
    s3_client.put_object(
        Bucket=bucket,
        Key=CONFIG_KEY,
        Body=json.dumps(config, indent=2).encode(),
        ContentType=content_type(CONFIG_KEY),
        CacheControl="no-cache",
    )
    keys.append(CONFIG_KEY)
    return keys


def s3_client(endpoint_url: str | None, region: str | None = None) -> Any:
    """A boto3 S3 client for ``endpoint_url``; dummy credentials when none are configured."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    region = region or session.region_name or DEFAULT_REGION
    kwargs: dict[str, Any] = {}
    if session.get_credentials() is None:
        kwargs = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    # Path-style addressing: 127.0.0.1 has no bucket subdomains.
    config = Config(s3={"addressing_style": "path"})
    return session.client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=config, **kwargs
    )


class DashboardSite:
    """Starts (or finds) the S3 endpoint, creates the bucket, publishes the dashboard."""

    def __init__(
        self,
        site_dir: str | Path,
        *,
        bucket: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.site_dir = Path(site_dir)
        self.bucket = bucket or os.environ.get("DASHBOARD_BUCKET") or DEFAULT_BUCKET
        self.endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        self.url: str | None = None
        self._moto: Any = None

    def start(self, api_url: str) -> str:
        if self.endpoint_url is None:
            self.endpoint_url = self._start_moto()
        client = s3_client(self.endpoint_url)
        ensure_bucket(client, self.bucket)
        allow_public_read(client, self.bucket)
        keys = upload_site(client, self.bucket, self.site_dir, {"apiUrl": api_url})
        log.info("uploaded %d files to s3://%s at %s", len(keys), self.bucket, self.endpoint_url)
        self.url = f"{self.endpoint_url.rstrip('/')}/{self.bucket}/index.html"
        return self.url

    def _start_moto(self) -> str:
        from moto.server import ThreadedMotoServer

        # werkzeug logs every S3 request; the API's log lines are the interesting ones.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        # Port 0: the kernel picks a free port atomically (moto hangs, rather than fails,
        # if its bind fails), then we retry in the unlikely case Chromium refuses it.
        for _ in range(5):
            server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
            server.start()
            _, port = server.get_host_and_port()
            if is_browser_safe(port):
                self._moto = server
                return f"http://{LOOPBACK}:{port}"
            server.stop()
        raise LocalCloudError("could not start moto on a browser-safe port")  # pragma: no cover

    def stop(self) -> None:
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
