#!/usr/bin/env bash
# Deploy template.yaml: build the Lambda bundle, `sam deploy`, publish the dashboard.
#
#   infra/aws/deploy.sh [sam deploy options...]
#
# e.g.
#   infra/aws/deploy.sh --parameter-overrides "DatabaseUrlSecretArn=arn:... \
#     RedisUrlSecretArn=arn:... ApiKeysSecretArn=arn:... SubnetIds=subnet-a,subnet-b \
#     SecurityGroupIds=sg-1 WorkerImageUri=<account>.dkr.ecr.<region>.amazonaws.com/job-scheduler-worker:<tag>"
#
# Environment:
#   SAM=samlocal      use LocalStack's wrapper instead of `sam`
#   STACK_NAME=...    stack to deploy and publish (default: job-scheduler, as in
#                     samconfig.toml); set this rather than passing --stack-name
#   PYTHON=...        interpreter for the packaging and publishing steps
# AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE etc. are honoured by sam and boto3 alike.
#
# The worker image is built and pushed separately (docs/deploy.md):
#   docker build -f infra/worker/Dockerfile -t <repo>:<tag> . && docker push <repo>:<tag>
# or, without a Docker engine, `make image` (buildah) and `podman push`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
sam="${SAM:-sam}"
stack="${STACK_NAME:-job-scheduler}"
if [[ -n "${PYTHON:-}" ]]; then
  python="$PYTHON"
elif [[ -x "$root/.venv/bin/python" ]]; then
  python="$root/.venv/bin/python"
else
  python="python3"
fi

# `sam deploy` prefers .aws-sam/build/template.yaml when it exists; this repo
# never runs `sam build`, so a leftover one would deploy stale code.
if [[ -e .aws-sam/build/template.yaml ]]; then
  echo "deploy: remove .aws-sam/build (left by 'sam build'); it would shadow template.yaml" >&2
  exit 1
fi

PYTHON="$python" bash infra/package_lambda.sh
"$sam" deploy --template-file template.yaml --stack-name "$stack" "$@"
"$python" -m infra.aws.publish_dashboard --stack-name "$stack"
