from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.execution import Execution
from ...models.execution_page import ExecutionPage
from ...models.trigger import Trigger
from ...types import UNSET, Response, Unset


def _get_kwargs(
    job_id: UUID,
    *,
    body: Trigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/jobs/{job_id}/trigger".format(
            job_id=quote(str(job_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | Execution | ExecutionPage | None:
    if response.status_code == 202:

        def _parse_response_202(data: object) -> Execution | ExecutionPage:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_202_type_0 = Execution.from_dict(data)

                return response_202_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_202_type_1 = ExecutionPage.from_dict(data)

            return response_202_type_1

        response_202 = _parse_response_202(response.json())

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
) -> Response[ErrorResponse | Execution | ExecutionPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    body: Trigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorResponse | Execution | ExecutionPage]:
    """Run now: one run (an Execution) with optional payload/priority overrides, or {"runs": [...]} for
    many (a page of Executions: as many as fit its 1 MiB of JSON, total counting every run created)

     Needs a key of scope operate or above.

    Args:
        job_id (UUID):
        idempotency_key (str | Unset):
        body (Trigger | Unset): ``{payload?, priority?}`` for one run, or ``{"runs": [...]}`` (not
            both).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Execution | ExecutionPage]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    body: Trigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ErrorResponse | Execution | ExecutionPage | None:
    """Run now: one run (an Execution) with optional payload/priority overrides, or {"runs": [...]} for
    many (a page of Executions: as many as fit its 1 MiB of JSON, total counting every run created)

     Needs a key of scope operate or above.

    Args:
        job_id (UUID):
        idempotency_key (str | Unset):
        body (Trigger | Unset): ``{payload?, priority?}`` for one run, or ``{"runs": [...]}`` (not
            both).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Execution | ExecutionPage
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    body: Trigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorResponse | Execution | ExecutionPage]:
    """Run now: one run (an Execution) with optional payload/priority overrides, or {"runs": [...]} for
    many (a page of Executions: as many as fit its 1 MiB of JSON, total counting every run created)

     Needs a key of scope operate or above.

    Args:
        job_id (UUID):
        idempotency_key (str | Unset):
        body (Trigger | Unset): ``{payload?, priority?}`` for one run, or ``{"runs": [...]}`` (not
            both).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Execution | ExecutionPage]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    body: Trigger | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ErrorResponse | Execution | ExecutionPage | None:
    """Run now: one run (an Execution) with optional payload/priority overrides, or {"runs": [...]} for
    many (a page of Executions: as many as fit its 1 MiB of JSON, total counting every run created)

     Needs a key of scope operate or above.

    Args:
        job_id (UUID):
        idempotency_key (str | Unset):
        body (Trigger | Unset): ``{payload?, priority?}`` for one run, or ``{"runs": [...]}`` (not
            both).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Execution | ExecutionPage
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
