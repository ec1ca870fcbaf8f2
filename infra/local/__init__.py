"""The local cloud: ``template.yaml`` deployed into LocalStack, plus what LocalStack lacks.

- ``localstack``   starts LocalStack in-process from ``.venv-localstack`` (no Docker)
- ``deploy``       packages the Lambda code, uploads it and deploys the template (boto3)
- ``passthrough``  keeps the API at ``127.0.0.1:PORT``: a pass-through to the API stage
- ``services``     finds or starts Redis and PostgreSQL (not AWS services LocalStack has)
- ``workers``      the worker subprocesses (ECS is a placeholder in LocalStack's free edition)
- ``stack``        puts them together: ``python -m infra.local`` (or ``jobsched up``)
- ``ports``        free ports a browser will connect to; ``errors`` the one error we raise

The Lambda executor LocalStack runs the functions with is in ``infra/localstack/plugin``
(it is loaded into LocalStack's interpreter, not ours). Importing any of these starts nothing.
"""
