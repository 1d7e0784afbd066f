"""Interviews, scheduling suggestions and the panel packet."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import cast

import strawberry
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


def _gid(type_name: str, raw_id: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(to_global_id(type_name, raw_id))


def _gid_or_none(type_name: str, raw_id: uuid.UUID | None) -> strawberry.ID | None:
    return None if raw_id is None else strawberry.ID(to_global_id(type_name, raw_id))


@strawberry.type(
    description="A member seated on a suggested stage, with the stage's times in their own "
    "time zone"
)
@derived(schemas.SuggestedInterviewer, skip={})
class SuggestedInterviewer:
    member_id: strawberry.ID = strawberry.field(
        description="The Member's global id (node(id:) or member(id:) takes it)"
    )

    @classmethod
    def from_public(cls, i: schemas.SuggestedInterviewer) -> SuggestedInterviewer:
        return cls(member_id=_gid("Member", i.member_id), **values(cls, i))


@strawberry.type(description="One stage of a suggested time: when it runs and who sits on it")
@derived(schemas.SuggestedStage, skip={})
class SuggestedStage:
    interviewers: list[SuggestedInterviewer] = strawberry.field(
        description="The interviewers seated (a list, as it is bounded by the stage's required)"
    )
    trainees: list[SuggestedInterviewer] = strawberry.field(
        description="Members in training seated as an extra interviewer (at most one)"
    )
    pool_id: strawberry.ID | None = strawberry.field(
        description="The InterviewerPool's global id the stage was staffed from; null when the "
        "request listed the people"
    )

    @classmethod
    def from_public(cls, s: schemas.SuggestedStage) -> SuggestedStage:
        return cls(
            interviewers=[SuggestedInterviewer.from_public(i) for i in s.interviewers],
            trainees=[SuggestedInterviewer.from_public(i) for i in s.trainees],
            pool_id=_gid_or_none("InterviewerPool", s.pool_id),
            **values(cls, s),
        )


@strawberry.type(description="One suggested time for the whole panel, ranked against the others")
@derived(schemas.SuggestionPublic, skip={})
class SchedulingSuggestion:
    stages: list[SuggestedStage] = strawberry.field(
        description="The stages, in the order they run (at most 6)"
    )

    @classmethod
    def from_public(cls, s: schemas.SuggestionPublic) -> SchedulingSuggestion:
        return cls(stages=[SuggestedStage.from_public(g) for g in s.stages], **values(cls, s))


@strawberry.type(description="The ranked times found for a panel, or why none fits")
@derived(schemas.SuggestionsPublic, skip={})
class SchedulingSuggestions:
    suggestions: list[SchedulingSuggestion] = strawberry.field(
        description="Best first (at most the request's limit); empty when nothing fits"
    )

    @classmethod
    def from_public(cls, s: schemas.SuggestionsPublic) -> SchedulingSuggestions:
        return cls(
            suggestions=[SchedulingSuggestion.from_public(g) for g in s.suggestions],
            **values(cls, s),
        )


@strawberry.type(
    description="A candidate's document as the panel reads it in the packet. Its id is the "
    "Document's global id: node(id:) gives the whole Document to those who may read the "
    "candidate"
)
@derived(schemas.PacketDocument, skip={})
class PacketDocument(Node):
    id: strawberry.ID = strawberry.field(
        description="The Document's global id (node(id:) answers the whole Document)"
    )
    database_id: uuid.UUID = strawberry.field(description="The document's id as REST shows it")

    @classmethod
    def from_public(cls, d: schemas.PacketDocument) -> PacketDocument:
        return cls(id=_gid("Document", d.id), database_id=d.id, **values(cls, d))


@strawberry.type(description="The role's current intake, as far as the panel needs it")
@derived(schemas.PacketIntake, skip={})
class PacketIntake:
    @classmethod
    def from_public(cls, i: schemas.PacketIntake) -> PacketIntake:
        return cls(**values(cls, i))


@strawberry.type(
    description="One of the application's interviews as the panel sees it in the packet. Its id "
    "is the Interview's global id: node(id:) or interview(id:) gives the whole Interview to "
    "those who may see it"
)
@derived(schemas.PacketInterview, skip={})
class PacketInterview(Node):
    id: strawberry.ID = strawberry.field(
        description="The Interview's global id (node(id:) answers the whole Interview)"
    )
    database_id: uuid.UUID = strawberry.field(description="The interview's id as REST shows it")
    interviewer_ids: list[strawberry.ID] = strawberry.field(
        description="The Member global ids of its panel"
    )

    @classmethod
    def from_public(cls, i: schemas.PacketInterview) -> PacketInterview:
        return cls(
            id=_gid("Interview", i.id),
            database_id=i.id,
            interviewer_ids=[_gid("Member", m) for m in i.interviewer_ids],
            **values(cls, i),
        )


@strawberry.type(description="Everything the panel needs about a candidate, in one place")
class PanelPacket:
    application_id: strawberry.ID = strawberry.field(description="The Application's global id")
    role_title: str = strawberry.field(description="The role's title")
    candidate_name: str = strawberry.field(description="The candidate's name")
    current_title: str | None = strawberry.field(
        description="The candidate's current title; null when unknown"
    )
    current_company: str | None = strawberry.field(
        description="Where the candidate works now; null when unknown"
    )
    years_experience: int | None = strawberry.field(
        description="The candidate's years of experience; null when unknown"
    )
    skills: list[str] = strawberry.field(description="The candidate's skills")
    github: str | None = strawberry.field(description="The candidate's GitHub address, if given")
    portfolio: str | None = strawberry.field(
        description="The candidate's portfolio address, if given"
    )
    linkedin: str | None = strawberry.field(
        description="The candidate's LinkedIn address, if given"
    )
    screening_notes: str | None = strawberry.field(description="The recruiter's screening notes")
    recruiter_assessment: str | None = strawberry.field(description="The recruiter's assessment")
    documents: list[PacketDocument] = strawberry.field(
        description="The candidate's documents the panel reads (a list, as it is short)"
    )
    intake: PacketIntake | None = strawberry.field(
        description="The role's current intake; null before one"
    )
    interviews: list[PacketInterview] = strawberry.field(
        description="The application's interviews (a list, as it is short)"
    )
    scorecards: JSON = strawberry.field(description="Submitted scorecards of earlier interviews")

    @classmethod
    def from_public(cls, p: schemas.PanelPacket) -> PanelPacket:
        links = p.links
        return cls(
            application_id=_gid("Application", p.application_id),
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
            documents=[PacketDocument.from_public(d) for d in p.documents],
            intake=PacketIntake.from_public(p.intake) if p.intake else None,
            interviews=[PacketInterview.from_public(i) for i in p.interviews],
            scorecards=cast(JSON, p.scorecards),
        )


@strawberry.type(description="One member on an interview's panel, and their answer")
class Interviewer:
    response: str = strawberry.field(
        graphql_type=enums.InterviewResponse, description="Their answer to the invitation"
    )
    responded_at: dt.datetime | None = strawberry.field(
        description="When they answered (UTC); null: not yet"
    )
    seat: str = strawberry.field(
        graphql_type=enums.InterviewerSeat,
        description="interviewer, or a trainee's extra seat: shadow (watches) or reverse_shadow "
        "(leads while watched)",
    )
    member_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The member; null when they were removed from the organization")
    async def member(self, info: strawberry.Info[Context, None]) -> Member | None:
        member = await info.context.loaders.member.load(self.member_id)
        return Member.from_public(member) if member else None


@strawberry.type(description="An interview of an application: when, where, who, and how it stands")
@derived(
    schemas.InterviewPublic,
    skip={"role_id": "Reached through the application (applicationId, application.role)"},
)
class Interview(Node):
    id: strawberry.ID = strawberry.field(description="The interview's global id")
    database_id: uuid.UUID = strawberry.field(description="The interview's id as REST shows it")
    interviewers: list[Interviewer] = strawberry.field(
        description=f"The panel: a list, as it is bounded (at most {MAX_PANEL} interviewers)"
    )
    application_id: strawberry.ID = strawberry.field(
        description="The Application's global id it is for"
    )
    organizer_id: strawberry.ID | None = strawberry.field(
        description="The Member's global id who booked it; null when the candidate booked it "
        "or the member was removed"
    )
    application_uuid: strawberry.Private[uuid.UUID]
    pool_id: strawberry.ID | None = strawberry.field(
        description="The InterviewerPool it was booked from (a global id, as interviewerPool(id:) "
        "takes it): declines are replaced and trainees' rounds counted from it. Null: booked "
        "without one (a pool whose kind is the interview's kind then staffs replacements)"
    )

    @strawberry.field(description="The candidate's panel packet: how interviewers reach it")
    async def packet(self, info: strawberry.Info[Context, None]) -> PanelPacket:
        ctx = info.context
        return PanelPacket.from_public(
            await prep.panel_packet(ctx.session, ctx.actor, self.application_uuid)
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
            id=_gid("Interview", i.id),
            database_id=i.id,
            interviewers=[
                Interviewer(
                    response=p.response,
                    responded_at=p.responded_at,
                    seat=p.seat,
                    member_id=p.member_id,
                )
                for p in i.interviewers
            ],
            application_id=_gid("Application", i.application_id),
            organizer_id=_gid_or_none("Member", i.organizer_id),
            application_uuid=i.application_id,
            pool_id=_gid_or_none("InterviewerPool", i.pool_id),
            **values(cls, i),
        )


@strawberry.type(description="An interview and its place in the list")
class InterviewEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the interviews after this one")
    node: Interview = strawberry.field(description="The interview")


@strawberry.type(description="A page of interviews (Relay)")
class InterviewConnection:
    edges: list[InterviewEdge] = strawberry.field(description="The interviews of this page")
    page_info: PageInfo = strawberry.field(description="Where this page stands")


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
