"""Candidates, their documents, applications and their history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from pydantic import BaseModel
from strawberry.types.field import StrawberryField

from app.domain.applications.schemas import ApplicationPublic, TransitionPublic
from app.domain.candidates.schemas import CandidateLinks as CandidateLinksPublic
from app.domain.candidates.schemas import CandidatePublic, DocumentPublic
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.derive import derived, values
from app.graphql.ids import to_global_id
from app.graphql.loaders import MISSING, peek
from app.graphql.pagination import AFTER_HELP, FIRST_HELP, NESTED_FIRST, check_first, nested_page
from app.graphql.types.node import Node, PageInfo

P = TypeVar("P")
T = TypeVar("T")
C = TypeVar("C")

CURSOR_HELP = "This item's place in the list: pass it as `after` for the items after it"
EDGES_HELP = "The items of this page, each with its cursor"
PAGE_INFO_HELP = "Whether more items follow, and the cursor to ask for them"

if TYPE_CHECKING:
    from app.graphql.types.feedback import HiringDecision, ScorecardSummary
    from app.graphql.types.interviews import InterviewConnection, PanelPacket
    from app.graphql.types.role import Role


def described(model: type[BaseModel]) -> Callable[[type[C]], type[C]]:
    """Give the fields a class declares by hand the description of the public schema's field
    of the same name (app/graphql/derive.py describes the fields it adds itself). A field that
    has its own description keeps it; a private one (strawberry.Private) is left alone."""
    infos: dict[str, Any] = {**model.model_fields, **model.model_computed_fields}
    found = {name: info.description for name, info in infos.items() if info.description}

    def apply(cls: type[C]) -> type[C]:
        for name, annotation in inspect.get_annotations(cls).items():
            description = found.get(name)
            if description is None or "Private" in str(annotation):
                continue
            current: Any = cls.__dict__.get(name, dataclasses.MISSING)
            if isinstance(current, StrawberryField):
                current.description = current.description or description
            elif current is dataclasses.MISSING:
                setattr(cls, name, strawberry.field(description=description))
            else:  # a default value (an input's UNSET)
                setattr(cls, name, strawberry.field(default=current, description=description))
        return cls

    return apply


@strawberry.type(description="A candidate's links on the web")
@described(CandidateLinksPublic)
class CandidateLinks:
    github: str | None
    portfolio: str | None
    linkedin: str | None
    other: list[str]


@strawberry.type(
    description="A file kept for a candidate (a CV, a cover letter), its type detected from "
    "its bytes; download it through REST"
)
@derived(
    DocumentPublic,
    skip={"candidate_id": "Reached from its candidate (candidate { documents })"},
)
@described(DocumentPublic)
class Document(Node):
    database_id: uuid.UUID = strawberry.field(description="The document's id as REST shows it")
    kind: str = strawberry.field(graphql_type=enums.DocumentKind)
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    download_url: str
    created_at: dt.datetime
    application_id: strawberry.ID | None = strawberry.field(
        description="The application it was uploaded for (an Application's global id); null "
        "when for the candidate as a whole"
    )
    uploaded_by_id: strawberry.ID | None = strawberry.field(
        description="Who uploaded it (a Member's global id); null when no member did (the "
        "candidate, with a follow-up answer) or the member was removed"
    )

    @classmethod
    def from_public(cls, d: DocumentPublic) -> Document:
        return cls(
            id=strawberry.ID(to_global_id("Document", d.id)),
            database_id=d.id,
            kind=d.kind,
            filename=d.filename,
            content_type=d.content_type,
            size_bytes=d.size_bytes,
            sha256=d.sha256,
            download_url=d.download_url,
            created_at=d.created_at,
            application_id=_global("Application", d.application_id),
            uploaded_by_id=_global("Member", d.uploaded_by_id),
            **values(cls, d),
        )


def _global(type_name: str, raw_id: uuid.UUID | None) -> strawberry.ID | None:
    return None if raw_id is None else strawberry.ID(to_global_id(type_name, raw_id))


@strawberry.type(description="One entry of an application's history: a move, who, when and why")
@described(TransitionPublic)
class Transition:
    action: str = strawberry.field(graphql_type=enums.HistoryAction)
    from_stage: str | None = strawberry.field(graphql_type=enums.Stage | None)
    to_stage: str = strawberry.field(graphql_type=enums.Stage)
    from_outcome: str | None = strawberry.field(graphql_type=enums.Outcome | None)
    to_outcome: str = strawberry.field(graphql_type=enums.Outcome)
    reason: str
    actor_member_id: strawberry.ID | None = strawberry.field(
        description="Who made it (a Member's global id); null when that member was removed"
    )
    created_at: dt.datetime

    @classmethod
    def from_public(cls, t: TransitionPublic) -> Transition:
        return cls(
            action=t.action,
            from_stage=t.from_stage,
            to_stage=t.to_stage,
            from_outcome=t.from_outcome,
            to_outcome=t.to_outcome,
            reason=t.reason,
            actor_member_id=_global("Member", t.actor_member_id),
            created_at=t.created_at,
        )


@strawberry.type(description="A person considered for roles, with how to reach them and consent")
@derived(CandidatePublic, skip={"organization_id": "Always the caller's own (viewer.organization)"})
@described(CandidatePublic)
class Candidate(Node):
    database_id: uuid.UUID = strawberry.field(description="The candidate's id as REST shows it")
    name: str
    email: str
    phone: str | None
    location: str | None
    time_zone: str | None
    links: CandidateLinks
    current_title: str | None
    current_company: str | None
    years_experience: int | None
    skills: list[str]
    source: str = strawberry.field(graphql_type=enums.Source)
    source_detail: str | None
    consent_given: bool
    consent_at: dt.datetime | None
    version: int
    created_at: dt.datetime

    @classmethod
    def from_public(cls, c: CandidatePublic) -> Candidate:
        return cls(
            id=strawberry.ID(to_global_id("Candidate", c.id)),
            database_id=c.id,
            name=c.name,
            email=c.email,
            phone=c.phone,
            location=c.location,
            time_zone=c.time_zone,
            links=CandidateLinks(
                github=c.links.github,
                portfolio=c.links.portfolio,
                linkedin=c.links.linkedin,
                other=c.links.other,
            ),
            current_title=c.current_title,
            current_company=c.current_company,
            years_experience=c.years_experience,
            skills=c.skills,
            source=c.source,
            source_detail=c.source_detail,
            consent_given=c.consent_given,
            consent_at=c.consent_at,
            version=c.version,
            created_at=c.created_at,
            **values(cls, c),
        )

    @strawberry.field(description="The candidate's applications you may see")
    async def applications(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = NESTED_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> ApplicationConnection:
        check_first(first, info.context.max_first)
        rows = await info.context.loaders.applications_by_candidate.load(self.database_id) or []
        return application_connection(rows, first, after, info.context.max_first)

    @strawberry.field(description="The candidate's documents")
    async def documents(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = NESTED_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> DocumentConnection:
        check_first(first, info.context.max_first)
        rows = await info.context.loaders.documents_by_candidate.load(self.database_id) or []
        edges, page_info = nested_page(
            rows,
            first,
            after,
            info.context.max_first,
            lambda cursor, d: DocumentEdge(cursor=cursor, node=Document.from_public(d)),
        )
        return DocumentConnection(edges=edges, page_info=page_info)


@strawberry.type(description="A candidate's application to a role: where it stands in the pipeline")
@derived(
    ApplicationPublic,
    skip={
        "organization_id": "Always the caller's own (viewer.organization)",
        "candidate_id": "Shown as the candidate object (candidate { id })",
        "role_id": "Shown as the role object (role { id })",
    },
)
@described(ApplicationPublic)
class Application(Node):
    database_id: uuid.UUID = strawberry.field(description="The application's id as REST shows it")
    stage: str = strawberry.field(graphql_type=enums.Stage)
    outcome: str = strawberry.field(graphql_type=enums.Outcome)
    stage_entered_at: dt.datetime
    time_in_stage_seconds: int
    screening_notes: str | None
    recruiter_assessment: str | None
    recruiter_rating: int | None
    version: int
    created_at: dt.datetime
    candidate_id: strawberry.Private[uuid.UUID]
    role_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_public(cls, a: ApplicationPublic) -> Application:
        return cls(
            id=strawberry.ID(to_global_id("Application", a.id)),
            database_id=a.id,
            stage=a.stage,
            outcome=a.outcome,
            stage_entered_at=a.stage_entered_at,
            time_in_stage_seconds=a.time_in_stage_seconds,
            screening_notes=a.screening_notes,
            recruiter_assessment=a.recruiter_assessment,
            recruiter_rating=a.recruiter_rating,
            version=a.version,
            created_at=a.created_at,
            candidate_id=a.candidate_id,
            role_id=a.role_id,
            **values(cls, a),
        )

    @strawberry.field(description="The candidate who applied; null when not yours to see")
    def candidate(self, info: strawberry.Info[Context, None]) -> Candidate | None:
        # Synchronous when the list above prefetched the candidates (role.slates does).
        loader = info.context.loaders.candidate
        found = peek(loader, self.candidate_id)
        if found is MISSING:
            return _shaped_later(loader.load(self.candidate_id), Candidate.from_public)  # type: ignore[return-value]
        return Candidate.from_public(found) if found else None  # type: ignore[arg-type]

    @strawberry.field(description="The role applied to; null when not yours to see")
    async def role(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[Role, strawberry.lazy("app.graphql.types.role")] | None:
        from app.graphql.types.role import Role

        role = await info.context.loaders.role.load(self.role_id)
        return Role.from_public(role) if role else None

    @strawberry.field(
        description="Interviews of this application (interviewers: the ones they are on)"
    )
    async def interviews(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = NESTED_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> Annotated[InterviewConnection, strawberry.lazy("app.graphql.types.interviews")]:
        from app.graphql.types.interviews import interview_connection

        check_first(first, info.context.max_first)
        rows = await info.context.loaders.interviews_by_application.load(self.database_id) or []
        return interview_connection(rows, first, after, info.context.max_first)

    @strawberry.field(
        description="Everything the panel needs: documents, notes, intake summary, interviews"
    )
    async def packet(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[PanelPacket, strawberry.lazy("app.graphql.types.interviews")]:
        from app.domain.interviews import prep
        from app.graphql.types.interviews import PanelPacket

        ctx = info.context
        return PanelPacket.from_public(
            await prep.panel_packet(ctx.session, ctx.actor, self.database_id)
        )

    @strawberry.field(description="All submitted scorecards, their spread, and who is overdue")
    async def scorecard_summary(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[ScorecardSummary, strawberry.lazy("app.graphql.types.feedback")]:
        from app.domain.feedback import scorecards
        from app.graphql.types.feedback import ScorecardSummary

        ctx = info.context
        return ScorecardSummary.from_public(
            await scorecards.summary(ctx.session, ctx.actor, self.database_id)
        )

    @strawberry.field(description="The hiring manager's latest decision after interviews")
    async def decision(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[HiringDecision, strawberry.lazy("app.graphql.types.feedback")] | None:
        from app.graphql.types.feedback import HiringDecision

        found = await info.context.loaders.decision.load(self.database_id)
        return HiringDecision.from_public(found) if found else None

    @strawberry.field(description="Every move: who, when and why")
    async def history(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = NESTED_FIRST,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> TransitionConnection:
        check_first(first, info.context.max_first)
        rows = await info.context.loaders.history.load(self.database_id) or []
        edges, page_info = nested_page(
            rows,
            first,
            after,
            info.context.max_first,
            lambda cursor, t: TransitionEdge(cursor=cursor, node=Transition.from_public(t)),
        )
        return TransitionConnection(edges=edges, page_info=page_info)


@strawberry.type(description="A candidate and its cursor")
class CandidateEdge:
    cursor: str = strawberry.field(description=CURSOR_HELP)
    node: Candidate = strawberry.field(description="The candidate")


@strawberry.type(description="A page of candidates")
class CandidateConnection:
    edges: list[CandidateEdge] = strawberry.field(description=EDGES_HELP)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO_HELP)


@strawberry.type(description="An application and its cursor")
class ApplicationEdge:
    cursor: str = strawberry.field(description=CURSOR_HELP)
    node: Application = strawberry.field(description="The application")


@strawberry.type(description="A page of applications")
class ApplicationConnection:
    edges: list[ApplicationEdge] = strawberry.field(description=EDGES_HELP)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO_HELP)


def application_connection(
    rows: Sequence[ApplicationPublic], first: int, after: str | None, max_first: int
) -> ApplicationConnection:
    edges, page_info = nested_page(
        rows,
        first,
        after,
        max_first,
        lambda cursor, a: ApplicationEdge(cursor=cursor, node=Application.from_public(a)),
    )
    return ApplicationConnection(edges=edges, page_info=page_info)


@strawberry.type(description="A document and its cursor")
class DocumentEdge:
    cursor: str = strawberry.field(description=CURSOR_HELP)
    node: Document = strawberry.field(description="The document")


@strawberry.type(description="A page of a candidate's documents")
class DocumentConnection:
    edges: list[DocumentEdge] = strawberry.field(description=EDGES_HELP)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO_HELP)


@strawberry.type(description="A history entry and its cursor")
class TransitionEdge:
    cursor: str = strawberry.field(description=CURSOR_HELP)
    node: Transition = strawberry.field(description="The history entry")


@strawberry.type(description="A page of an application's history, oldest first")
class TransitionConnection:
    edges: list[TransitionEdge] = strawberry.field(description=EDGES_HELP)
    page_info: PageInfo = strawberry.field(description=PAGE_INFO_HELP)


async def _shaped_later(pending: Awaitable[P | None], shape: Callable[[P], T]) -> T | None:
    value = await pending
    return shape(value) if value is not None else None
