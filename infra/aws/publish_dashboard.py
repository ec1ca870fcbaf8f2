"""Upload dashboard/ to a deployed stack's DashboardBucket, with its config.json.

    python -m infra.aws.publish_dashboard [--stack-name job-scheduler] [--site-dir dashboard]
                                          [--api-url URL]

Reads the stack's outputs (``DashboardBucketName``, ``ApiBaseUrl``, and ``DashboardUrl``,
the CloudFront HTTPS address), uploads every file of the site plus a generated
``config.json`` (``{"apiUrl": ...}``, what dashboard/app.js loads) into the private
bucket and prints the dashboard's URL. Files carry ``Cache-Control: no-cache``, so
CloudFront serves the new version within a second, with no invalidation. The upload is
the local cloud's own ``upload_site``, so AWS and the local stack publish the same way.

Plain boto3: credentials, region and ``AWS_ENDPOINT_URL`` (LocalStack) come from the
usual AWS environment variables and profiles. On LocalStack the stack's ApiBaseUrl
names the real AWS domain; pass LocalStack's form with ``--api-url``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_OUTPUTS = ("DashboardBucketName", "ApiBaseUrl")


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The stack's outputs as {OutputKey: OutputValue}."""
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def publish(s3: Any, outputs: dict[str, str], site_dir: Path) -> list[str]:
    """Upload ``site_dir`` and config.json into the stack's bucket; returns the keys."""
    from infra.local.s3site import upload_site

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
