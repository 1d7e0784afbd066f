"""Interviews, scheduling suggestions and the panel packet."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import cast

import strawberry
from strawberry.experimental import pydantic as strawberry_pydantic
from strawberry.scalars import JSON

from app.domain.interviews import prep, schemas
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.pagination import nested_page
from app.graphql.types.feedback import Scorecard
from app.graphql.types.member import Member
from app.graphql.types.node import Node, PageInfo

# An interview's panel is at most this many interviewers (`interviewer_ids` of the scheduling
# inputs), and each has at most one scorecard for it: the two lists below are bounded by it.
MAX_PANEL = 10


@strawberry_pydantic.type(model=schemas.SuggestedInterviewer, all_fields=True)
class SuggestedInterviewer:
    pass


@strawberry_pydantic.type(model=schemas.SuggestedStage, all_fields=True)
class SuggestedStage:
    pass


@strawberry_pydantic.type(model=schemas.SuggestionPublic, all_fields=True)
class SchedulingSuggestion:
    pass


@strawberry_pydantic.type(model=schemas.SuggestionsPublic, all_fields=True)
class SchedulingSuggestions:
    pass


@strawberry_pydantic.type(model=schemas.PacketDocument, all_fields=True)
class PacketDocument:
    pass


@strawberry_pydantic.type(model=schemas.PacketIntake, all_fields=True)
class PacketIntake:
    pass


@strawberry_pydantic.type(model=schemas.PacketInterview, all_fields=True)
class PacketInterview:
    status: enums.InterviewStatus  # type: ignore[valid-type]


@strawberry.type(description="Everything the panel needs about a candidate, in one place")
class PanelPacket:
    application_id: uuid.UUID
    role_title: str
    candidate_name: str
    current_title: str | None
    current_company: str | None
    years_experience: int | None
    skills: list[str]
    github: str | None
    portfolio: str | None
    linkedin: str | None
    screening_notes: str | None
    recruiter_assessment: str | None
    documents: list[PacketDocument]
    intake: PacketIntake | None
    interviews: list[PacketInterview]
    scorecards: JSON = strawberry.field(description="Submitted scorecards of earlier interviews")

    @classmethod
    def from_public(cls, p: schemas.PanelPacket) -> PanelPacket:
        links = p.links
        return cls(
            application_id=p.application_id,
            role_title=p.role_title,
            candidate_name=p.candidate_name,
            current_title=p.current_title,
            current_company=p.current_company,
            years_experience=p.years_experience,
            skills=p.skills,
            github=str(links["github"]) if links.get("github") else None,
            portfolio=str(links["portfolio"]) if links.get("portfolio") else None,
            linkedin=str(links["linkedin"]) if links.get("linkedin") else None,
            screening_notes=p.screening_notes,
            recruiter_assessment=p.recruiter_assessment,
            documents=[PacketDocument.from_pydantic(d) for d in p.documents],
            intake=PacketIntake.from_pydantic(p.intake) if p.intake else None,
            interviews=[PacketInterview.from_pydantic(i) for i in p.interviews],
            scorecards=cast(JSON, p.scorecards),
        )


@strawberry.type
class Interviewer:
    response: str = strawberry.field(graphql_type=enums.InterviewResponse)
    responded_at: dt.datetime | None
    member_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def member(self, info: strawberry.Info[Context, None]) -> Member | None:
        member = await info.context.loaders.member.load(self.member_id)
        return Member.from_public(member) if member else None


@strawberry.type
@derived(
    schemas.InterviewPublic,
    skip={
        "role_id": "Reached through the application (applicationId, application.role)",
        "organizer_id": "Not yet in GraphQL: the organizer member (REST: organizer_id)",
        "pool_id": "Not yet in GraphQL: interviewer pools come with app/graphql/interviewer_pools.py",
    },
)
class Interview(Node):
    database_id: uuid.UUID
    kind: str
    start_at: dt.datetime
    end_at: dt.datetime
    time_zone: str
    location: str | None
    video_url: str | None
    status: str = strawberry.field(graphql_type=enums.InterviewStatus)
    status_reason: str | None
    ical_uid: str
    ical_sequence: int
    interviewers: list[Interviewer] = strawberry.field(
        description=f"The panel: a list, as it is bounded (at most {MAX_PANEL} interviewers)"
    )
    version: int
    application_id: uuid.UUID

    @strawberry.field(description="The candidate's panel packet: how interviewers reach it")
    async def packet(self, info: strawberry.Info[Context, None]) -> PanelPacket:
        ctx = info.context
        return PanelPacket.from_public(
            await prep.panel_packet(ctx.session, ctx.actor, self.application_id)
        )

    @strawberry.field(
        description="Scorecards you may read: your own, and the others' once yours is submitted. "
        f"A list, as it is bounded: one scorecard per interviewer, at most {MAX_PANEL}"
    )
    async def scorecards(self, info: strawberry.Info[Context, None]) -> list[Scorecard]:
        rows = await info.context.loaders.scorecards_by_interview.load(self.database_id) or []
        return [Scorecard.from_public(c) for c in rows]

    @classmethod
    def from_public(cls, i: schemas.InterviewPublic) -> Interview:
        return cls(
            id=strawberry.ID(to_global_id("Interview", i.id)),
            database_id=i.id,
            kind=i.kind,
            start_at=i.start_at,
            end_at=i.end_at,
            time_zone=i.time_zone,
            location=i.location,
            video_url=i.video_url,
            status=i.status,
            status_reason=i.status_reason,
            ical_uid=i.ical_uid,
            ical_sequence=i.ical_sequence,
            interviewers=[
                Interviewer(response=p.response, responded_at=p.responded_at, member_id=p.member_id)
                for p in i.interviewers
            ],
            version=i.version,
            application_id=i.application_id,
            **values(cls, i),
        )


@strawberry.type
class InterviewEdge:
    cursor: str
    node: Interview


@strawberry.type
class InterviewConnection:
    edges: list[InterviewEdge]
    page_info: PageInfo


def interview_connection(
    rows: Sequence[schemas.InterviewPublic], first: int, after: str | None, max_first: int
) -> InterviewConnection:
    edges, page_info = nested_page(
        rows,
        first,
        after,
        max_first,
        lambda cursor, i: InterviewEdge(cursor=cursor, node=Interview.from_public(i)),
    )
    return InterviewConnection(edges=edges, page_info=page_info)
