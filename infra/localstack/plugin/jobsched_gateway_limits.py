"""LocalStack start-up hook: its web server takes request heads as long as API Gateway's
callers may send and the API validates.

Twisted, LocalStack's web server, refuses a request line or head of 16 KB or more with a
bare 400 or a dropped connection, before API Gateway or the Lambda see it: a long query
string then never gets the API's own 400 naming the field. 64 KB is what Python's
http.server (the project's earlier local API) allowed. Entry point
``localstack.hooks.on_infra_start``; ``check_internals`` guards the attributes.
"""

from __future__ import annotations

from localstack.runtime import hooks

REQUEST_HEAD_LIMIT = 65_536


@hooks.on_infra_start()
def raise_request_head_limits() -> None:
    from twisted.web.http import HTTPChannel

    HTTPChannel.MAX_LENGTH = REQUEST_HEAD_LIMIT  # the request line and each header line
    HTTPChannel.totalHeadersSize = REQUEST_HEAD_LIMIT  # request line and headers together
