# The README's two commands: `make up` runs the whole stack, `make test` the suite.
.PHONY: up openapi clients clients-python test test-fast test-cluster test-containers image lint format bench bench-history chaos mutate package clean

PY := .venv/bin/python
# pytest-xdist workers for `make test`: the LocalStack/e2e/chaos tests run in order on
# one (tests/conftest.py groups them), the other tests are shared out between both.
TEST_WORKERS ?= 2

up:
	@infra/bootstrap.sh $(if $(filter container,$(WORKER_RUNTIME)),--containers)
	@$(PY) -m jobsched up

# The API's OpenAPI document written to openapi.json (what client generators read);
# tests/unit/test_openapi_file.py fails while the committed file is stale.
openapi:
	@$(PY) -m jobsched.api.openapi_file

# The SDKs generated from openapi.json (run `make openapi` first when the API changed).
clients: clients-python

# clients/python/jobsched_client from openapi-python-client (clients/python/generate.py;
# the wrapper jobsched_sdk beside it is not generated); tests/unit/test_python_sdk.py
# fails while the committed code is stale.
clients-python:
	@$(PY) clients/python/generate.py

test:
	@infra/bootstrap.sh --browser --servers --containers
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

# Only the container tests (tests/integration/containers: builds the worker image as
# `make image` does, then runs it as the template's ECS task would; ~1.5 min, 2.5 from a fresh clone).
test-containers:
	@infra/bootstrap.sh --containers
	@$(PY) -m pytest tests/integration/containers tests/unit/test_worker_image_contract.py -q

test-fast:
	@$(PY) -m pytest tests/unit tests/integration -x -q

# Only what runs against a Redis Cluster (`make test` runs it too): the also_cluster
# modules' cluster half, the failover tests and the e2e stack on a cluster (~3 min).
test-cluster:
	@infra/bootstrap.sh --servers
	@$(PY) -m pytest tests/integration tests/e2e/test_stack.py -q -k "cluster and not single"

lint:
	@$(PY) -m ruff check . && $(PY) -m ruff format --check .

format:
	@$(PY) -m ruff check --fix . && $(PY) -m ruff format .

# Every benchmark, ~15-20 min on 2 cores; figures in bench/results/*.json and
# docs/performance.md. BENCH_QUICK=1: toy sizes, once, nothing written (checks the
# harness, ~1 min without api/cold). BENCH_REPEAT=N: repeats of drain, floor, lag (3).
bench:
	@infra/bootstrap.sh
	@$(PY) -m bench.run $(if $(BENCH_REPEAT),--repeat $(BENCH_REPEAT))

# Reads and the tick over 100k, 1M and 10M stored executions (~20 min, ~5 GB of disk);
# figures in bench/results/history.json (docs/performance.md).
bench-history:
	@infra/bootstrap.sh
	@$(PY) -m bench.history

# Kill and restart things under load on private servers; figures in bench/results/chaos.json
# (docs/reliability.md). Exits non-zero if a run is lost or ran twice where nothing allows it.
chaos:
	@infra/bootstrap.sh --servers
	@$(PY) -m tests.chaos.run

# Mutation testing of the pure modules and sanitising (mutmut, ~2 min; not in `make test`):
# prints each module's score, writes bench/results/mutate.json, exits 1 under 85 %
# (docs/reliability.md#mutation-testing). Uses the venv `make test` installs (mutmut is in
# requirements-dev.txt).
mutate:
	@$(PY) -m bench.mutate

# The worker image (infra/worker/Dockerfile) built with buildah, no Docker engine: over a
# Debian base made with debootstrap and a wheelhouse the host's pip fills, both cached in
# .cache/containers (first build ~1.5 min, then ~25 s). Prints its size and build time.
# docs/deploy.md: the same Dockerfile built with Docker and pushed to ECR.
image:
	@infra/bootstrap.sh --containers
	@$(PY) -m infra.worker.image

package:
	@infra/package_lambda.sh

clean:
	rm -rf .venv .venv-localstack build .local .cache
