from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.explanation import Explanation
from ...types import UNSET, Response


def _get_kwargs(
    job_id: UUID,
    *,
    at: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["at"] = at

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/jobs/{job_id}/explain".format(
            job_id=quote(str(job_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | Explanation | None:
    if response.status_code == 200:
        response_200 = Explanation.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

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
) -> Response[ErrorResponse | Explanation]:
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
    at: str,
) -> Response[ErrorResponse | Explanation]:
    """What became of the job's occurrence at a time, and why (a closed day, a window, a bound, a pause,
    catch-up, overlap, a DST gap)

     Needs a key of scope read or above.

    Args:
        job_id (UUID):
        at (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Explanation]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        at=at,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    at: str,
) -> ErrorResponse | Explanation | None:
    """What became of the job's occurrence at a time, and why (a closed day, a window, a bound, a pause,
    catch-up, overlap, a DST gap)

     Needs a key of scope read or above.

    Args:
        job_id (UUID):
        at (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Explanation
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        at=at,
    ).parsed


async def asyncio_detailed(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    at: str,
) -> Response[ErrorResponse | Explanation]:
    """What became of the job's occurrence at a time, and why (a closed day, a window, a bound, a pause,
    catch-up, overlap, a DST gap)

     Needs a key of scope read or above.

    Args:
        job_id (UUID):
        at (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Explanation]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        at=at,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: UUID,
    *,
    client: AuthenticatedClient,
    at: str,
) -> ErrorResponse | Explanation | None:
    """What became of the job's occurrence at a time, and why (a closed day, a window, a bound, a pause,
    catch-up, overlap, a DST gap)

     Needs a key of scope read or above.

    Args:
        job_id (UUID):
        at (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Explanation
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            at=at,
        )
    ).parsed
