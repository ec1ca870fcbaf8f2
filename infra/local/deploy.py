"""Deploy ``template.yaml`` into LocalStack as ``sam deploy`` would into AWS, with boto3.

What the SAM CLI does before CloudFormation, done here: the Lambda bundle
(``infra/package_lambda.sh`` without dependencies: the functions run in the project's own
interpreter) is zipped and uploaded to LocalStack's S3, and ``CodeUri`` points at it. Then
what an operator does once per account: the three secrets (DATABASE_URL, REDIS_URL,
API_KEYS) in Secrets Manager; ``VpcConfig`` gets placeholder subnets and a security group
(LocalStack runs without EC2, see ``LOCAL_NETWORK``). The stack is created with
``DeployWorkers=false`` (ECS is a placeholder in LocalStack's community edition: workers
are local processes) and ``DeployDashboardCdn=false`` (no CloudFront there) and
``DeployApiWaf=false`` (nor WAFv2).
Every resource's status is checked, not
only the stack's.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.aws.template import load_template
from infra.local.errors import LocalCloudError

log = logging.getLogger("infra.local.deploy")

REGION = "us-east-1"
STACK_NAME = "job-scheduler"
ARTIFACT_BUCKET = "job-scheduler-artifacts"
DEPLOY_TIMEOUT_S = 120.0
COMPLETE = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
# The template's SubnetIds and SecurityGroupIds, for the functions' VpcConfig. Locally they
# run as processes of this machine, where a VPC means nothing, and LocalStack (started
# without EC2, infra/local/localstack.py) ignores VpcConfig: ids of the right shape suffice.
LOCAL_NETWORK = {
    "SubnetIds": "subnet-0000000000000000a,subnet-0000000000000000b",
    "SecurityGroupIds": "sg-0000000000000000a",
}


@dataclass(frozen=True)
class Deployment:
    stack_name: str
    outputs: dict[str, str]
    resources: dict[str, tuple[str, str, str]]
    """logical id -> (resource type, physical id, status)"""

    @property
    def rest_api_id(self) -> str:
        return self.resources["RestApi"][1]

    def function_name(self, logical_id: str) -> str:
        return self.resources[logical_id][1]


def client(service: str, endpoint_url: str) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def package_code(repo_root: Path) -> bytes:
    """The Lambda bundle as a zip (app.py, jobsched/, handlers/; no third-party wheels)."""
    with tempfile.TemporaryDirectory(prefix="jobsched-bundle-") as scratch:
        out = Path(scratch) / "lambda"
        subprocess.run(
            [str(repo_root / "infra" / "package_lambda.sh"), str(out)],
            check=True,
            env={"SKIP_DEPS": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"},
            stdout=subprocess.DEVNULL,
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(out).as_posix())
        return buffer.getvalue()


def packaged_template(template_path: Path, code_uri: str) -> str:
    """The template with ``CodeUri`` on the uploaded bundle, as ``sam package`` writes it."""
    template = load_template(template_path)
    template.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = code_uri
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.get("Properties", {}).pop("CodeUri", None)
    return json.dumps(template)


def ensure_secret(secrets: Any, name: str, value: str) -> str:
    """Create or update the secret; returns its full ARN."""
    try:
        return secrets.create_secret(Name=name, SecretString=value)["ARN"]
    except secrets.exceptions.ResourceExistsException:
        secrets.put_secret_value(SecretId=name, SecretString=value)
        return secrets.describe_secret(SecretId=name)["ARN"]


def deploy(
    endpoint_url: str,
    repo_root: Path,
    *,
    secrets: Mapping[str, str],
    parameters: Mapping[str, str],
    template_path: Path | None = None,
    stack_name: str = STACK_NAME,
    code: bytes | None = None,
) -> Deployment:
    """Package, upload and deploy; raises LocalCloudError naming any resource that failed.

    ``secrets``: DATABASE_URL, REDIS_URL and API_KEYS values. ``parameters``: template
    parameters (e.g. ``RedisKeyPrefix``) beyond the ones deploy() fills in itself.
    ``code``: the zipped bundle, when already built (``package_code``).
    """
    template_path = template_path or repo_root / "template.yaml"
    s3 = client("s3", endpoint_url)
    s3.create_bucket(Bucket=ARTIFACT_BUCKET)
    key = f"lambda/{int(time.time() * 1000)}.zip"
    s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=code or package_code(repo_root))

    sm = client("secretsmanager", endpoint_url)
    arns = {
        "DatabaseUrlSecretArn": ensure_secret(
            sm, f"{stack_name}/database-url", secrets["DATABASE_URL"]
        ),
        "RedisUrlSecretArn": ensure_secret(sm, f"{stack_name}/redis-url", secrets["REDIS_URL"]),
        "ApiKeysSecretArn": ensure_secret(sm, f"{stack_name}/api-keys", secrets["API_KEYS"]),
    }
    values = {
        **arns,
        **LOCAL_NETWORK,
        "DeployWorkers": "false",
        "DeployDashboardCdn": "false",
        # LocalStack's community edition has no WAFv2.
        "DeployApiWaf": "false",
        **parameters,
    }
    cfn = client("cloudformation", endpoint_url)
    started = time.monotonic()
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=packaged_template(template_path, f"s3://{ARTIFACT_BUCKET}/{key}"),
        Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in values.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    stack = wait_for_stack(cfn, stack_name)
    deployment = describe(cfn, stack)
    log.info(
        "stack %s %s in %.1f s (%d resources)",
        stack_name,
        stack["StackStatus"],
        time.monotonic() - started,
        len(deployment.resources),
    )
    return deployment


def wait_for_stack(cfn: Any, stack_name: str, timeout_s: float = DEPLOY_TIMEOUT_S) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        (stack,) = cfn.describe_stacks(StackName=stack_name)["Stacks"]
        status = stack["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            raise LocalCloudError(f"stack {stack_name} still {status} after {timeout_s:.0f} s")
        time.sleep(0.2)  # CloudFormation offers no push; LocalStack finishes in seconds
    if status not in COMPLETE:
        failed = [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
            for e in cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
            if e["ResourceStatus"].endswith("_FAILED")
        ]
        raise LocalCloudError(f"stack {stack_name} is {status}: " + "; ".join(failed))
    return stack


def describe(cfn: Any, stack: dict) -> Deployment:
    resources = {
        r["LogicalResourceId"]: (
            r["ResourceType"],
            r.get("PhysicalResourceId", ""),
            r["ResourceStatus"],
        )
        for r in cfn.describe_stack_resources(StackName=stack["StackName"])["StackResources"]
    }
    bad = {name: status for name, (_, _, status) in resources.items() if status not in COMPLETE}
    if bad:
        raise LocalCloudError(f"stack {stack['StackName']}: resources not complete: {bad}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return Deployment(stack["StackName"], outputs, resources)


def wait_for_functions(lam: Any, names: list[str], timeout_s: float = 60.0) -> None:
    """Lambda functions start Pending; invocations fail until they are Active."""
    deadline = time.monotonic() + timeout_s
    for name in names:
        while True:
            state = lam.get_function(FunctionName=name)["Configuration"].get("State")
            if state == "Active":
                break
            if state == "Failed" or time.monotonic() > deadline:
                raise LocalCloudError(f"Lambda function {name} is {state}")
            time.sleep(0.1)
