"""Mutations: each runs in its own transaction and answers `Payload | MutationError`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON

from app.auth import Actor
from app.domain.applications import service as applications
from app.domain.applications.schemas import ApplicationCreate, ApplicationUpdate, TransitionCreate
from app.domain.calendars import connections as calendar_connections
from app.domain.calendars import oauth as calendar_oauth
from app.domain.calendars.schemas import (
    CREDENTIALS_HELP,
    CalendarConnectionCreate,
    CalendarConnectionUpdate,
    MemberCalendarUpdate,
    OAuthStart,
)
from app.domain.calibration import slates
from app.domain.calibration.schemas import DecisionCreate, SlateCreate, SlateSend, SlateUpdate
from app.domain.candidates import service as candidates
from app.domain.candidates.schemas import CandidateCreate, CandidateUpdate
from app.domain.feedback import decisions, offers, scorecards
from app.domain.feedback.schemas import DecisionCreate as HiringDecisionCreate
from app.domain.feedback.schemas import OfferCreate, OfferTransition, ScorecardWrite
from app.domain.integrations import service as integrations
from app.domain.integrations.schemas import ExternalRefLink
from app.domain.interviews import service as interviews
from app.domain.interviews.schemas import (
    InterviewCancel,
    InterviewReschedule,
    InterviewResponseSet,
    InterviewsCreate,
    InterviewStatusSet,
)
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import (
    ApiKeyCreate,
    ApiKeyRotate,
    MemberCreate,
    MemberUpdate,
    PreferencesUpdate,
)
from app.domain.privacy import erasure
from app.domain.privacy.schemas import ErasureRequest
from app.domain.roles import intake
from app.domain.roles import service as roles
from app.domain.roles.schemas import IntakeRevisionCreate, RoleCreate, RoleUpdate
from app.graphql.context import Context
from app.graphql.errors import MutationError, run_mutation, validate
from app.graphql.ids import parse_id, to_global_id
from app.graphql.types.calendars import CalendarConnection, MemberCalendar, OAuthStarted
from app.graphql.types.calibration import Slate
from app.graphql.types.feedback import HiringDecision, Offer, Scorecard
from app.graphql.types.intake import IntakeRevision
from app.graphql.types.interviews import Interview
from app.graphql.types.member import Member
from app.graphql.types.pipeline import Application, Candidate
from app.graphql.types.privacy import (
    CandidateErasedPayload,
    EraseCandidateInput,
    EraseCandidateResult,
)
from app.graphql.types.role import ExternalRef, Role

Info = strawberry.Info[Context, None]
M = TypeVar("M", bound=BaseModel)
P = TypeVar("P")


def _given(obj: Any) -> dict[str, Any]:
    """The input's fields that the caller actually sent (UNSET ones are left out)."""
    return {k: v for k, v in vars(obj).items() if v is not strawberry.UNSET}


async def _versioned_update(
    ctx: Context,
    data: dict[str, Any],
    kind: str,
    schema: type[M],
    update: Callable[[AsyncSession, Actor, uuid.UUID, M, int | None], Awaitable[P]],
) -> P:
    """The shape every update mutation shares: its id, the version it read (like If-Match),
    the same input schema as REST, one service call in its own transaction."""
    resource_id = parse_id(data.pop("id"), kind, "id")
    version = data.pop("expected_version", None)
    payload = validate(schema, data)
    async with ctx.db.transaction() as session:
        return await update(session, ctx.actor, resource_id, payload, version)


def _ids(data: dict[str, Any], **kinds: str) -> dict[str, Any]:
    for field, kind in kinds.items():
        if data.get(field) is not None:
            data[field] = parse_id(data[field], kind, field)
    return data


@strawberry.input
class CreateRoleInput:
    title: str
    team: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    workplace: str | None = strawberry.UNSET
    headcount: int | None = strawberry.UNSET
    status: str | None = strawberry.UNSET
    recruiter_id: strawberry.ID | None = strawberry.UNSET
    hiring_manager_id: strawberry.ID | None = strawberry.UNSET
    target_start: dt.date | None = strawberry.UNSET
    intake: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Initial intake, REST shape"
    )


@strawberry.input
class UpdateRoleInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="Like If-Match in REST"
    )
    title: str | None = strawberry.UNSET
    team: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    workplace: str | None = strawberry.UNSET
    headcount: int | None = strawberry.UNSET
    status: str | None = strawberry.UNSET
    recruiter_id: strawberry.ID | None = strawberry.UNSET
    hiring_manager_id: strawberry.ID | None = strawberry.UNSET
    target_start: dt.date | None = strawberry.UNSET


@strawberry.input
class ProposeIntakeRevisionInput:
    role_id: strawberry.ID
    content: JSON = strawberry.field(
        description="The intake, in the same shape as REST's IntakeContent"
    )
    change_note: str


