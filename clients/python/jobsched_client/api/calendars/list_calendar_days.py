import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.calendar_days import CalendarDays
from ...models.error_response import ErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    name: str,
    *,
    since: datetime.date | Unset = UNSET,
    until: datetime.date | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/calendars/{name}/days".format(
            name=quote(str(name), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CalendarDays | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = CalendarDays.from_dict(response.json())

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
) -> Response[CalendarDays | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    since: datetime.date | Unset = UNSET,
    until: datetime.date | Unset = UNSET,
) -> Response[CalendarDays | ErrorResponse]:
    """Each day from since to until: a business day or not, and why not (a holiday's name, an ICS event, an
    extra date, the weekend)

     Needs a key of scope read or above.

    Args:
        name (str):
        since (datetime.date | Unset):
        until (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CalendarDays | ErrorResponse]
    """

    kwargs = _get_kwargs(
        name=name,
        since=since,
        until=until,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    since: datetime.date | Unset = UNSET,
    until: datetime.date | Unset = UNSET,
) -> CalendarDays | ErrorResponse | None:
    """Each day from since to until: a business day or not, and why not (a holiday's name, an ICS event, an
    extra date, the weekend)

     Needs a key of scope read or above.

    Args:
        name (str):
        since (datetime.date | Unset):
        until (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CalendarDays | ErrorResponse
    """

    return sync_detailed(
        name=name,
        client=client,
        since=since,
        until=until,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    since: datetime.date | Unset = UNSET,
    until: datetime.date | Unset = UNSET,
) -> Response[CalendarDays | ErrorResponse]:
    """Each day from since to until: a business day or not, and why not (a holiday's name, an ICS event, an
    extra date, the weekend)

     Needs a key of scope read or above.

    Args:
        name (str):
        since (datetime.date | Unset):
        until (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CalendarDays | ErrorResponse]
    """

    kwargs = _get_kwargs(
        name=name,
        since=since,
        until=until,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    since: datetime.date | Unset = UNSET,
    until: datetime.date | Unset = UNSET,
) -> CalendarDays | ErrorResponse | None:
    """Each day from since to until: a business day or not, and why not (a holiday's name, an ICS event, an
    extra date, the weekend)

     Needs a key of scope read or above.

    Args:
        name (str):
        since (datetime.date | Unset):
        until (datetime.date | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CalendarDays | ErrorResponse
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            since=since,
            until=until,
        )
    ).parsed
