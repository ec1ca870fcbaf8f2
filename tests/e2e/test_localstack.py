"""End to end, under the API: what `make up` deployed into LocalStack, seen through its APIs
as an operator would see an AWS account (boto3 against the stack's LocalStack)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

import pytest

from infra.local.deploy import STACK_NAME, client
from jobsched.client import Client
from tests.e2e.stack import Stack
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.e2e


def _get(url: str) -> tuple[int, dict[str, Any]]:
    with urllib.request.urlopen(url, timeout=15) as reply:
        return reply.status, json.load(reply)


def _resources(stack: Stack) -> dict[str, dict[str, str]]:
    cfn = client("cloudformation", stack.localstack_url)
    listed = cfn.describe_stack_resources(StackName=STACK_NAME)["StackResources"]
    return {r["LogicalResourceId"]: r for r in listed}


def test_health_answers_on_the_api_port_and_through_localstacks_api_gateway(stack: Stack) -> None:
    assert _get(f"{stack.api_url}/health") == (200, {"status": "ok"})
    assert stack.stage_api_url.startswith(stack.localstack_url + "/_aws/execute-api/")
    assert _get(f"{stack.stage_api_url}/health") == (200, {"status": "ok"})


def test_the_stack_and_every_resource_in_it_are_complete(stack: Stack) -> None:
    cfn = client("cloudformation", stack.localstack_url)
    (described,) = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    resources = _resources(stack)
    assert {r["ResourceStatus"] for r in resources.values()} == {"CREATE_COMPLETE"}
    types = {r["ResourceType"] for r in resources.values()}
    assert {
        "AWS::Lambda::Function",
        "AWS::ApiGateway::RestApi",
        "AWS::Events::Rule",
        "AWS::S3::Bucket",
        "AWS::Logs::LogGroup",
    } <= types
    # Left out on an emulator by the template's own switches: ECS and CloudFront.
    assert not any(t.startswith(("AWS::ECS::", "AWS::CloudFront::")) for t in types)


def test_the_functions_run_with_the_templates_settings(stack: Stack) -> None:
    lam = client("lambda", stack.localstack_url)
    resources = _resources(stack)
    api_fn = lam.get_function(FunctionName=resources["ApiFunction"]["PhysicalResourceId"])
    tick_fn = lam.get_function(FunctionName=resources["TickFunction"]["PhysicalResourceId"])
    assert (api_fn["Configuration"]["State"], tick_fn["Configuration"]["State"]) == (
        "Active",
        "Active",
    )
    assert (api_fn["Configuration"]["Timeout"], tick_fn["Configuration"]["Timeout"]) == (28, 70)
    assert api_fn["Configuration"]["MemorySize"] == 512
    env = api_fn["Configuration"]["Environment"]["Variables"]
    # The stack's own prefix came in as a template parameter; the key through its secret.
    assert env["REDIS_KEY_PREFIX"] == stack.redis_prefix
    assert env["API_KEYS"] == stack.api_key


def test_the_rule_fires_the_tick_and_its_runs_are_in_its_log_group(
    stack: Stack, api: Client
) -> None:
    resources = _resources(stack)
    tick_name = resources["TickFunction"]["PhysicalResourceId"]
    events = client("events", stack.localstack_url)
    rule = events.describe_rule(Name=resources["TickFunctionTick"]["PhysicalResourceId"])
    assert (rule["ScheduleExpression"], rule["State"]) == ("rate(1 minute)", "ENABLED")
    targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert [t["Arn"].rsplit(":", 1)[1] for t in targets] == [tick_name]

    logs = client("logs", stack.localstack_url)
    group = f"/aws/lambda/{tick_name}"

    def tick_started() -> bool:
        try:
            found = logs.filter_log_events(logGroupName=group, filterPattern="START")
        except logs.exceptions.ResourceNotFoundException:
            return False
        return any("START RequestId" in e["message"] for e in found["events"])

    # The invocation at start-up runs for a minute: its START is logged when it ends.
    wait_for(tick_started, timeout=100, interval=1, what=f"a tick invocation in {group}")

    # And the tick schedules: a per-second cron job runs.
    job = api.create_job(
        name=f"tick-{uuid.uuid4().hex[:8]}", handler="test.echo", schedule="* * * * * *"
    )
    wait_for(
        lambda: any(e["status"] == "SUCCEEDED" for e in api.list_executions(job["id"])["items"]),
        timeout=30,
        interval=0.3,
        what="a run of the per-second job",
    )
    api.delete_job(job["id"])
