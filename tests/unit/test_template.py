"""template.yaml: it lints, it describes the Chalice app's routes, and it keeps secrets secret.

The checks on the app (routes, CORS, the tick) import ``app.app``; everything
else reads only the template and the deploy files beside it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from cfnlint.api import lint_file
from cfnlint.decode import cfn_yaml

from infra.aws.template import (
    TEMPLATE_PATH,
    api_cors,
    api_routes,
    api_stage,
    environment,
    functions,
    load_template,
    loads,
    rate_seconds,
    schedules,
)
from jobsched.handler_settings import HandlerSettings
from jobsched.settings import Settings, describe

ROOT = Path(__file__).resolve().parents[2]

# Environment variables whose values are credentials.
SECRET_VARIABLES = {"DATABASE_URL", "REDIS_URL", "API_KEYS"}
SETTING_VARIABLES = {row[0] for row in describe()}
# A parameter whose name says it carries a secret must be NoEcho, or be the ARN
# of a Secrets Manager secret (never the secret itself).
SECRETISH_NAME = re.compile(r"password|secret|token|apikey|api_key|databaseurl|redisurl", re.I)
SECRET_ARN_PATTERN = re.compile(r"^\^arn:aws.*:secretsmanager:")

EXPECTED_ROUTES = {
    ("/api/v1/health", "GET"),
    ("/api/v1/openapi.json", "GET"),
    ("/api/v1/jobs", "POST"),
    ("/api/v1/jobs", "GET"),
    ("/api/v1/jobs/{job_id}", "GET"),
    ("/api/v1/jobs/{job_id}", "PUT"),
    ("/api/v1/jobs/{job_id}", "DELETE"),
    ("/api/v1/jobs/{job_id}/pause", "POST"),
    ("/api/v1/jobs/{job_id}/resume", "POST"),
    ("/api/v1/jobs/{job_id}/trigger", "POST"),
    ("/api/v1/jobs/{job_id}/next-runs", "GET"),
    ("/api/v1/jobs/{job_id}/backfill", "POST"),
    ("/api/v1/jobs/{job_id}/occurrences", "GET"),
    ("/api/v1/schedules/preview", "POST"),
    ("/api/v1/jobs/{job_id}/executions", "GET"),
    ("/api/v1/executions", "GET"),
    ("/api/v1/executions/{execution_id}", "GET"),
    ("/api/v1/executions/{execution_id}/cancel", "POST"),
    ("/api/v1/executions/{execution_id}/retry", "POST"),
    ("/api/v1/metrics", "GET"),
    ("/api/v1/metrics/prometheus", "GET"),
    ("/api/v1/metrics/executions", "GET"),
    ("/api/v1/workers", "GET"),
    ("/api/v1/handlers", "GET"),
    ("/api/v1/flow", "GET"),
    ("/api/v1/dead-letter", "GET"),
    ("/api/v1/dead-letter/{entry_id}", "GET"),
    ("/api/v1/dead-letter/{entry_id}", "DELETE"),
    ("/api/v1/dead-letter/{entry_id}/redrive", "POST"),
    ("/api/v1/audit", "GET"),
    ("/api/v1/keys", "POST"),
    ("/api/v1/keys", "GET"),
    ("/api/v1/keys/me", "GET"),
    ("/api/v1/keys/{key_id}", "DELETE"),
    ("/api/v1/workflows", "POST"),
    ("/api/v1/workflows", "GET"),
    ("/api/v1/workflows/{workflow_id}", "GET"),
    ("/api/v1/workflows/{workflow_id}", "PUT"),
    ("/api/v1/workflows/{workflow_id}", "DELETE"),
    ("/api/v1/workflows/{workflow_id}/trigger", "POST"),
    ("/api/v1/workflows/{workflow_id}/pause", "POST"),
    ("/api/v1/workflows/{workflow_id}/resume", "POST"),
    ("/api/v1/workflows/{workflow_id}/backfill", "POST"),
    ("/api/v1/workflows/{workflow_id}/occurrences", "GET"),
    ("/api/v1/workflows/{workflow_id}/runs", "GET"),
    ("/api/v1/workflow-runs/{run_id}", "GET"),
    ("/api/v1/workflow-runs/{run_id}/cancel", "POST"),
    ("/api/v1/workflow-runs/{run_id}/retry", "POST"),
    ("/api/v1/jobs/{job_id}/explain", "GET"),
    ("/api/v1/calendars", "POST"),
    ("/api/v1/calendars", "GET"),
    ("/api/v1/calendars/{name}", "GET"),
    ("/api/v1/calendars/{name}/days", "GET"),
    ("/api/v1/calendars/{name}", "PUT"),
    ("/api/v1/calendars/{name}", "DELETE"),
}


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


def _resources_of_type(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _worker_container(template: dict) -> dict:
    (task,) = _resources_of_type(template, "AWS::ECS::TaskDefinition").values()
    (container,) = task["Properties"]["ContainerDefinitions"]
    return container


# --------------------------------------------------------------------------- lint


def test_cfn_lint_reports_no_errors_or_warnings():
    matches = lint_file(TEMPLATE_PATH)
    problems = [m for m in matches if m.rule.id[0] in "EW"]
    assert not problems, "\n".join(str(m) for m in problems)


def test_loader_agrees_with_cfn_lint_decoder(template):
    """Our PyYAML loader (no cfn-lint at run time) reads what cfn-lint reads."""
    reference = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE_PATH))))
    assert template == reference


def test_loader_long_forms_short_tags():
    parsed = loads(
        """
        AWSTemplateFormatVersion: 2010-09-09
        A: !Ref X
        B: !GetAtt Res.Arn
        C: !Sub "${X}-y"
        D: !If [Cond, !Ref AWS::NoValue, [1, 2]]
        E: !Condition Cond
        """
    )
    assert parsed == {
        "AWSTemplateFormatVersion": "2010-09-09",
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["Res", "Arn"]},
        "C": {"Fn::Sub": "${X}-y"},
        "D": {"Fn::If": ["Cond", {"Ref": "AWS::NoValue"}, [1, 2]]},
        "E": {"Condition": "Cond"},
    }


# --------------------------------------------------------------------------- API


def test_template_routes_are_the_contract(template):
    assert api_routes(template) == EXPECTED_ROUTES


def test_every_api_event_is_on_rest_api_and_no_catch_all(template):
    api = template["Resources"]["ApiFunction"]
    assert api["Type"] == "AWS::Serverless::Function"
    props = api["Properties"]
    assert props["Handler"] == "app.app"
    for name, event in props["Events"].items():
        assert event["Type"] == "Api", name
        assert event["Properties"]["RestApiId"] == {"Ref": "RestApi"}, name
        path = event["Properties"]["Path"]
        assert "+}" not in path, f"{name}: Chalice routes on resourcePath, no {{proxy+}}"
        assert path.startswith("/api/v1/"), name
        assert event["Properties"]["Method"] != "OPTIONS", "preflight is RestApi.Cors's job"
    assert template["Resources"]["RestApi"]["Type"] == "AWS::Serverless::Api"
    assert api_stage(template) == "api"


def test_api_and_tick_functions(template):
    fns = functions(template)
    api, tick = fns["ApiFunction"], fns["TickFunction"]
    for fn in (api, tick):
        assert fn.runtime == "python3.11"
        assert fn.code_uri == "build/lambda/"
        assert "VpcConfig" in fn.properties
    assert api.handler == "app.app"
    assert api.timeout_s <= 29, "API Gateway gives up after 29 s"
    assert tick.timeout_s >= 60, "the tick loops through a whole minute"
    assert {"DATABASE_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "API_KEYS", "SCAN_INTERVAL_MS"} <= set(
        api.environment
    )
    assert "API_KEYS" not in tick.environment, "only the API checks API keys"
    for fn in (api, tick):
        assert fn.environment["REDIS_CLUSTER"] == {"Ref": "RedisCluster"}


def test_tick_runs_every_minute(template):
    assert set(schedules(template)) == {("TickFunction", "app.tick", "rate(1 minute)")}
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(5 minutes)") == 300
    with pytest.raises(ValueError):
        rate_seconds("cron(0 12 * * ? *)")


def test_tick_instances_enable_one_schedule_each(template):
    """TickInstances=N: N tick schedules fire (each its own concurrent invocation, its
    own lock owner), sharing SCHEDULER_SHARDS; the first always, the others by condition."""
    events = functions(template)["TickFunction"].events
    assert events["Tick"]["Properties"]["Enabled"] is True
    conditions = template["Conditions"]
    for n, name in ((2, "TickTwo"), (3, "TickThree"), (4, "TickFour")):
        state = events[f"Tick{n}"]["Properties"]["State"]
        assert state == {"Fn::If": [name, "ENABLED", "DISABLED"]}
        assert name in conditions
    assert template["Parameters"]["TickInstances"]["AllowedValues"] == [1, 2, 3, 4]
    assert template["Parameters"]["SchedulerShards"]["MaxValue"] == 256


def test_cors_preflight_headers_allow_bearer_auth(template):
    cors = api_cors(template)
    assert cors is not None
    assert cors["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip().lower() for h in cors["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    # Every header the app itself allows (a browser's keyed trigger sends
    # Idempotency-Key): on AWS the preflight is API Gateway's, not the app's.
    from app.app import app

    assert {h.lower() for h in app.api.cors.allow_headers.split(",")} <= allowed


def test_environment_resolves_parameters_but_not_secrets(template):
    env = environment(functions(template)["ApiFunction"], template=template, stack_name="s")
    assert env["REDIS_KEY_PREFIX"] == "job_scheduler"
    assert env["REDIS_CLUSTER"] == "false"  # RedisCluster: "true" for a cluster's node URL
    assert env["SCAN_INTERVAL_MS"] == "1000"
    assert env["POWERTOOLS_SERVICE_NAME"] == "s"
    assert env["DATABASE_URL"] is None and env["API_KEYS"] is None


# --------------------------------------------------------------------------- the app


def _chalice_app():
    from app.app import app

    return app


def test_template_routes_match_chalice_app(template):
    app = _chalice_app()
    app_routes = {
        (path, method)
        for path, methods in app.routes.items()
        for method in methods
        if method != "OPTIONS"
    }
    assert api_routes(template) == app_routes


def test_chalice_cors_matches_preflight(template):
    """Preflight comes from API Gateway, the CORS headers of responses from Chalice:
    both must allow the dashboard's origin, or the browser drops the response."""
    app = _chalice_app()
    origin = api_cors(template)["Access-Control-Allow-Origin"]
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            assert entry.cors, f"{method} {path} has no CORS; the dashboard is cross-origin"
            assert entry.cors.allow_origin == origin, f"{method} {path}"


