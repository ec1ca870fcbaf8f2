"""Upload dashboard/ to a deployed stack's DashboardBucket, with its config.json.

    python -m infra.aws.publish_dashboard [--stack-name job-scheduler] [--site-dir dashboard]
                                          [--api-url URL]

Reads the stack's outputs (``DashboardBucketName``, ``ApiBaseUrl``, and ``DashboardUrl``,
the CloudFront HTTPS address), uploads every file of the site plus a generated
``config.json`` (``{"apiUrl": ...}``, what dashboard/app.js loads) into the private
bucket and prints the dashboard's URL. Files carry ``Cache-Control: no-cache``, so
CloudFront serves the new version within a second, with no invalidation. ``make up``
publishes with the same ``upload_site`` into LocalStack's S3.

Plain boto3: credentials, region and ``AWS_ENDPOINT_URL`` (LocalStack) come from the
usual AWS environment variables and profiles. On LocalStack the stack's ApiBaseUrl
names the real AWS domain; pass LocalStack's form with ``--api-url``.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_OUTPUTS = ("DashboardBucketName", "ApiBaseUrl")
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


def upload_site(
    s3_client: Any, bucket: str, site_dir: str | Path, config: dict[str, Any]
) -> list[str]:
    """Upload every file under ``site_dir`` and a generated ``config.json``; returns the keys.

    Cache-Control no-cache: a redeploy must show at once, with no stale app.js beside a
    fresh index.html. The generated config.json wins over a file of that name.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise SystemExit(f"dashboard directory {site_dir} does not exist")
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


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The stack's outputs as {OutputKey: OutputValue}."""
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def publish(s3: Any, outputs: dict[str, str], site_dir: Path) -> list[str]:
    """Upload ``site_dir`` and config.json into the stack's bucket; returns the keys."""
    missing = [key for key in REQUIRED_OUTPUTS if key not in outputs]
    if missing:
        raise SystemExit(f"stack has no output(s) {', '.join(missing)}: is it this template's?")
    config = {"apiUrl": outputs["ApiBaseUrl"]}
    return upload_site(s3, outputs["DashboardBucketName"], site_dir, config)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack-name", default="job-scheduler")
    parser.add_argument("--site-dir", type=Path, default=ROOT / "dashboard")
    parser.add_argument("--region", default=None)
    parser.add_argument(
        "--api-url", default=None, help="apiUrl for config.json (default: ApiBaseUrl)"
    )
    args = parser.parse_args(argv)

    import boto3

    session = boto3.session.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
    if args.api_url:
        outputs["ApiBaseUrl"] = args.api_url
    keys = publish(session.client("s3"), outputs, args.site_dir)
    print(f"uploaded {len(keys)} files to s3://{outputs['DashboardBucketName']}")
    # No DashboardUrl: deployed with DeployDashboardCdn=false, nothing serves the bucket.
    url = outputs.get("DashboardUrl", "(no CloudFront: DeployDashboardCdn=false)")
    print(f"dashboard: {url}")
    print(f"api:       {outputs['ApiBaseUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
