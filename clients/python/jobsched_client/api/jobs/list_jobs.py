from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.job_page import JobPage
from ...models.job_sort import JobSort
from ...models.schedule_status import ScheduleStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: ScheduleStatus | Unset = UNSET,
    handler: str | Unset = UNSET,
    name: str | Unset = UNSET,
    sort: JobSort | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["handler"] = handler

    params["name"] = name

    json_sort: str | Unset = UNSET
    if not isinstance(sort, Unset):
        json_sort = sort.value

    params["sort"] = json_sort

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/jobs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | JobPage | None:
    if response.status_code == 200:
        response_200 = JobPage.from_dict(response.json())

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
) -> Response[ErrorResponse | JobPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: ScheduleStatus | Unset = UNSET,
    handler: str | Unset = UNSET,
    name: str | Unset = UNSET,
    sort: JobSort | Unset = UNSET,
) -> Response[ErrorResponse | JobPage]:
    """List jobs

     Needs a key of scope read or above.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (ScheduleStatus | Unset):
        handler (str | Unset):
        name (str | Unset):
        sort (JobSort | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        handler=handler,
        name=name,
        sort=sort,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: ScheduleStatus | Unset = UNSET,
    handler: str | Unset = UNSET,
    name: str | Unset = UNSET,
    sort: JobSort | Unset = UNSET,
) -> ErrorResponse | JobPage | None:
    """List jobs

     Needs a key of scope read or above.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (ScheduleStatus | Unset):
        handler (str | Unset):
        name (str | Unset):
        sort (JobSort | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobPage
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        status=status,
        handler=handler,
        name=name,
        sort=sort,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: ScheduleStatus | Unset = UNSET,
    handler: str | Unset = UNSET,
    name: str | Unset = UNSET,
    sort: JobSort | Unset = UNSET,
) -> Response[ErrorResponse | JobPage]:
    """List jobs

     Needs a key of scope read or above.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (ScheduleStatus | Unset):
        handler (str | Unset):
        name (str | Unset):
        sort (JobSort | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        handler=handler,
        name=name,
        sort=sort,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: ScheduleStatus | Unset = UNSET,
    handler: str | Unset = UNSET,
    name: str | Unset = UNSET,
    sort: JobSort | Unset = UNSET,
) -> ErrorResponse | JobPage | None:
    """List jobs

     Needs a key of scope read or above.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (ScheduleStatus | Unset):
        handler (str | Unset):
        name (str | Unset):
        sort (JobSort | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobPage
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            status=status,
            handler=handler,
            name=name,
            sort=sort,
        )
    ).parsed
