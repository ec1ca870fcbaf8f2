"""Log lines as JSON objects, through Powertools' formatter (the ``json`` LOG_FORMAT).

Plugged into the core's CLI by the ``jobsched.log_formats`` entry point, so the core
imports no AWS library. Extra keys (``execution_id``, ``job_id``) become JSON fields,
as in the Lambda functions' logs.
"""

from __future__ import annotations

import logging
import os


def json_formatter() -> logging.Formatter:
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    return LambdaPowertoolsFormatter(
        service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "job-scheduler"
    )