@strawberry.input
class SignOffIntakeRevisionInput:
    role_id: strawberry.ID
    number: int


@strawberry.input
class TimeRangeInput:
    start: str
    end: str


@strawberry.input
class WorkingDayInput:
    day: str
    hours: list[TimeRangeInput]


@strawberry.input
class CreateMemberInput:
    email: str
    name: str
    permission_set: str
    title: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    working_hours: list[WorkingDayInput] | None = strawberry.UNSET
    max_interviews_per_day: int | None = strawberry.UNSET
    max_interviews_per_week: int | None = strawberry.UNSET


@strawberry.input
class UpdateMemberInput:
    id: strawberry.ID
    expected_version: int | None = None
    name: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    permission_set: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    working_hours: list[WorkingDayInput] | None = strawberry.UNSET
    max_interviews_per_day: int | None = strawberry.UNSET
    max_interviews_per_week: int | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.input
class UpdatePreferencesInput:
    member_id: strawberry.ID
    update_cadence: str | None = strawberry.UNSET
    update_channel: str | None = strawberry.UNSET
    update_local_time: str | None = strawberry.field(
        default=strawberry.UNSET, description="HH:MM on the member's clock"
    )
    delegate_id: strawberry.ID | None = strawberry.UNSET
    slack_webhook_url: str | None = strawberry.UNSET


@strawberry.input
class CreateApiKeyInput:
    name: str
    member_id: strawberry.ID | None = strawberry.UNSET
    expires_in_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The key stops working this many days from now; left out: never",
    )


@strawberry.input
class LinkRoleExternalRefInput:
    role_id: strawberry.ID
    connection_id: uuid.UUID
    external_id: str


@strawberry.type
class RolePayload:
    role: Role


@strawberry.type
class IntakeRevisionPayload:
    revision: IntakeRevision


@strawberry.type
class MemberPayload:
    member: Member


@strawberry.type
class ApiKey:
    id: uuid.UUID
    name: str
    prefix: str
    member_id: uuid.UUID
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    expires_at: dt.datetime | None = strawberry.field(description="null: never")


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey
    key: str | None = strawberry.field(description="The key itself, only when it was just created")


@strawberry.type
class ExternalRefPayload:
    external_ref: ExternalRef


def _hours(data: dict[str, Any]) -> dict[str, Any]:
    hours = data.get("working_hours")
    if hours is not None:
        data["working_hours"] = {d.day: [vars(r) for r in d.hours] for d in hours}
    return data


RoleResult = Annotated[RolePayload | MutationError, strawberry.union("RoleResult")]
IntakeRevisionResult = Annotated[
    IntakeRevisionPayload | MutationError, strawberry.union("IntakeRevisionResult")
]
MemberResult = Annotated[MemberPayload | MutationError, strawberry.union("MemberResult")]
ApiKeyResult = Annotated[ApiKeyPayload | MutationError, strawberry.union("ApiKeyResult")]
ExternalRefResult = Annotated[
    ExternalRefPayload | MutationError, strawberry.union("ExternalRefResult")
]


