from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.backfill import Backfill
from ...models.error_response import ErrorResponse
from ...models.workflow_backfill_result import WorkflowBackfillResult
from ...types import Response


def _get_kwargs(
    workflow_id: UUID,
    *,
    body: Backfill,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/workflows/{workflow_id}/backfill".format(
            workflow_id=quote(str(workflow_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | WorkflowBackfillResult | None:
    if response.status_code == 202:
        response_202 = WorkflowBackfillResult.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = ErrorResponse.from_dict(response.json())

        return response_409

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
) -> Response[ErrorResponse | WorkflowBackfillResult]:
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
    body: Backfill,
) -> Response[ErrorResponse | WorkflowBackfillResult]:
    """A workflow run for each occurrence of the workflow's schedule in [start, end) that has none (a
    repeat makes none; at most 500 occurrences; one at a time unless overlap_policy is allow)

     Needs a key of scope operate or above.

    Args:
        workflow_id (UUID):
        body (Backfill): Run each occurrence of the job's schedule in ``start <= t < end`` once.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | WorkflowBackfillResult]
    """

    kwargs = _get_kwargs(
        workflow_id=workflow_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    workflow_id: UUID,
    *,
    client: AuthenticatedClient,
    body: Backfill,
) -> ErrorResponse | WorkflowBackfillResult | None:
    """A workflow run for each occurrence of the workflow's schedule in [start, end) that has none (a
    repeat makes none; at most 500 occurrences; one at a time unless overlap_policy is allow)

     Needs a key of scope operate or above.

    Args:
        workflow_id (UUID):
        body (Backfill): Run each occurrence of the job's schedule in ``start <= t < end`` once.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | WorkflowBackfillResult
    """

    return sync_detailed(
        workflow_id=workflow_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    workflow_id: UUID,
    *,
    client: AuthenticatedClient,
    body: Backfill,
) -> Response[ErrorResponse | WorkflowBackfillResult]:
    """A workflow run for each occurrence of the workflow's schedule in [start, end) that has none (a
    repeat makes none; at most 500 occurrences; one at a time unless overlap_policy is allow)

     Needs a key of scope operate or above.

    Args:
        workflow_id (UUID):
        body (Backfill): Run each occurrence of the job's schedule in ``start <= t < end`` once.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | WorkflowBackfillResult]
    """

    kwargs = _get_kwargs(
        workflow_id=workflow_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    workflow_id: UUID,
    *,
    client: AuthenticatedClient,
    body: Backfill,
) -> ErrorResponse | WorkflowBackfillResult | None:
    """A workflow run for each occurrence of the workflow's schedule in [start, end) that has none (a
    repeat makes none; at most 500 occurrences; one at a time unless overlap_policy is allow)

     Needs a key of scope operate or above.

    Args:
        workflow_id (UUID):
        body (Backfill): Run each occurrence of the job's schedule in ``start <= t < end`` once.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | WorkflowBackfillResult
    """

    return (
        await asyncio_detailed(
            workflow_id=workflow_id,
            client=client,
            body=body,
        )
    ).parsed