def test_tick_handler_exists():
    import app.app as module

    assert callable(getattr(module, "tick", None)), "template's TickFunction runs app.tick"


# --------------------------------------------------------------------------- secrets


def test_secret_parameters_are_noecho_or_secret_arns(template):
    for name, spec in template["Parameters"].items():
        if not SECRETISH_NAME.search(name):
            continue
        is_arn = name.endswith("Arn") and SECRET_ARN_PATTERN.match(spec.get("AllowedPattern", ""))
        is_kms_key = name.endswith("KmsKeyArn")
        assert spec.get("NoEcho") or is_arn or is_kms_key, f"{name} would show its value"


def test_lambda_secrets_are_dynamic_references(template):
    for fn in functions(template).values():
        for variable in SECRET_VARIABLES & set(fn.environment):
            value = fn.environment[variable]
            assert isinstance(value, dict) and set(value) == {"Fn::Sub"}, variable
            assert value["Fn::Sub"].startswith("{{resolve:secretsmanager:${"), variable


def test_worker_secrets_come_from_secrets_manager(template):
    container = _worker_container(template)
    plain = {e["Name"] for e in container.get("Environment", [])}
    from_secrets = {s["Name"] for s in container["Secrets"]}
    assert not plain & SECRET_VARIABLES
    assert {"DATABASE_URL", "REDIS_URL"} <= from_secrets
    assert "API_KEYS" not in from_secrets, "workers do not serve the API"


