"""The local cloud: emulates ``template.yaml`` on this machine.

One module per job, each usable alone (the test suite reuses several):

- ``services``  finds or starts Redis and PostgreSQL
- ``template``  reads the SAM template: routes, schedules, functions, handler lookup
- ``context``   the LambdaContext stand-in (remaining time from the function's Timeout)
- ``runtime``   one warm container per function: lazy handler import, one call at a time
- ``apigw``     an API-Gateway-style HTTP server that sends real proxy events to the handler
- ``events``    fires the template's schedules with real EventBridge events
- ``s3site``    a moto S3 endpoint and the dashboard upload (plain boto3)
- ``workers``   the worker subprocesses
- ``stack``     puts them together: ``python -m infra.local`` (or ``jobsched up``)
- ``ports``     free ports a browser will connect to; ``errors`` the one error we raise

Importing any of them starts nothing.
"""