def _api_key(k: Any) -> ApiKey:
    return ApiKey(
        id=k.id,
        name=k.name,
        prefix=k.prefix,
        member_id=k.member_id,
        created_at=k.created_at,
        last_used_at=k.last_used_at,
        revoked_at=k.revoked_at,
        expires_at=k.expires_at,
    )


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_role(self, info: Info, input: CreateRoleInput) -> RoleResult:
        ctx = info.context

        async def work() -> RolePayload:
            data = _ids(_given(input), recruiter_id="Member", hiring_manager_id="Member")
            payload = validate(RoleCreate, data)
            async with ctx.db.transaction() as session:
                return RolePayload(
                    role=Role.from_public(await roles.create_role(session, ctx.actor, payload))
                )

        return await run_mutation(work)

    @strawberry.mutation
    async def update_role(self, info: Info, input: UpdateRoleInput) -> RoleResult:
        ctx = info.context

        async def work() -> RolePayload:
            data = _ids(_given(input), recruiter_id="Member", hiring_manager_id="Member")
            role = await _versioned_update(ctx, data, "Role", RoleUpdate, roles.update_role)
            return RolePayload(role=Role.from_public(role))

        return await run_mutation(work)

    @strawberry.mutation
    async def propose_intake_revision(
        self, info: Info, input: ProposeIntakeRevisionInput
    ) -> IntakeRevisionResult:
        ctx = info.context

        async def work() -> IntakeRevisionPayload:
            role_id = parse_id(input.role_id, "Role", "roleId")
            payload = validate(
                IntakeRevisionCreate, {"content": input.content, "change_note": input.change_note}
            )
            async with ctx.db.transaction() as session:
                revision = await intake.propose_revision(session, ctx.actor, role_id, payload)
            return IntakeRevisionPayload(revision=IntakeRevision.from_public(revision))

        return await run_mutation(work)

    @strawberry.mutation
    async def sign_off_intake_revision(
        self, info: Info, input: SignOffIntakeRevisionInput
    ) -> IntakeRevisionResult:
        ctx = info.context

        async def work() -> IntakeRevisionPayload:
            role_id = parse_id(input.role_id, "Role", "roleId")
            async with ctx.db.transaction() as session:
                revision = await intake.sign_off(session, ctx.actor, role_id, input.number)
            return IntakeRevisionPayload(revision=IntakeRevision.from_public(revision))

        return await run_mutation(work)

    @strawberry.mutation
    async def create_member(self, info: Info, input: CreateMemberInput) -> MemberResult:
        ctx = info.context

        async def work() -> MemberPayload:
            payload = validate(MemberCreate, _hours(_given(input)))
            async with ctx.db.transaction() as session:
                member = await organizations.create_member(session, ctx.actor, payload)
            return MemberPayload(member=Member.from_public(member))

        return await run_mutation(work)

    @strawberry.mutation
    async def update_member(self, info: Info, input: UpdateMemberInput) -> MemberResult:
        ctx = info.context

        async def work() -> MemberPayload:
            data = _hours(_given(input))
            member = await _versioned_update(
                ctx, data, "Member", MemberUpdate, organizations.update_member
            )
            return MemberPayload(member=Member.from_public(member))

        return await run_mutation(work)

    @strawberry.mutation
    async def update_preferences(self, info: Info, input: UpdatePreferencesInput) -> MemberResult:
        ctx = info.context

        async def work() -> MemberPayload:
            data = _ids(_given(input), delegate_id="Member")
            member_id = parse_id(data.pop("member_id"), "Member", "memberId")
            payload = validate(PreferencesUpdate, data)
            async with ctx.db.transaction() as session:
                await organizations.update_preferences(session, ctx.actor, member_id, payload)
                member = await organizations.get_member(session, ctx.actor, member_id)
            return MemberPayload(member=Member.from_public(member))

        return await run_mutation(work)

    @strawberry.mutation(description="Issue an API key; the key is in this answer only")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> ApiKeyResult:
        ctx = info.context

        async def work() -> ApiKeyPayload:
            payload = validate(ApiKeyCreate, _ids(_given(input), member_id="Member"))
            async with ctx.db.transaction() as session:
                created = await organizations.create_api_key(session, ctx.actor, payload)
            return ApiKeyPayload(api_key=_api_key(created), key=created.key)

        return await run_mutation(work)

    @strawberry.mutation(
        description="Replace an API key: the new key is in this answer only; the old one keeps "
        "working for graceHours (default 24)"
    )
    async def rotate_api_key(
        self, info: Info, id: uuid.UUID, grace_hours: int | None = None
    ) -> ApiKeyResult:
        ctx = info.context

        async def work() -> ApiKeyPayload:
            payload = validate(
                ApiKeyRotate, {} if grace_hours is None else {"grace_hours": grace_hours}
            )
            async with ctx.db.transaction() as session:
                created = await organizations.rotate_api_key(session, ctx.actor, id, payload)
            return ApiKeyPayload(api_key=_api_key(created), key=created.key)

        return await run_mutation(work)

    @strawberry.mutation
    async def revoke_api_key(self, info: Info, id: uuid.UUID) -> ApiKeyResult:
        ctx = info.context

        async def work() -> ApiKeyPayload:
            async with ctx.db.transaction() as session:
                revoked = await organizations.revoke_api_key(session, ctx.actor, id)
            return ApiKeyPayload(api_key=_api_key(revoked), key=None)

        return await run_mutation(work)

    @strawberry.mutation
    async def link_role_external_ref(
        self, info: Info, input: LinkRoleExternalRefInput
    ) -> ExternalRefResult:
        ctx = info.context

        async def work() -> ExternalRefPayload:
            role_id = parse_id(input.role_id, "Role", "roleId")
            payload = validate(
                ExternalRefLink,
                {"connection_id": input.connection_id, "external_id": input.external_id},
            )
            async with ctx.db.transaction() as session:
                ref = await integrations.link_role(session, ctx.actor, role_id, payload)
            return ExternalRefPayload(
                external_ref=ExternalRef(
                    connection_id=ref.connection_id, external_id=ref.external_id
                )
            )

        return await run_mutation(work)


@strawberry.input
class CandidateLinksInput:
    github: str | None = None
    portfolio: str | None = None
    linkedin: str | None = None
    other: list[str] | None = None


@strawberry.input
class CreateCandidateInput:
    name: str
    email: str
    source: str
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


