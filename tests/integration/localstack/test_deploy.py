"""template.yaml deployed into LocalStack as `make up` deploys it: every resource complete."""

from __future__ import annotations

import json
import urllib.request
import uuid

from infra.aws.template import load_template
from infra.local.deploy import client, deploy
from infra.local.localstack import SERVICES, LocalStackProcess
from tests.integration.localstack.conftest import ROOT

SECRETS = {
    "DATABASE_URL": "postgresql://app:pw@127.0.0.1:5432/app",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "API_KEYS": "key-1",
}
# Left out on LocalStack: ECS (a placeholder in its free edition), CloudFront and WAFv2.
SWITCHED_OFF = {"WorkersEnabled", "DashboardCdnEnabled", "ApiWafEnabled"}


def test_the_template_deploys_and_every_resource_is_complete(localstack: LocalStackProcess) -> None:
    name = f"deploy-{uuid.uuid4().hex[:8]}"
    deployment = deploy(
        localstack.endpoint_url,
        ROOT,
        secrets=SECRETS,
        parameters={"RedisKeyPrefix": "deploy_test", "ScanIntervalMs": "500"},
        stack_name=name,
    )
    cfn = client("cloudformation", localstack.endpoint_url)
    listed = cfn.describe_stack_resources(StackName=name)["StackResources"]
    assert listed and {r["ResourceStatus"] for r in listed} == {"CREATE_COMPLETE"}

    template = load_template(ROOT / "template.yaml")
    expected = {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource.get("Condition") not in SWITCHED_OFF
    }
    assert expected <= set(deployment.resources)  # plus what SAM generates (roles, stage, ...)
    # LocalStack starts the services of the deployed resources and those the deploy calls,
    # nothing more (each costs memory and start-up time): CloudFormation, the secrets the
    # template resolves, and STS (Lambda assumes the function's role to write its logs).
    kinds = {kind.split("::")[1].lower() for kind, _, _ in deployment.resources.values()}
    assert set(SERVICES) == kinds | {"cloudformation", "secretsmanager", "sts"}

    lam = client("lambda", localstack.endpoint_url)
    tick = lam.get_function(FunctionName=deployment.function_name("TickFunction"))
    env = tick["Configuration"]["Environment"]["Variables"]
    # Parameters and secrets reached the function as the template wires them.
    assert env["SCAN_INTERVAL_MS"] == "500"
    assert env["REDIS_KEY_PREFIX"] == "deploy_test"
    assert env["DATABASE_URL"] == SECRETS["DATABASE_URL"]
    assert set(deployment.outputs) >= {"ApiUrl", "ApiBaseUrl", "DashboardBucketName"}


def test_localstack_runs_only_the_services_the_deployment_uses(
    localstack: LocalStackProcess,
) -> None:
    with urllib.request.urlopen(f"{localstack.endpoint_url}/_localstack/health") as reply:
        services = json.load(reply)["services"]
    started = {name for name, state in services.items() if state != "disabled"}
    assert started == set(SERVICES) | {"kms"}  # Secrets Manager's dependency
