"""The Job Scheduler SDK: a thin layer over the generated jobsched_client.

``JobScheduler`` (sync) and ``AsyncJobScheduler`` (asyncio) hold an authenticated client,
raise ``JobSchedulerError`` for any answer outside 2xx, iterate over pages and wait for
runs. The generated package stays reachable: ``sdk.client`` for any
``jobsched_client.api.<tag>.<operation>`` function, ``jobsched_client.models`` for types.
"""

from ._common import FINISHED, WORKFLOW_FINISHED, RunTimeout
from .aio import AsyncJobScheduler
from .errors import JobSchedulerError, unwrap
from .sync import JobScheduler

__all__ = [
    "FINISHED",
    "WORKFLOW_FINISHED",
    "AsyncJobScheduler",
    "JobScheduler",
    "JobSchedulerError",
    "RunTimeout",
    "unwrap",
]