@strawberry.input
class UpdateCandidateInput:
    id: strawberry.ID
    expected_version: int | None = None
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
    source: str | None = strawberry.UNSET
    source_detail: str | None = strawberry.UNSET
    consent_given: bool | None = strawberry.UNSET
    consent_note: str | None = strawberry.UNSET


@strawberry.input
class CreateApplicationInput:
    candidate_id: strawberry.ID
    role_id: strawberry.ID
    stage: str | None = strawberry.UNSET
    screening_notes: str | None = strawberry.UNSET


@strawberry.input
class UpdateApplicationInput:
    id: strawberry.ID
    expected_version: int | None = None
    screening_notes: str | None = strawberry.UNSET
    recruiter_assessment: str | None = strawberry.UNSET
    recruiter_rating: int | None = strawberry.UNSET


@strawberry.input
class TransitionApplicationInput:
    id: strawberry.ID
    action: str = "move"
    to_stage: str | None = strawberry.UNSET
    reason: str


@strawberry.input
class SlateItemInput:
    application_id: strawberry.ID
    question: str | None = None


@strawberry.input
class CreateSlateInput:
    role_id: strawberry.ID
    items: list[SlateItemInput]
    note: str | None = strawberry.UNSET
    due_at: dt.datetime | None = strawberry.UNSET


@strawberry.input
class UpdateSlateInput:
    id: strawberry.ID
    items: list[SlateItemInput] | None = strawberry.UNSET
    note: str | None = strawberry.UNSET
    due_at: dt.datetime | None = strawberry.UNSET


@strawberry.input
class SendSlateInput:
    id: strawberry.ID
    due_at: dt.datetime


@strawberry.input
class DecisionReasonsInput:
    missing_skills: list[str] | None = None
    red_flags: list[str] | None = None
    categories: list[str] | None = None
    note: str | None = None


@strawberry.input
class DecideSlateItemInput:
    slate_id: strawberry.ID
    item_id: uuid.UUID
    decision: str
    reasons: DecisionReasonsInput
    waitlist_question: str | None = None
    answer: str | None = None
    revision: bool = False


@strawberry.type
class CandidatePayload:
    candidate: Candidate


@strawberry.type
class ApplicationPayload:
    application: Application


@strawberry.type
class SlatePayload:
    slate: Slate


CandidateResult = Annotated[CandidatePayload | MutationError, strawberry.union("CandidateResult")]
ApplicationResult = Annotated[
    ApplicationPayload | MutationError, strawberry.union("ApplicationResult")
]
SlateResult = Annotated[SlatePayload | MutationError, strawberry.union("SlateResult")]


def _links(data: dict[str, Any]) -> dict[str, Any]:
    links = data.get("links")
    if links is not None:
        data["links"] = {k: v for k, v in vars(links).items() if v is not None}
    return data


def _slate_items(data: dict[str, Any]) -> dict[str, Any]:
    items = data.get("items")
    if items is not None:
        data["items"] = [
            {
                "application_id": parse_id(i.application_id, "Application", "application_id"),
                "question": i.question,
            }
            for i in items
        ]
    return data


