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
from app.graphql import enums
from app.graphql.context import Context
from app.graphql.errors import MutationError, validate
from app.graphql.mutate import NoBody, Parsed, mutate

Info = strawberry.Info[Context, None]


@strawberry.type(
    description="Where messages link a person to for one kind of thing (your organization's "
    "own front end); one per kind"
)
class LinkTemplate:
    kind: str = strawberry.field(
        graphql_type=enums.LinkKind, description="What the template links to"
    )
    template: str | None = strawberry.field(
        description="An https URL with placeholders; null: messages name the thing instead"
    )
    placeholders: list[str] = strawberry.field(
        description="The placeholders this kind's template may use, e.g. slate_id"
    )

    @classmethod
    def from_public(cls, p: LinkTemplatePublic) -> LinkTemplate:
        return cls(kind=p.kind, template=p.template, placeholders=list(p.placeholders))


@strawberry.type(description="The link template a mutation set or removed")
class LinkTemplatePayload:
    link_template: LinkTemplate = strawberry.field(description="The template as it is now")


LinkTemplateResult = Annotated[
    LinkTemplatePayload | MutationError,
    strawberry.union(
        "LinkTemplateResult", description="The link template as changed, or why it was not"
    ),
]


@strawberry.input(description="The link template to set for one kind")
class SetLinkTemplateInput:
    kind: str = strawberry.field(
        graphql_type=enums.LinkKind, description="What the template links to"
    )
    template: str = strawberry.field(
        description="An https URL using the kind's placeholders, e.g. "
        "https://ats.example.com/slates/{slate_id}"
    )


@strawberry.input(description="The link template to remove")
class RemoveLinkTemplateInput:
    kind: str = strawberry.field(
        graphql_type=enums.LinkKind,
        description="What the template links to; messages then name the thing instead",
    )


def _kind(kind: object) -> str:
    return str(getattr(kind, "value", kind))


def _update(kind: object, template: str | None) -> dict[str, Any]:
    kind = _kind(kind)
    if kind not in service.PLACEHOLDERS:
        raise InvalidInput.for_field("kind", f"must be one of {', '.join(service.PLACEHOLDERS)}")
    return {str(kind): template}


def _payload_of(kind: object) -> Callable[[list[LinkTemplatePublic]], LinkTemplatePayload]:
    def shape(all_kinds: list[LinkTemplatePublic]) -> LinkTemplatePayload:
        one = next(p for p in all_kinds if p.kind == _kind(kind))
        return LinkTemplatePayload(link_template=LinkTemplate.from_public(one))

    return shape


async def _apply(
    session: AsyncSession, actor: Actor, p: Parsed[NoBody], kind: object, template: str | None
) -> list[LinkTemplatePublic]:
    data = validate(LinkTemplatesUpdate, _update(kind, template))
    return await service.update_templates(session, actor, data)


@strawberry.type
class LinkTemplateQuery:
    @strawberry.field(
        description="Your organization's link templates, one per kind (a bounded list)"
    )
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
        self,
        info: Info,
        input: Annotated[
            SetLinkTemplateInput,
            strawberry.argument(description="The kind of link and its template"),
        ],
    ) -> LinkTemplateResult:
        return await mutate(
            info,
            {},
            call=lambda s, actor, p: _apply(s, actor, p, input.kind, input.template),
            shape=_payload_of(input.kind),
        )

    @strawberry.mutation(description="Remove the link template of one kind (admins)")
    async def remove_link_template(
        self,
        info: Info,
        input: Annotated[
            RemoveLinkTemplateInput,
            strawberry.argument(description="The kind of link whose template to remove"),
        ],
    ) -> LinkTemplateResult:
        return await mutate(
            info,
            {},
            call=lambda s, actor, p: _apply(s, actor, p, input.kind, None),
            shape=_payload_of(input.kind),
        )
