from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.execution_metrics import ExecutionMetrics
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    window_s: int | Unset = UNSET,
    bucket_s: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["window_s"] = window_s

    params["bucket_s"] = bucket_s

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/metrics/executions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | ExecutionMetrics | None:
    if response.status_code == 200:
        response_200 = ExecutionMetrics.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

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
) -> Response[ErrorResponse | ExecutionMetrics]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    window_s: int | Unset = UNSET,
    bucket_s: int | Unset = UNSET,
) -> Response[ErrorResponse | ExecutionMetrics]:
    """Executions finished per time bucket (only buckets with runs are listed)

     Needs a key of scope read or above.

    Args:
        window_s (int | Unset):
        bucket_s (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ExecutionMetrics]
    """

    kwargs = _get_kwargs(
        window_s=window_s,
        bucket_s=bucket_s,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    window_s: int | Unset = UNSET,
    bucket_s: int | Unset = UNSET,
) -> ErrorResponse | ExecutionMetrics | None:
    """Executions finished per time bucket (only buckets with runs are listed)

     Needs a key of scope read or above.

    Args:
        window_s (int | Unset):
        bucket_s (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ExecutionMetrics
    """

    return sync_detailed(
        client=client,
        window_s=window_s,
        bucket_s=bucket_s,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    window_s: int | Unset = UNSET,
    bucket_s: int | Unset = UNSET,
) -> Response[ErrorResponse | ExecutionMetrics]:
    """Executions finished per time bucket (only buckets with runs are listed)

     Needs a key of scope read or above.

    Args:
        window_s (int | Unset):
        bucket_s (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ExecutionMetrics]
    """

    kwargs = _get_kwargs(
        window_s=window_s,
        bucket_s=bucket_s,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    window_s: int | Unset = UNSET,
    bucket_s: int | Unset = UNSET,
) -> ErrorResponse | ExecutionMetrics | None:
    """Executions finished per time bucket (only buckets with runs are listed)

     Needs a key of scope read or above.

    Args:
        window_s (int | Unset):
        bucket_s (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ExecutionMetrics
    """

    return (
        await asyncio_detailed(
            client=client,
            window_s=window_s,
            bucket_s=bucket_s,
        )
    ).parsed