@strawberry.type
class PipelineMutation:
    @strawberry.mutation(
        description="Erase a candidate (GDPR Art. 17): nothing identifying them is kept "
        "(admins; recruiters if the organization allows)"
    )
    async def erase_candidate(self, info: Info, input: EraseCandidateInput) -> EraseCandidateResult:
        ctx = info.context

        async def work() -> CandidateErasedPayload:
            candidate_id = parse_id(input.candidate_id, "Candidate", "candidateId")
            payload = validate(ErasureRequest, {"reason": input.reason})
            async with ctx.db.transaction() as session:
                erased = await erasure.erase_candidate(
                    session, ctx.actor, candidate_id, payload.reason, source="graphql"
                )
            return CandidateErasedPayload.from_public(
                erased, to_global_id("Candidate", candidate_id)
            )

        return await run_mutation(work)

    @strawberry.mutation
    async def create_candidate(self, info: Info, input: CreateCandidateInput) -> CandidateResult:
        ctx = info.context

        async def work() -> CandidatePayload:
            payload = validate(CandidateCreate, _links(_given(input)))
            async with ctx.db.transaction() as session:
                candidate = await candidates.create_candidate(session, ctx.actor, payload)
            return CandidatePayload(candidate=Candidate.from_public(candidate))

        return await run_mutation(work)

    @strawberry.mutation
    async def update_candidate(self, info: Info, input: UpdateCandidateInput) -> CandidateResult:
        ctx = info.context

        async def work() -> CandidatePayload:
            data = _links(_given(input))
            candidate = await _versioned_update(
                ctx, data, "Candidate", CandidateUpdate, candidates.update_candidate
            )
            return CandidatePayload(candidate=Candidate.from_public(candidate))

        return await run_mutation(work)

    @strawberry.mutation
    async def create_application(
        self, info: Info, input: CreateApplicationInput
    ) -> ApplicationResult:
        ctx = info.context

        async def work() -> ApplicationPayload:
            payload = validate(
                ApplicationCreate, _ids(_given(input), candidate_id="Candidate", role_id="Role")
            )
            async with ctx.db.transaction() as session:
                application = await applications.create_application(session, ctx.actor, payload)
            return ApplicationPayload(application=Application.from_public(application))

        return await run_mutation(work)

    @strawberry.mutation
    async def update_application(
        self, info: Info, input: UpdateApplicationInput
    ) -> ApplicationResult:
        ctx = info.context

        async def work() -> ApplicationPayload:
            application = await _versioned_update(
                ctx,
                _given(input),
                "Application",
                ApplicationUpdate,
                applications.update_application,
            )
            return ApplicationPayload(application=Application.from_public(application))

        return await run_mutation(work)

    @strawberry.mutation(description="Move an application; an illegal move answers code conflict")
    async def transition_application(
        self, info: Info, input: TransitionApplicationInput
    ) -> ApplicationResult:
        ctx = info.context

        async def work() -> ApplicationPayload:
            data = _given(input)
            application_id = parse_id(data.pop("id"), "Application", "id")
            payload = validate(TransitionCreate, data)
            async with ctx.db.transaction() as session:
                application = await applications.transition(
                    session, ctx.actor, application_id, payload
                )
            return ApplicationPayload(application=Application.from_public(application))

        return await run_mutation(work)

    @strawberry.mutation
    async def create_slate(self, info: Info, input: CreateSlateInput) -> SlateResult:
        ctx = info.context

        async def work() -> SlatePayload:
            payload = validate(SlateCreate, _slate_items(_ids(_given(input), role_id="Role")))
            async with ctx.db.transaction() as session:
                slate = await slates.create_slate(session, ctx.actor, payload)
            return SlatePayload(slate=Slate.from_public(slate))

        return await run_mutation(work)

    @strawberry.mutation
    async def update_slate(self, info: Info, input: UpdateSlateInput) -> SlateResult:
        ctx = info.context

        async def work() -> SlatePayload:
            data = _slate_items(_given(input))
            slate_id = parse_id(data.pop("id"), "Slate", "id")
            payload = validate(SlateUpdate, data)
            async with ctx.db.transaction() as session:
                slate = await slates.update_slate(session, ctx.actor, slate_id, payload)
            return SlatePayload(slate=Slate.from_public(slate))

        return await run_mutation(work)

    @strawberry.mutation(
        description="Send to the hiring manager; the applications move to hm_review"
    )
    async def send_slate(self, info: Info, input: SendSlateInput) -> SlateResult:
        ctx = info.context

        async def work() -> SlatePayload:
            slate_id = parse_id(input.id, "Slate", "id")
            payload = validate(SlateSend, {"due_at": input.due_at})
            async with ctx.db.transaction() as session:
                slate = await slates.send_slate(session, ctx.actor, slate_id, payload)
            return SlatePayload(slate=Slate.from_public(slate))

        return await run_mutation(work)

    @strawberry.mutation(
        description="The hiring manager's decision on one candidate of a slate, with reasons"
    )
    async def decide_slate_item(self, info: Info, input: DecideSlateItemInput) -> SlateResult:
        ctx = info.context

        async def work() -> SlatePayload:
            slate_id = parse_id(input.slate_id, "Slate", "slateId")
            reasons = {k: v for k, v in vars(input.reasons).items() if v is not None}
            payload = validate(
                DecisionCreate,
                {
                    "decision": input.decision,
                    "reasons": reasons,
                    "waitlist_question": input.waitlist_question,
                    "answer": input.answer,
                    "revision": input.revision,
                },
            )
            async with ctx.db.transaction() as session:
                slate = await slates.decide(session, ctx.actor, slate_id, input.item_id, payload)
            return SlatePayload(slate=Slate.from_public(slate))

        return await run_mutation(work)


@strawberry.input
class InterviewSlotInput:
    kind: str
    start_at: dt.datetime
    end_at: dt.datetime
    interviewer_ids: list[strawberry.ID]


@strawberry.input
class ScheduleInterviewsInput:
    application_id: strawberry.ID
    interviews: list[InterviewSlotInput]
    time_zone: str | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    video_url: str | None = strawberry.UNSET
    status: str | None = strawberry.UNSET


@strawberry.input
class RescheduleInterviewInput:
    id: strawberry.ID
    start_at: dt.datetime
    end_at: dt.datetime
    reason: str
    interviewer_ids: list[strawberry.ID] | None = strawberry.UNSET
    location: str | None = strawberry.UNSET
    video_url: str | None = strawberry.UNSET


@strawberry.type
class InterviewsPayload:
    interviews: list[Interview]


@strawberry.type
class InterviewPayload:
    interview: Interview


