from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.workflow_run import WorkflowRun
from ...models.workflow_trigger import WorkflowTrigger
from ...types import UNSET, Response, Unset


def _get_kwargs(
    workflow_id: UUID,
    *,
    body: WorkflowTrigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/workflows/{workflow_id}/trigger".format(
            workflow_id=quote(str(workflow_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | WorkflowRun | None:
    if response.status_code == 202:
        response_202 = WorkflowRun.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 414:
        response_414 = ErrorResponse.from_dict(response.json())

        return response_414

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | WorkflowRun]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    workflow_id: UUID,
    *,
    client: AuthenticatedClient,
    body: WorkflowTrigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorResponse | WorkflowRun]:
    """Run the workflow now, at run_at or delay_ms from now; input is what its steps reference as {"$ref":
    "input.<path>"}

     Needs a key of scope operate or above.

    Args:
        workflow_id (UUID):
        idempotency_key (str | Unset):
        body (WorkflowTrigger | Unset): A run of the workflow: now, at ``run_at``, or ``delay_ms``
            from now (not both);
                ``input`` is what its steps reference as ``{"$ref": "input.<path>"}``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | WorkflowRun]
    """

    kwargs = _get_kwargs(
        workflow_id=workflow_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    workflow_id: UUID,
    *,
    client: AuthenticatedClient,
    body: WorkflowTrigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ErrorResponse | WorkflowRun | None:
    """Run the workflow now, at run_at or delay_ms from now; input is what its steps reference as {"$ref":
    "input.<path>"}

     Needs a key of scope operate or above.

    Args:
        workflow_id (UUID):
        idempotency_key (str | Unset):
        body (WorkflowTrigger | Unset): A run of the workflow: now, at ``run_at``, or ``delay_ms``
            from now (not both);
                ``input`` is what its steps reference as ``{"$ref": "input.<path>"}``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | WorkflowRun
    """

    return sync_detailed(
        workflow_id=workflow_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    workflow_id: UUID,
    *,
    client: AuthenticatedClient,
    body: WorkflowTrigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorResponse | WorkflowRun]:
    """Run the workflow now, at run_at or delay_ms from now; input is what its steps reference as {"$ref":
    "input.<path>"}

     Needs a key of scope operate or above.

    Args:
        workflow_id (UUID):
        idempotency_key (str | Unset):
        body (WorkflowTrigger | Unset): A run of the workflow: now, at ``run_at``, or ``delay_ms``
            from now (not both);
                ``input`` is what its steps reference as ``{"$ref": "input.<path>"}``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | WorkflowRun]
    """

    kwargs = _get_kwargs(
        workflow_id=workflow_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    workflow_id: UUID,
    *,
    client: AuthenticatedClient,
    body: WorkflowTrigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ErrorResponse | WorkflowRun | None:
    """Run the workflow now, at run_at or delay_ms from now; input is what its steps reference as {"$ref":
    "input.<path>"}

     Needs a key of scope operate or above.

    Args:
        workflow_id (UUID):
        idempotency_key (str | Unset):
        body (WorkflowTrigger | Unset): A run of the workflow: now, at ``run_at``, or ``delay_ms``
            from now (not both);
                ``input`` is what its steps reference as ``{"$ref": "input.<path>"}``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | WorkflowRun
    """

    return (
        await asyncio_detailed(
            workflow_id=workflow_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
