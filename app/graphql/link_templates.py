"""Link templates in GraphQL (REST: app/api/v1/link_templates.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.domain.organizations import link_templates as service
from app.domain.organizations.link_templates import LinkTemplatePublic, LinkTemplatesUpdate
from app.errors import InvalidInput
from app.graphql.context import Context
from app.graphql.errors import MutationError, validate
from app.graphql.mutate import NoBody, Parsed, mutate

Info = strawberry.Info[Context, None]


@strawberry.type(description="Where messages link a person to for one kind of thing")
class LinkTemplate:
    kind: str = strawberry.field(description="slate, scorecard, packet, interview or application")
    template: str | None = strawberry.field(
        description="An https URL with placeholders; null: messages name the thing instead"
    )
    placeholders: list[str]

    @classmethod
    def from_public(cls, p: LinkTemplatePublic) -> LinkTemplate:
        return cls(kind=p.kind, template=p.template, placeholders=list(p.placeholders))


@strawberry.type
class LinkTemplatePayload:
    link_template: LinkTemplate


LinkTemplateResult = Annotated[
    LinkTemplatePayload | MutationError, strawberry.union("LinkTemplateResult")
]


@strawberry.input
class SetLinkTemplateInput:
    kind: str = strawberry.field(description="slate, scorecard, packet, interview or application")
    template: str = strawberry.field(description="e.g. https://ats.example.com/slates/{slate_id}")


@strawberry.input
class RemoveLinkTemplateInput:
    kind: str


def _update(kind: object, template: str | None) -> dict[str, Any]:
    if kind not in service.PLACEHOLDERS:
        raise InvalidInput.for_field("kind", f"must be one of {', '.join(service.PLACEHOLDERS)}")
    return {str(kind): template}


def _payload_of(kind: str) -> Callable[[list[LinkTemplatePublic]], LinkTemplatePayload]:
    def shape(all_kinds: list[LinkTemplatePublic]) -> LinkTemplatePayload:
        one = next(p for p in all_kinds if p.kind == kind)
        return LinkTemplatePayload(link_template=LinkTemplate.from_public(one))

    return shape


async def _apply(
    session: AsyncSession, actor: Actor, p: Parsed[NoBody], kind: object, template: str | None
) -> list[LinkTemplatePublic]:
    data = validate(LinkTemplatesUpdate, _update(kind, template))
    return await service.update_templates(session, actor, data)


@strawberry.type
class LinkTemplateQuery:
    @strawberry.field(description="Your organization's link templates, one per kind")
    async def link_templates(self, info: Info) -> list[LinkTemplate]:
        ctx = info.context
        return [
            LinkTemplate.from_public(p)
            for p in await service.list_templates(ctx.session, ctx.actor)
        ]


@strawberry.type
class LinkTemplateMutation:
    @strawberry.mutation(description="Set the link template of one kind (admins)")
    async def set_link_template(
        self, info: Info, input: SetLinkTemplateInput
    ) -> LinkTemplateResult:
        return await mutate(
            info,
            {},
            call=lambda s, actor, p: _apply(s, actor, p, input.kind, input.template),
            shape=_payload_of(input.kind),
        )

    @strawberry.mutation(description="Remove the link template of one kind (admins)")
    async def remove_link_template(
        self, info: Info, input: RemoveLinkTemplateInput
    ) -> LinkTemplateResult:
        return await mutate(
            info,
            {},
            call=lambda s, actor, p: _apply(s, actor, p, input.kind, None),
            shape=_payload_of(input.kind),
        )