InterviewsResult = Annotated[
    InterviewsPayload | MutationError, strawberry.union("InterviewsResult")
]
InterviewResult = Annotated[InterviewPayload | MutationError, strawberry.union("InterviewResult")]


def _member_ids(ids: list[strawberry.ID], field: str) -> list[uuid.UUID]:
    return [parse_id(i, "Member", field) for i in ids]


@strawberry.type
class InterviewMutation:
    @strawberry.mutation(description="Schedule interviews; a clash answers code conflict (409)")
    async def schedule_interviews(
        self, info: Info, input: ScheduleInterviewsInput
    ) -> InterviewsResult:
        ctx = info.context

        async def work() -> InterviewsPayload:
            data = _given(input)
            data["application_id"] = parse_id(
                data["application_id"], "Application", "applicationId"
            )
            data["interviews"] = [
                {
                    "kind": s.kind,
                    "start_at": s.start_at,
                    "end_at": s.end_at,
                    "interviewer_ids": _member_ids(s.interviewer_ids, "interviewerIds"),
                }
                for s in input.interviews
            ]
            payload = validate(InterviewsCreate, data)
            async with ctx.db.transaction() as session:
                created = await interviews.schedule(session, ctx.actor, payload, ctx.http)
            return InterviewsPayload(interviews=[Interview.from_public(i) for i in created])

        return await run_mutation(work)

    @strawberry.mutation
    async def reschedule_interview(
        self, info: Info, input: RescheduleInterviewInput
    ) -> InterviewResult:
        ctx = info.context

        async def work() -> InterviewPayload:
            data = _given(input)
            interview_id = parse_id(data.pop("id"), "Interview", "id")
            if data.get("interviewer_ids") is not None:
                data["interviewer_ids"] = _member_ids(data["interviewer_ids"], "interviewerIds")
            payload = validate(InterviewReschedule, data)
            async with ctx.db.transaction() as session:
                interview = await interviews.reschedule(
                    session, ctx.actor, interview_id, payload, ctx.http
                )
            return InterviewPayload(interview=Interview.from_public(interview))

        return await run_mutation(work)

    @strawberry.mutation
    async def cancel_interview(self, info: Info, id: strawberry.ID, reason: str) -> InterviewResult:
        ctx = info.context

        async def work() -> InterviewPayload:
            interview_id = parse_id(id, "Interview", "id")
            payload = validate(InterviewCancel, {"reason": reason})
            async with ctx.db.transaction() as session:
                interview = await interviews.cancel(session, ctx.actor, interview_id, payload)
            return InterviewPayload(interview=Interview.from_public(interview))

        return await run_mutation(work)

    @strawberry.mutation(
        description="An interviewer answers: accepted, declined, tentative or needs_action"
    )
    async def respond_to_interview(
        self, info: Info, id: strawberry.ID, response: str
    ) -> InterviewResult:
        ctx = info.context

        async def work() -> InterviewPayload:
            interview_id = parse_id(id, "Interview", "id")
            payload = validate(InterviewResponseSet, {"response": response})
            async with ctx.db.transaction() as session:
                interview = await interviews.respond(session, ctx.actor, interview_id, payload)
            return InterviewPayload(interview=Interview.from_public(interview))

        return await run_mutation(work)

    @strawberry.mutation(
        description="Record completed or no_show (or confirm a proposed interview)"
    )
    async def set_interview_status(
        self, info: Info, id: strawberry.ID, status: str, reason: str | None = None
    ) -> InterviewResult:
        ctx = info.context

        async def work() -> InterviewPayload:
            interview_id = parse_id(id, "Interview", "id")
            payload = validate(InterviewStatusSet, {"status": status, "reason": reason})
            async with ctx.db.transaction() as session:
                interview = await interviews.set_status(session, ctx.actor, interview_id, payload)
            return InterviewPayload(interview=Interview.from_public(interview))

        return await run_mutation(work)


@strawberry.input
class WriteScorecardInput:
    interview_id: strawberry.ID
    recommendation: str | None = None
    ratings: JSON | None = strawberry.field(
        default=None, description="Skill name to rating, or null for not assessed"
    )
    reasons: str | None = None
    submit: bool = False


@strawberry.input
class DecideApplicationInput:
    application_id: strawberry.ID
    decision: str
    note: str
    rejection_reason_id: uuid.UUID | None = None


@strawberry.input
class CompensationInput:
    currency: str
    base_salary: int
    bonus: int | None = None
    equity: str | None = None
    notes: str | None = None


@strawberry.input
class CreateOfferInput:
    application_id: strawberry.ID
    compensation: CompensationInput
    start_date: dt.date | None = None
    expires_at: dt.datetime | None = None
    note: str | None = None


@strawberry.input
class MoveOfferInput:
    id: uuid.UUID
    to: str
    reason: str | None = None