def test_no_secret_parameter_reaches_outputs(template):
    secret_params = {
        name
        for name, spec in template["Parameters"].items()
        if spec.get("NoEcho") or SECRETISH_NAME.search(name)
    }
    text = json.dumps(template.get("Outputs", {}))
    for name in secret_params:
        assert name not in text


# --------------------------------------------------------------------------- IAM


def _statements(template: dict):
    for name, res in _resources_of_type(template, "AWS::IAM::Role").items():
        for policy in res["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                if "Fn::If" in statement:
                    _, yes, no = statement["Fn::If"]
                    candidates = [yes, no]
                else:
                    candidates = [statement]
                for candidate in candidates:
                    if isinstance(candidate, dict) and "Effect" in candidate:
                        yield name, candidate


def test_iam_is_least_privilege(template):
    for role, statement in _statements(template):
        actions = statement["Action"]
        actions = actions if isinstance(actions, list) else [actions]
        assert all("*" not in a for a in actions), f"{role}: wildcard action"
        assert statement.get("Resource") != "*", f"{role}: wildcard resource"
    reads = [s for _, s in _statements(template) if s["Action"] == "secretsmanager:GetSecretValue"]
    assert reads and all(
        s["Resource"] == [{"Ref": "DatabaseUrlSecretArn"}, {"Ref": "RedisUrlSecretArn"}]
        for s in reads
    )
    task_role = template["Resources"]["WorkerTaskRole"]["Properties"]
    assert "Policies" not in task_role and "ManagedPolicyArns" not in task_role
    for fn in functions(template).values():
        assert "Policies" not in fn.properties, f"{fn.logical_id} needs only SAM's VPC role"


# --------------------------------------------------------------------------- workers


def test_worker_service_runs_jobsched_worker_on_fargate(template):
    container = _worker_container(template)
    assert container["Image"] == {"Ref": "WorkerImageUri"}
    assert container["Command"] == ["worker"]
    env = {e["Name"] for e in container["Environment"]}
    assert {
        "MAX_CONCURRENT_JOBS",
        "VISIBILITY_TIMEOUT_MS",
        "REDIS_KEY_PREFIX",
        "REDIS_CLUSTER",
    } <= env
    assert container["LogConfiguration"]["LogDriver"] == "awslogs"
    (service,) = _resources_of_type(template, "AWS::ECS::Service").values()
    assert service["Properties"]["LaunchType"] == "FARGATE"
    assert service["Properties"]["DesiredCount"] == {"Ref": "WorkerDesiredCount"}


# Settings that name one process, not the system: each component sets its own.
IDENTITY_VARIABLES = {"WORKER_ID", "SCHEDULER_INSTANCE_ID", "WORKER_POOLS"}


def _settings_of(env: dict) -> dict:
    return {k: v for k, v in env.items() if k in SETTING_VARIABLES and k not in IDENTITY_VARIABLES}


def test_api_tick_and_workers_share_their_settings(template):
    """The API validates a job with the same allow-lists the workers run it with: a
    setting any component has, every component has, with the same value."""
    fns = functions(template)
    container = _worker_container(template)
    worker_env = {e["Name"]: e["Value"] for e in container["Environment"]}
    worker_env.update({s["Name"]: s["ValueFrom"] for s in container["Secrets"]})
    lambda_envs = {name: _settings_of(fns[name].environment) for name in fns}
    for name, env in lambda_envs.items():
        env.pop("API_KEYS", None)  # only the API checks keys; tested above
        # Only the API's requests have a statement timeout (the tick's and the
        # workers' statements must finish).
        if name == "ApiFunction":
            assert env.pop("API_STATEMENT_TIMEOUT_MS") == {"Ref": "ApiStatementTimeoutMs"}
        for secret, arn in (("DATABASE_URL", "DatabaseUrl"), ("REDIS_URL", "RedisUrl")):
            parameter = f"{arn}SecretArn"
            reference = "{{resolve:secretsmanager:${" + parameter + "}}}"
            assert env[secret]["Fn::Sub"] == reference, name
            env[secret] = {"Ref": parameter}  # the ECS form of the same secret
    assert set(lambda_envs) == {"ApiFunction", "TickFunction"}
    expected = _settings_of(worker_env)
    assert {"SHELL_ALLOWED_COMMANDS", "SHELL_ALLOWED_ENV", "WEBHOOK_ALLOWED_HOSTS"} <= set(expected)
    for name, env in lambda_envs.items():
        assert env == expected, name


# Settings an operator tunes on AWS, as template parameters (name, setting, code default).
TUNABLE = (
    ("WorkerDeadAfterMs", "WORKER_DEAD_AFTER_MS", "worker_dead_after_ms"),
    ("MaxDeliveries", "MAX_DELIVERIES", "max_deliveries"),
    ("RetentionDays", "RETENTION_DAYS", "retention_days"),
    ("MaxUnfinishedRunsPerJob", "MAX_UNFINISHED_RUNS_PER_JOB", "max_unfinished_runs_per_job"),
    ("AuditRetentionDays", "AUDIT_RETENTION_DAYS", "audit_retention_days"),
    ("RecordRunningAfterMs", "RECORD_RUNNING_AFTER_MS", "record_running_after_ms"),
    ("ChildMaxMemoryMb", "CHILD_MAX_MEMORY_MB", "child_max_memory_mb"),
    ("ChildMaxCpuSeconds", "CHILD_MAX_CPU_SECONDS", "child_max_cpu_seconds"),
    ("ChildMaxOpenFiles", "CHILD_MAX_OPEN_FILES", "child_max_open_files"),
    ("ChildMaxProcesses", "CHILD_MAX_PROCESSES", "child_max_processes"),
)


def test_operational_settings_are_parameters_with_the_codes_defaults(template, pool_template):
    """WORKER_DEAD_AFTER_MS, MAX_DELIVERIES, RETENTION_DAYS ... reach every component
    from one parameter each, defaulting to what the code defaults to; a pool stack has
    the same parameters."""
    defaults, handler_defaults = Settings(), HandlerSettings()
    container = _worker_container(template)
    worker_env = {e["Name"]: e["Value"] for e in container["Environment"]}
    fns = functions(template)
    for parameter, variable, field_name in TUNABLE:
        default = getattr(defaults, field_name, None)
        if default is None:  # a handler setting (CHILD_MAX_*)
            default = getattr(handler_defaults, field_name)
        assert template["Parameters"][parameter]["Default"] == default
        assert pool_template["Parameters"][parameter] == template["Parameters"][parameter]
        assert worker_env[variable] == {"Ref": parameter}, variable
        for name, fn in fns.items():
            assert _settings_of(fn.environment)[variable] == {"Ref": parameter}, (name, variable)
    levels = template["Parameters"]["LogLevel"]
    assert levels["Default"] == "INFO" and "DEBUG" in levels["AllowedValues"]
    assert worker_env["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert pool_template["Parameters"]["LogLevel"] == levels


def test_workers_scale_on_queue_depth(template):
    (policy,) = _resources_of_type(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    spec = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    metrics = spec["CustomizedMetricSpecification"]["Metrics"]
    depth = [m["MetricStat"]["Metric"] for m in metrics if "MetricStat" in m]
    assert {"Namespace": "JobScheduler", "MetricName": "QueueDepth"}.items() <= depth[0].items()
    # Powertools adds the dimension service=$POWERTOOLS_SERVICE_NAME; the policy
    # must name the same one or it tracks an empty series.
    # The default pool's workers track the default pool's series (the tick emits one
    # per pool), not the sum: other pools' backlogs are not theirs to drain.
    assert depth[0]["Dimensions"] == [
        {"Name": "service", "Value": {"Ref": "AWS::StackName"}},
        {"Name": "pool", "Value": "default"},
    ]
    env = {e["Name"]: e["Value"] for e in _worker_container(template)["Environment"]}
    assert env["WORKER_POOLS"] == "default"
    for fn in functions(template).values():
        assert fn.environment["POWERTOOLS_SERVICE_NAME"] == {"Ref": "AWS::StackName"}
        assert fn.environment["POWERTOOLS_METRICS_NAMESPACE"] == "JobScheduler"


# --------------------------------------------------------------------------- dashboard


def test_dashboard_is_a_private_bucket_behind_https_cloudfront(template):
    """Users paste their API key into the dashboard: it is served over HTTPS only, from
    a bucket nobody but the distribution can read."""
    resources = template["Resources"]
    bucket = resources["DashboardBucket"]["Properties"]
    assert "WebsiteConfiguration" not in bucket, "the S3 website endpoint is HTTP only"
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}

    (distribution,) = _resources_of_type(template, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["DashboardBucket", "RegionalDomainName"]}
    (oac_id,) = _resources_of_type(template, "AWS::CloudFront::OriginAccessControl")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}

    (statement,) = resources["DashboardBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${DashboardDistribution}")

    outputs = template["Outputs"]
    assert outputs["DashboardUrl"]["Value"]["Fn::Sub"].startswith(
        "https://${DashboardDistribution.DomainName}"
    )
    assert "${RestApi}" in outputs["ApiUrl"]["Value"]["Fn::Sub"]
    # dashboard/config.json's apiUrl carries the /api/v1 prefix.
    api_url = outputs["ApiUrl"]["Value"]["Fn::Sub"]
    assert outputs["ApiBaseUrl"]["Value"]["Fn::Sub"] == api_url + "/api/v1"


def test_api_stage_is_throttled_by_parameters(template):
    (setting,) = template["Resources"]["RestApi"]["Properties"]["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    for key in ("ThrottlingBurstLimit", "ThrottlingRateLimit"):
        parameter = setting[key]["Ref"]
        assert template["Parameters"][parameter]["Default"] > 0, key


def test_each_source_address_is_rate_limited_in_front_of_the_stage(template):
    """A WAF rate rule per IP, associated with the API stage, so one source cannot use
    up the stage throttle every caller shares. Guarded by a parameter: on by default
    (AWS), off in the local stack (LocalStack's community edition has no WAFv2)."""
    resources = template["Resources"]
    acl = resources["ApiWebAcl"]
    assert acl["Type"] == "AWS::WAFv2::WebACL"
    assert acl["Properties"]["Scope"] == "REGIONAL"
    assert acl["Properties"]["DefaultAction"] == {"Allow": {}}
    (rule,) = acl["Properties"]["Rules"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == {"Ref": "ApiRateLimitPerIp"}
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    association = resources["ApiWebAclAssociation"]
    assert association["Type"] == "AWS::WAFv2::WebACLAssociation"
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("/restapis/${RestApi}/stages/${RestApi.Stage}")

    condition = acl["Condition"]
    assert association["Condition"] == condition
    assert template["Conditions"][condition] == {"Fn::Equals": [{"Ref": "DeployApiWaf"}, "true"]}
    assert template["Parameters"]["DeployApiWaf"]["Default"] == "true"
    assert template["Parameters"]["ApiRateLimitPerIp"]["Default"] >= 100
    deploy_py = (ROOT / "infra" / "local" / "deploy.py").read_text()
    assert '"DeployApiWaf": "false"' in deploy_py, "the local stack leaves it out"


# --------------------------------------------------------------------------- deploy files


def test_samconfig_default_deploy():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    deploy = config["default"]["deploy"]["parameters"]
    assert deploy["stack_name"] == "job-scheduler"
    assert "CAPABILITY_IAM" in deploy["capabilities"].split()
    assert deploy["resolve_s3"] is True


def test_worker_dockerfile_shape():
    text = (ROOT / "infra" / "worker" / "Dockerfile").read_text()
    assert "python:3.11-slim" in text
    assert 'ENTRYPOINT ["jobsched"]' in text
    assert 'CMD ["worker"]' in text
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    ignore = (ROOT / ".dockerignore").read_text().split()
    assert ignore[ignore.index("*") :][:1] == ["*"], ".dockerignore is an allow-list"


@pytest.mark.skipif(not (ROOT / "app" / "app.py").exists(), reason="app/app.py not written yet")
def test_package_lambda_lays_out_the_bundle(tmp_path):
    out = tmp_path / "lambda"
    script = ROOT / "infra" / "package_lambda.sh"
    env = {**os.environ, "SKIP_DEPS": "1"}
    for _ in range(2):  # idempotent: a second run rebuilds the same bundle
        subprocess.run(["bash", str(script), str(out)], check=True, env=env, capture_output=True)
    assert (out / "app.py").read_bytes() == (ROOT / "app" / "app.py").read_bytes()
    assert (out / "jobsched" / "__init__.py").is_file()
    assert (out / "handlers" / "__init__.py").is_file()
    assert not list(out.rglob("__pycache__"))
    assert [p.name for p in tmp_path.iterdir()] == ["lambda"], "no scratch dirs left behind"


# --------------------------------------------------------------------------- publishing


class _FakeCloudFormation:
    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs

    def describe_stacks(self, StackName: str) -> dict:  # boto3 casing
        outputs = [{"OutputKey": k, "OutputValue": v} for k, v in self.outputs.items()]
        return {"Stacks": [{"StackName": StackName, "Outputs": outputs}]}


def test_publish_dashboard_uploads_site_and_config(tmp_path, monkeypatch):
    boto3 = pytest.importorskip("boto3")
    from moto import mock_aws

    from infra.aws.publish_dashboard import publish, stack_outputs

    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html>")
    outputs = stack_outputs(
        _FakeCloudFormation(
            {
                "DashboardBucketName": "dash",
                "ApiBaseUrl": "https://x.execute-api.eu-west-1.amazonaws.com/api/api/v1",
                "DashboardUrl": "https://d111111abcdef8.cloudfront.net/",
            }
        ),
        "job-scheduler",
    )
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="dash")
        keys = publish(s3, outputs, site)
        config = json.loads(s3.get_object(Bucket="dash", Key="config.json")["Body"].read())
    assert set(keys) == {"index.html", "config.json"}
    assert config == {"apiUrl": outputs["ApiBaseUrl"]}


# --------------------------------------------------------------------------- more pools

POOL_TEMPLATE = ROOT / "infra" / "aws" / "worker-pool.yaml"


@pytest.fixture(scope="module")
def pool_template() -> dict:
    return load_template(POOL_TEMPLATE)


def test_pool_template_lints_clean():
    problems = [m for m in lint_file(POOL_TEMPLATE) if m.rule.id[0] in "EW"]
    assert not problems, "\n".join(str(m) for m in problems)


def test_a_pool_stack_runs_the_same_worker_on_its_own_pool(template, pool_template):
    """Adding a pool is one `sam deploy` of worker-pool.yaml: the same container and
    settings as the main stack's workers, but WORKER_POOLS=<PoolName>."""
    main, pool = _worker_container(template), _worker_container(pool_template)
    main_env = {e["Name"]: e["Value"] for e in main["Environment"]}
    pool_env = {e["Name"]: e["Value"] for e in pool["Environment"]}
    assert set(pool_env) == set(main_env)
    assert pool_env["WORKER_POOLS"] == {"Ref": "PoolName"}
    assert pool_env["POWERTOOLS_SERVICE_NAME"] == {"Ref": "MainStack"}
    same = set(main_env) - {"WORKER_POOLS", "POWERTOOLS_SERVICE_NAME"}
    assert {k: pool_env[k] for k in same} == {k: main_env[k] for k in same}
    assert pool["Secrets"] == main["Secrets"]
    assert (pool["Image"], pool["Command"]) == (main["Image"], main["Command"])
    # Its job settings are the main template's parameters, same names and defaults.
    names = ("MaxConcurrentJobs", "ShellAllowedCommands", "HandlerModules", "RedisKeyPrefix")
    for name in (*names, "RedisCluster"):
        assert pool_template["Parameters"][name] == template["Parameters"][name], name


def _imports(node: object) -> set[str]:
    if isinstance(node, dict):
        if "Fn::ImportValue" in node:
            return {node["Fn::ImportValue"]["Fn::Sub"]}
        return set().union(*(_imports(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_imports(v) for v in node)) if node else set()
    return set()


def test_a_pool_stack_imports_only_what_the_main_stack_exports(template, pool_template):
    exported = {
        o["Export"]["Name"]["Fn::Sub"].replace("${AWS::StackName}", "${MainStack}")
        for o in template["Outputs"].values()
        if "Export" in o
    }
    needed = _imports(pool_template["Resources"])
    assert needed and needed <= exported


def test_a_pool_scales_on_its_own_queue_depth(pool_template):
    (policy,) = _resources_of_type(
        pool_template, "AWS::ApplicationAutoScaling::ScalingPolicy"
    ).values()
    spec = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    metrics = spec["CustomizedMetricSpecification"]["Metrics"]
    depth = next(m["MetricStat"]["Metric"] for m in metrics if m["Id"] == "depth")
    assert depth["MetricName"] == "QueueDepth"
    assert depth["Dimensions"] == [
        {"Name": "service", "Value": {"Ref": "MainStack"}},
        {"Name": "pool", "Value": {"Ref": "PoolName"}},
    ]
