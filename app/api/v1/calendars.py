"""Calendar connections (Google, Microsoft 365, CalDAV) and each member's calendars."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import (
    CurrentActor,
    Db,
    HttpClient,
    IfMatch,
    Paging,
    ReadSession,
    WriteSession,
    etag,
)
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, PATCH_RESPONSES, WRITE_RESPONSES, problem_schema
from app.domain.calendars import connections, oauth
from app.domain.calendars.schemas import (
    CalendarConnectionCreate,
    CalendarConnectionPublic,
    CalendarConnectionUpdate,
    MemberCalendarPublic,
    MemberCalendarUpdate,
    OAuthStart,
    OAuthStarted,
)

router = APIRouter(tags=["calendars"], responses=COMMON_RESPONSES)


@router.post(
    "/calendar-connections",
    status_code=201,
    summary="Connect a calendar account: organization-wide (admins) or a member's own CalDAV; "
    "the credentials are tried with a real read first and never shown again",
    responses=WRITE_RESPONSES,
)
async def create_calendar_connection(
    data: CalendarConnectionCreate, actor: CurrentActor, session: WriteSession, http: HttpClient
) -> CalendarConnectionPublic:
    """Admins connect an organization-wide account (Google, Microsoft 365 or CalDAV); a member
    may connect only their own CalDAV calendar (403 otherwise). The credentials are tried with a
    real read before anything is stored and are never shown again; a URL refused by the outbound
    guard is a 422. Records calendar.connected."""
    return await connections.create_connection(session, actor, data, http)


@router.post(
    "/calendar-connections/oauth/start",
    summary="Start connecting your own Google or Microsoft calendar: answers the provider's "
    "consent URL (OAuth 2.0 with PKCE; the state is bound to you and used once)",
    responses=WRITE_RESPONSES,
)
async def start_calendar_oauth(
    data: OAuthStart, actor: CurrentActor, session: WriteSession
) -> OAuthStarted:
    """Starts connecting your own Google or Microsoft calendar: answers the provider's consent
    URL to send the member to (OAuth 2.0 with PKCE). The state is bound to you, used once and
    expires; the provider then returns to the callback."""
    return await oauth.start(session, actor, data)


@router.get(
    "/calendar-connections/oauth/callback",
    status_code=201,
    summary="Where the provider sends the member back (no API key: the state identifies the "
    "consent); creates the member's connection",
    responses={400: problem_schema("A wrong, expired or replayed state, or a refused code")},
    openapi_extra={"security": []},
)
async def finish_calendar_oauth(
    request: Request,
    db: Db,
    http: HttpClient,
    state: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=4000)] = None,
    error: Annotated[str | None, Query(max_length=500)] = None,
) -> CalendarConnectionPublic:
    """The provider redirects the member here after consent; no API key is needed because the
    single-use state identifies who asked. Creates the member's calendar connection; a missing,
    unknown, used or expired state, or a refused consent, is a 400 naming the field."""
    return await oauth.callback(
        db, request.app.state.settings, http, code=code, state=state, error=error
    )


@router.get(
    "/calendar-connections",
    summary="Calendar connections with their health (members see their own and the organization's)",
)
async def list_calendar_connections(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[CalendarConnectionPublic]:
    """Calendar connections with their health (last sync, errors). Admins and recruiters see
    every connection; other members see their own and the organization-wide ones. Paged with
    limit and cursor."""
    return PagePublic.of(await connections.list_connections(session, actor, page))


@router.get(
    "/calendar-connections/{connection_id}", summary="One calendar connection with its health"
)
async def read_calendar_connection(
    connection_id: uuid.UUID, actor: CurrentActor, session: ReadSession, response: Response
) -> CalendarConnectionPublic:
    """One calendar connection with its health. Another organization's connection, or another
    member's own that you may not see, is a 404."""
    connection = await connections.get_connection(session, actor, connection_id)
    response.headers["ETag"] = etag(connection.version)
    return connection


@router.patch(
    "/calendar-connections/{connection_id}",
    summary="Rename, replace credentials, pause or resume, choose who invites and video links",
    responses=PATCH_RESPONSES,
)
async def update_calendar_connection(
    connection_id: uuid.UUID,
    data: CalendarConnectionUpdate,
    actor: CurrentActor,
    session: WriteSession,
    version: IfMatch,
    response: Response,
) -> CalendarConnectionPublic:
    """Rename the connection, replace its credentials, pause or resume syncing, and choose who
    sends invitations and video links. Admins, or the member for their own connection. Records
    calendar.updated."""
    connection = await connections.update_connection(session, actor, connection_id, data, version)
    response.headers["ETag"] = etag(connection.version)
    return connection


@router.delete(
    "/calendar-connections/{connection_id}",
    status_code=204,
    summary="Disconnect: its calendars and mirrored busy time go; interviews stay",
    responses=WRITE_RESPONSES,
)
async def delete_calendar_connection(
    connection_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> Response:
    """Disconnects the account: its calendars and the busy time mirrored from them go, while
    interviews already scheduled stay. Admins, or the member for their own connection. Records
    calendar.disconnected."""
    await connections.delete_connection(session, actor, connection_id)
    return Response(status_code=204)


@router.get(
    "/members/{member_id}/calendars",
    summary="A member's connected calendars: which count as busy, which receives interviews, "
    "and each one's sync health",
)
async def list_member_calendars(
    member_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[MemberCalendarPublic]:
    """The member's connected calendars: which count as busy time, which receives interviews,
    and each one's sync health. Another organization's member is a 404."""
    return PagePublic.whole(await connections.member_calendars(session, actor, member_id))


@router.patch(
    "/calendars/{calendar_id}",
    summary="Choose whether a calendar counts as busy and whether it receives interviews",
    responses=WRITE_RESPONSES,
)
async def update_member_calendar(
    calendar_id: uuid.UUID, data: MemberCalendarUpdate, actor: CurrentActor, session: WriteSession
) -> MemberCalendarPublic:
    """Choose whether a calendar counts as busy time and whether it receives interviews. The
    member, an admin or a recruiter; anyone else is a 403. Records calendar.updated."""
    return await connections.update_member_calendar(session, actor, calendar_id, data)