@strawberry.type
class ScorecardPayload:
    scorecard: Scorecard


@strawberry.type
class DecisionPayload:
    decision: HiringDecision


@strawberry.type
class OfferPayload:
    offer: Offer


ScorecardResult = Annotated[ScorecardPayload | MutationError, strawberry.union("ScorecardResult")]
DecisionResult = Annotated[DecisionPayload | MutationError, strawberry.union("DecisionResult")]
OfferResult = Annotated[OfferPayload | MutationError, strawberry.union("OfferResult")]


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(
        description="Save a draft of your scorecard, submit it, or amend a submitted one"
    )
    async def write_scorecard(self, info: Info, input: WriteScorecardInput) -> ScorecardResult:
        ctx = info.context

        async def work() -> ScorecardPayload:
            interview_id = parse_id(input.interview_id, "Interview", "interviewId")
            payload = validate(
                ScorecardWrite,
                {
                    "recommendation": input.recommendation,
                    "ratings": input.ratings or {},
                    "reasons": input.reasons,
                    "submit": input.submit,
                },
            )
            async with ctx.db.transaction() as session:
                card = await scorecards.write_scorecard(session, ctx.actor, interview_id, payload)
            return ScorecardPayload(scorecard=Scorecard.from_pydantic(card))

        return await run_mutation(work)

    @strawberry.mutation(
        description="The hiring manager decides after interviews: advance, reject or offer"
    )
    async def decide_application(self, info: Info, input: DecideApplicationInput) -> DecisionResult:
        ctx = info.context

        async def work() -> DecisionPayload:
            application_id = parse_id(input.application_id, "Application", "applicationId")
            payload = validate(
                HiringDecisionCreate,
                {
                    "decision": input.decision,
                    "note": input.note,
                    "rejection_reason_id": input.rejection_reason_id,
                },
            )
            async with ctx.db.transaction() as session:
                decision = await decisions.decide(session, ctx.actor, application_id, payload)
            return DecisionPayload(decision=HiringDecision.from_pydantic(decision))

        return await run_mutation(work)

    @strawberry.mutation
    async def create_offer(self, info: Info, input: CreateOfferInput) -> OfferResult:
        ctx = info.context

        async def work() -> OfferPayload:
            data = _given(input)
            data["application_id"] = parse_id(
                data["application_id"], "Application", "applicationId"
            )
            data["compensation"] = {
                k: v for k, v in vars(input.compensation).items() if v is not None
            }
            payload = validate(OfferCreate, data)
            async with ctx.db.transaction() as session:
                offer = await offers.create_offer(session, ctx.actor, payload)
            return OfferPayload(offer=Offer.from_pydantic(offer))

        return await run_mutation(work)

    @strawberry.mutation(
        description="Approve, send, record acceptance or decline, or rescind an offer"
    )
    async def move_offer(self, info: Info, input: MoveOfferInput) -> OfferResult:
        ctx = info.context

        async def work() -> OfferPayload:
            payload = validate(OfferTransition, {"to": input.to, "reason": input.reason})
            async with ctx.db.transaction() as session:
                offer = await offers.move_offer(session, ctx.actor, input.id, payload)
            return OfferPayload(offer=Offer.from_pydantic(offer))

        return await run_mutation(work)


@strawberry.input(description="The same fields as REST's CalendarConnectionCreate")
class CreateCalendarConnectionInput:
    provider: str = strawberry.field(description="google, microsoft or caldav")
    scope: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="organization or member; left out: organization for google and microsoft, "
        "member for caldav",
    )
    name: str | None = strawberry.UNSET
    member_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whose account a member connection is (admins only; left out: your own)",
    )
    credentials: JSON | None = strawberry.field(
        default=strawberry.UNSET,
        description="Name to value. "
        + CREDENTIALS_HELP.replace("oauth/start", "startCalendarOAuth"),
    )
    base_url: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The provider's API root when not its default (a sovereign cloud, a proxy)",
    )
    invitations: str | None = strawberry.field(
        default=strawberry.UNSET, description="hireloop (the default) or provider"
    )
    video: bool | None = strawberry.UNSET


@strawberry.input
class UpdateCalendarConnectionInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="Like If-Match in REST"
    )
    name: str | None = strawberry.UNSET
    credentials: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="All of them, replacing the stored ones"
    )
    invitations: str | None = strawberry.UNSET
    video: bool | None = strawberry.UNSET
    status: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="active or paused; a connection that needs reauthorization takes new "
        "credentials to be active again",
    )


@strawberry.input
class UpdateMemberCalendarInput:
    id: strawberry.ID
    busy: bool | None = strawberry.UNSET
    receives_interviews: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="true makes this the one calendar that receives the member's interviews",
    )


