"""Candidates and applications (REST: app/api/v1/candidates.py, applications.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from app.domain.applications import service as applications
from app.domain.applications.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    ApplicationUpdate,
    TransitionCreate,
)
from app.domain.candidates import documents
from app.domain.candidates import service as candidates
from app.domain.candidates.schemas import (
    CandidateCreate,
    CandidateFilters,
    CandidatePublic,
    CandidateUpdate,
)
from app.domain.candidates.schemas import CandidateLinks as CandidateLinksSchema
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.errors import MutationError, validate
from app.graphql.ids import parse_id
from app.graphql.mutate import given, mutate
from app.graphql.pagination import (
    AFTER_HELP,
    FIRST_HELP,
    cursor_of,
    page_info_of,
    page_request,
)
from app.graphql.types.pipeline import (
    Application,
    Candidate,
    CandidateConnection,
    CandidateEdge,
    Document,
    described,
)

Info = strawberry.Info[Context, None]

VERSION_HELP = (
    "The version you read; a change made since answers code conflict (leave out to overwrite)"
)


@strawberry.input(description="A candidate's links on the web")
@described(CandidateLinksSchema)
class CandidateLinksInput:
    github: str | None = None
    portfolio: str | None = None
    linkedin: str | None = None
    other: list[str] | None = None


@strawberry.input(description="A new candidate")
@described(CandidateCreate)
class CreateCandidateInput:
    name: str
    email: str
    source: str = strawberry.field(graphql_type=enums.Source)
    consent_given: bool
    phone: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    links: CandidateLinksInput | None = strawberry.UNSET
    current_title: str | None = strawberry.UNSET
    current_company: str | None = strawberry.UNSET
    years_experience: int | None = strawberry.UNSET
    skills: list[str] | None = strawberry.UNSET
    source_detail: str | None = strawberry.UNSET
    consent_note: str | None = strawberry.UNSET


@strawberry.input(description="A change to a candidate; a field left out is kept")
@described(CandidateUpdate)
class UpdateCandidateInput:
    id: strawberry.ID = strawberry.field(description="The candidate's global id")
    expected_version: int | None = strawberry.field(default=None, description=VERSION_HELP)
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    links: CandidateLinksInput | None = strawberry.UNSET
    current_title: str | None = strawberry.UNSET
    current_company: str | None = strawberry.UNSET
    years_experience: int | None = strawberry.UNSET
    skills: list[str] | None = strawberry.UNSET
    source: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.Source | None
    )
    source_detail: str | None = strawberry.UNSET
    consent_given: bool | None = strawberry.UNSET
    consent_note: str | None = strawberry.UNSET


@strawberry.input(description="A candidate's application to a role")
@described(ApplicationCreate)
class CreateApplicationInput:
    candidate_id: strawberry.ID = strawberry.field(description="The Candidate's global id")
    role_id: strawberry.ID = strawberry.field(description="The Role's global id")
    stage: str | None = strawberry.field(default=strawberry.UNSET, graphql_type=enums.Stage | None)
    screening_notes: str | None = strawberry.UNSET


@strawberry.input(description="A change to an application's notes and rating")
@described(ApplicationUpdate)
class UpdateApplicationInput:
    id: strawberry.ID = strawberry.field(description="The application's global id")
    expected_version: int | None = strawberry.field(default=None, description=VERSION_HELP)
    screening_notes: str | None = strawberry.UNSET
    recruiter_assessment: str | None = strawberry.UNSET
    recruiter_rating: int | None = strawberry.UNSET


@strawberry.input(description="A move of an application, kept in its history")
@described(TransitionCreate)
class TransitionApplicationInput:
    id: strawberry.ID = strawberry.field(description="The application's global id")
    action: str = strawberry.field(default="move", graphql_type=enums.TransitionAction)
    to_stage: str | None = strawberry.field(
        default=strawberry.UNSET, graphql_type=enums.Stage | None
    )
    reason: str


@strawberry.type(description="The candidate as saved")
class CandidatePayload:
    candidate: Candidate = strawberry.field(description="The candidate as saved")


@strawberry.type(description="The application as saved")
class ApplicationPayload:
    application: Application = strawberry.field(description="The application as saved")


CandidateResult = Annotated[
    CandidatePayload | MutationError,
    strawberry.union("CandidateResult", description="The candidate, or why not"),
]


ApplicationResult = Annotated[
    ApplicationPayload | MutationError,
    strawberry.union("ApplicationResult", description="The application, or why not"),
]


async def resolve_document_node(ctx: Context, raw_id: uuid.UUID) -> Document:
    """For `node(id:)` (app/graphql/nodes.py): a document of a candidate the caller may see."""
    return Document.from_public(await documents.get_document(ctx.session, ctx.actor, raw_id))


@strawberry.type
class PipelineQuery:
    @strawberry.field(description="A candidate by its global id; null when not yours to see")
    async def candidate(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The Candidate's global id")],
    ) -> Candidate | None:
        candidate = await info.context.loaders.candidate.load(parse_id(id, "Candidate", "id"))
        return Candidate.from_public(candidate) if candidate else None

    @strawberry.field(description="Candidates, newest first, with the same search as REST")
    async def candidates(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_HELP)] = 50,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        q: Annotated[str | None, strawberry.argument(description="Matches name or email")] = None,
        email: Annotated[
            str | None, strawberry.argument(description="Matches the email address")
        ] = None,
        skill: Annotated[
            str | None, strawberry.argument(description="Has this skill (any case)")
        ] = None,
        source: Annotated[
            str | None,
            strawberry.argument(
                graphql_type=enums.Source | None, description="Came from this source"
            ),
        ] = None,
        role_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Applied to this role (the Role's global id)"),
        ] = None,
    ) -> CandidateConnection:
        ctx = info.context
        filters = validate(
            CandidateFilters,
            {
                "q": q,
                "email": email,
                "skill": skill,
                "source": source,
                "role_id": parse_id(role_id, "Role", "role_id") if role_id else None,
            },
        )
        page = await candidates.list_candidates(
            ctx.session, ctx.actor, filters, page_request(first, after, ctx.max_first)
        )
        return CandidateConnection(
            edges=[
                CandidateEdge(cursor=cursor_of(c), node=Candidate.from_public(c))
                for c in page.items
            ],
            page_info=page_info_of(page, after),
        )

    @strawberry.field(description="An application by its global id; null when not yours to see")
    async def application(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The Application's global id")
        ],
    ) -> Application | None:
        application = await info.context.loaders.application.load(parse_id(id, "Application", "id"))
        return Application.from_public(application) if application else None


def _candidate(candidate: CandidatePublic) -> CandidatePayload:
    return CandidatePayload(candidate=Candidate.from_public(candidate))


def _application(application: ApplicationPublic) -> ApplicationPayload:
    return ApplicationPayload(application=Application.from_public(application))


@strawberry.type
class PipelineMutation:
    @strawberry.mutation(
        description="Add a candidate (recruiters and admins); an email already on file answers "
        "code conflict"
    )
    async def create_candidate(
        self,
        info: Info,
        input: Annotated[
            CreateCandidateInput,
            strawberry.argument(
                description="The candidate's name, email, source and consent, and any profile "
                "details"
            ),
        ],
    ) -> CandidateResult:
        return await mutate(
            info,
            given(input),
            schema=CandidateCreate,
            call=lambda s, actor, p: candidates.create_candidate(s, actor, p.body),
            shape=_candidate,
        )

    @strawberry.mutation(description="Change a candidate (recruiters and admins)")
    async def update_candidate(
        self,
        info: Info,
        input: Annotated[
            UpdateCandidateInput,
            strawberry.argument(
                description="The candidate (its id and expected version) and the fields to change"
            ),
        ],
    ) -> CandidateResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "Candidate"},
            schema=CandidateUpdate,
            call=lambda s, actor, p: candidates.update_candidate(
                s, actor, p.id(), p.body, p.version
            ),
            shape=_candidate,
        )

    @strawberry.mutation(
        description="Record a candidate's application to a role (recruiters and admins)"
    )
    async def create_application(
        self,
        info: Info,
        input: Annotated[
            CreateApplicationInput,
            strawberry.argument(
                description="The candidate, the role, and optionally the first stage and "
                "screening notes"
            ),
        ],
    ) -> ApplicationResult:
        return await mutate(
            info,
            given(input),
            ids={"candidate_id": "Candidate", "role_id": "Role"},
            schema=ApplicationCreate,
            call=lambda s, actor, p: applications.create_application(s, actor, p.body),
            shape=_application,
        )

    @strawberry.mutation(
        description="Change an application's notes and rating (recruiters and admins)"
    )
    async def update_application(
        self,
        info: Info,
        input: Annotated[
            UpdateApplicationInput,
            strawberry.argument(
                description="The application (its id and expected version) and its new notes or "
                "rating"
            ),
        ],
    ) -> ApplicationResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "Application"},
            schema=ApplicationUpdate,
            call=lambda s, actor, p: applications.update_application(
                s, actor, p.id(), p.body, p.version
            ),
            shape=_application,
        )

    @strawberry.mutation(
        description="Move an application (recruiters, admins, and the role's hiring manager); an "
        "illegal move answers code conflict"
    )
    async def transition_application(
        self,
        info: Info,
        input: Annotated[
            TransitionApplicationInput,
            strawberry.argument(
                description="The application, the action (and stage, for a move) and why"
            ),
        ],
    ) -> ApplicationResult:
        return await mutate(
            info,
            given(input),
            ids={"id": "Application"},
            schema=TransitionCreate,
            call=lambda s, actor, p: applications.transition(s, actor, p.id(), p.body),
            shape=_application,
        )