@strawberry.input
class StartCalendarOAuthInput:
    provider: str = strawberry.field(description="google or microsoft")
    access: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="read_write (the default) or free_busy: what to ask the member for",
    )
    login_hint: str | None = strawberry.UNSET


@strawberry.type
class CalendarConnectionPayload:
    calendar_connection: CalendarConnection


@strawberry.type
class CalendarConnectionDeletedPayload:
    deleted_id: strawberry.ID = strawberry.field(description="The deleted connection's id")


@strawberry.type
class MemberCalendarPayload:
    member_calendar: MemberCalendar


@strawberry.type
class OAuthStartedPayload:
    oauth: OAuthStarted


CalendarConnectionResult = Annotated[
    CalendarConnectionPayload | MutationError, strawberry.union("CalendarConnectionResult")
]
CalendarConnectionDeletedResult = Annotated[
    CalendarConnectionDeletedPayload | MutationError,
    strawberry.union("CalendarConnectionDeletedResult"),
]
MemberCalendarResult = Annotated[
    MemberCalendarPayload | MutationError, strawberry.union("MemberCalendarResult")
]
OAuthStartedResult = Annotated[
    OAuthStartedPayload | MutationError, strawberry.union("OAuthStartedResult")
]


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="Connect a calendar account: organization-wide (admins) or a member's own "
        "CalDAV; the credentials are tried with a real read first and never shown again"
    )
    async def create_calendar_connection(
        self, info: Info, input: CreateCalendarConnectionInput
    ) -> CalendarConnectionResult:
        ctx = info.context

        async def work() -> CalendarConnectionPayload:
            payload = validate(CalendarConnectionCreate, _ids(_given(input), member_id="Member"))
            # The service reads the provider before its first statement, so no transaction is
            # open during that call (the session begins lazily).
            async with ctx.db.transaction() as session:
                connection = await calendar_connections.create_connection(
                    session, ctx.actor, payload, ctx.http
                )
            return CalendarConnectionPayload(
                calendar_connection=CalendarConnection.from_public(connection)
            )

        return await run_mutation(work)

    @strawberry.mutation(
        description="Rename, replace credentials, pause or resume, choose who invites and video"
    )
    async def update_calendar_connection(
        self, info: Info, input: UpdateCalendarConnectionInput
    ) -> CalendarConnectionResult:
        ctx = info.context

        async def work() -> CalendarConnectionPayload:
            connection = await _versioned_update(
                ctx,
                _given(input),
                "CalendarConnection",
                CalendarConnectionUpdate,
                calendar_connections.update_connection,
            )
            return CalendarConnectionPayload(
                calendar_connection=CalendarConnection.from_public(connection)
            )

        return await run_mutation(work)

    @strawberry.mutation(
        description="Disconnect: its calendars and mirrored busy time go; interviews stay"
    )
    async def delete_calendar_connection(
        self, info: Info, id: strawberry.ID
    ) -> CalendarConnectionDeletedResult:
        ctx = info.context

        async def work() -> CalendarConnectionDeletedPayload:
            connection_id = parse_id(id, "CalendarConnection", "id")
            async with ctx.db.transaction() as session:
                await calendar_connections.delete_connection(session, ctx.actor, connection_id)
            return CalendarConnectionDeletedPayload(
                deleted_id=strawberry.ID(to_global_id("CalendarConnection", connection_id))
            )

        return await run_mutation(work)

    @strawberry.mutation(
        description="Choose whether a calendar counts as busy and whether it receives interviews"
    )
    async def update_member_calendar(
        self, info: Info, input: UpdateMemberCalendarInput
    ) -> MemberCalendarResult:
        ctx = info.context

        async def work() -> MemberCalendarPayload:
            data = _given(input)
            calendar_id = parse_id(data.pop("id"), "MemberCalendar", "id")
            payload = validate(MemberCalendarUpdate, data)
            async with ctx.db.transaction() as session:
                calendar = await calendar_connections.update_member_calendar(
                    session, ctx.actor, calendar_id, payload
                )
            return MemberCalendarPayload(member_calendar=MemberCalendar.from_public(calendar))

        return await run_mutation(work)

    @strawberry.mutation(
        name="startCalendarOAuth",
        description="Start connecting your own Google or Microsoft calendar: answers the "
        "provider's consent URL (OAuth 2.0 with PKCE; the state is bound to you and used once)",
    )
    async def start_calendar_oauth(
        self, info: Info, input: StartCalendarOAuthInput
    ) -> OAuthStartedResult:
        ctx = info.context

        async def work() -> OAuthStartedPayload:
            payload = validate(OAuthStart, _given(input))
            async with ctx.db.transaction() as session:
                started = await calendar_oauth.start(session, ctx.actor, payload)
            return OAuthStartedPayload(oauth=OAuthStarted.from_pydantic(started))

        return await run_mutation(work)
