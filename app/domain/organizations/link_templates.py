"""Link templates: where a message may send a person to open the thing it is about.

An organization with its own front end (an ATS, an intranet) sets, per kind of thing, a URL
with placeholders, e.g. `https://ats.example.com/slates/{slate_id}`. A message about a slate
then links there. Without a template the message names the thing and how to find it, and
never presents an API URL as a link for a person (those answer 401 to a browser).
Candidate links are not templated: they always lead to Hireloop's own pages.
"""

from __future__ import annotations

import re
import string
import uuid
from collections.abc import Mapping
from typing import Annotated
from urllib.parse import quote, urlsplit

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.domain.events import service as events
from app.domain.organizations import repository
from app.domain.organizations.schemas import LinkKind as LinkKind  # also imported from here
from app.domain.types import PublicModel, StrictModel, trim
from app.errors import NotFound

# The placeholders each kind's template may use, with what they stand for.
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "slate": {"slate_id": "the slate", "role_id": "its role"},
    "scorecard": {
        "interview_id": "the interview to score",
        "application_id": "its application",
        "role_id": "its role",
    },
    "packet": {
        "interview_id": "the interview",
        "application_id": "the application whose packet it is",
        "role_id": "its role",
    },
    "interview": {
        "interview_id": "the interview",
        "application_id": "its application",
        "role_id": "its role",
    },
    "application": {
        "application_id": "the application",
        "candidate_id": "its candidate",
        "role_id": "its role",
    },
}
MAX_LENGTH = 500

# What a template is, as a regular expression per kind (the OpenAPI document states it, and
# `check` holds every template to it after its friendlier checks): `https://`, a host (and
# port) without placeholders, a `/`, then plain characters, `{{`, `}}` and the kind's
# placeholders, at least one of them. White space is spelled out (JSON Schema's `\s` is not
# Python's): what `trim` drops around a template, and, inside one, that and control characters.
_AROUND = r"[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"
_SPACE_OR_CONTROL = r"\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PLAIN = rf"""[^{_SPACE_OR_CONTROL}"'<>\\{{}}]"""
_HOST = rf"""[^{_SPACE_OR_CONTROL}"'<>\\{{}}/?#@:\[\]]+(?::[0-9]*)?"""


def pattern(kind: str) -> str:
    """The regular expression a template of this kind matches in full."""
    placeholder = r"\{(?:" + "|".join(PLACEHOLDERS[kind]) + r")\}"
    token = rf"(?:{_PLAIN}|\{{\{{|\}}\}}|{placeholder})"
    return rf"[Hh][Tt][Tt][Pp][Ss]://{_HOST}/{token}*{placeholder}{token}*"


_PATTERNS = {kind: re.compile(pattern(kind)) for kind in PLACEHOLDERS}


def check(kind: str, template: str) -> str:
    """The template if it is an https URL whose placeholders this kind knows; else ValueError
    naming what is wrong."""
    allowed = PLACEHOLDERS[kind]
    used: list[str] = []
    try:
        for _, name, spec, conversion in string.Formatter().parse(template):
            if name is None:
                continue
            if spec or conversion:
                raise ValueError(f"the placeholder {{{name}}} takes no format or conversion")
            if name not in allowed:
                known = ", ".join(f"{{{p}}}" for p in allowed)
                raise ValueError(f"unknown placeholder {{{name}}} for {kind}; known: {known}")
            used.append(name)
    except ValueError as exc:
        if "placeholder" in str(exc):
            raise
        raise ValueError("has an unmatched { or }; write {{ or }} for a literal brace") from exc
    if not used:
        raise ValueError(f"must contain at least one placeholder, e.g. {{{next(iter(allowed))}}}")
    sample = render(template, {name: uuid.UUID(int=0) for name in allowed})
    parts = urlsplit(sample)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("must be an https:// URL with a host")
    if "{" in template.split("//", 1)[1].split("/", 1)[0]:
        raise ValueError("placeholders may only appear after the host")
    if any(c.isspace() or c < " " or c == "\x7f" or c in "\"'<>\\" for c in template):
        raise ValueError(
            "must not contain spaces, control characters, quotes, angle brackets or backslashes"
        )
    if _PATTERNS[kind].fullmatch(template) is None:
        raise ValueError(
            "must be https://, a host without placeholders, then a path (`/...`) using them"
        )
    return template


def render(template: str, ids: Mapping[str, object]) -> str:
    """The template with its placeholders filled (each value URL-quoted)."""
    return template.format_map({k: quote(str(v), safe="") for k, v in ids.items()})


def link_for(templates: Mapping[str, str] | None, kind: LinkKind, **ids: object) -> str | None:
    """The URL a message about this thing links to, or None when the organization set no
    template for the kind (the message then says how to find it instead)."""
    template = (templates or {}).get(kind)
    if not template:
        return None
    try:
        return render(template, ids)
    except (KeyError, IndexError, ValueError):
        return None


def _checked(kind: str) -> AfterValidator:
    """Checks a template of this kind, its surrounding spaces dropped; a ValueError names what
    is wrong (the problem names the field)."""
    return AfterValidator(lambda value: check(kind, trim(value)))


def _documented(kind: str) -> WithJsonSchema:
    """The schema of a template of this kind: what `check` holds it to (spaces around allowed)."""
    example = {
        "slate": "https://ats.example.com/slates/{slate_id}",
        "scorecard": "https://ats.example.com/interviews/{interview_id}/scorecard",
        "packet": "https://ats.example.com/interviews/{interview_id}/packet",
        "interview": "https://ats.example.com/interviews/{interview_id}",
        "application": "https://ats.example.com/applications/{application_id}",
    }[kind]
    return WithJsonSchema(
        {
            "type": "string",
            "maxLength": MAX_LENGTH,
            "pattern": f"^{_AROUND}{pattern(kind)}{_AROUND}$",
            "examples": [example],
        }
    )


_Length = StringConstraints(max_length=MAX_LENGTH)
SlateTemplate = Annotated[str, _Length, _checked("slate"), _documented("slate")]
ScorecardTemplate = Annotated[str, _Length, _checked("scorecard"), _documented("scorecard")]
PacketTemplate = Annotated[str, _Length, _checked("packet"), _documented("packet")]
InterviewTemplate = Annotated[str, _Length, _checked("interview"), _documented("interview")]
ApplicationTemplate = Annotated[str, _Length, _checked("application"), _documented("application")]


def _placeholders(kind: str) -> str:
    return "Placeholders: " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS[kind])


class LinkTemplatesUpdate(StrictModel):
    """The kinds to change; a kind left out keeps its template, null removes it."""

    slate: SlateTemplate | None = Field(
        default=None,
        description="e.g. https://ats.example.com/slates/{slate_id}. " + _placeholders("slate"),
    )
    scorecard: ScorecardTemplate | None = Field(
        default=None, description=_placeholders("scorecard")
    )
    packet: PacketTemplate | None = Field(default=None, description=_placeholders("packet"))
    interview: InterviewTemplate | None = Field(
        default=None, description=_placeholders("interview")
    )
    application: ApplicationTemplate | None = Field(
        default=None, description=_placeholders("application")
    )


class LinkTemplatePublic(PublicModel):
    """Where messages link a person to for one kind of thing (one per kind)."""

    kind: LinkKind = Field(description="What the template links to")
    template: str | None = Field(description="null: messages name the thing instead of linking")
    placeholders: list[str] = Field(description="What this kind's template may use")


def _public(templates: Mapping[str, str]) -> list[LinkTemplatePublic]:
    return [
        LinkTemplatePublic(
            kind=kind,
            template=templates.get(kind),
            placeholders=list(PLACEHOLDERS[kind]),
        )
        for kind in PLACEHOLDERS
    ]


async def list_templates(session: AsyncSession, actor: Actor) -> list[LinkTemplatePublic]:
    org = await repository.get_organization(session, actor.organization_id)
    if org is None:
        raise NotFound("organization")
    return _public(org.link_templates or {})


async def update_templates(
    session: AsyncSession, actor: Actor, data: LinkTemplatesUpdate
) -> list[LinkTemplatePublic]:
    """Set or remove the templates the update names; admins only."""
    actor.require(PermissionSet.admin)
    org = await repository.get_organization(session, actor.organization_id, for_update=True)
    if org is None:
        raise NotFound("organization")
    current = dict(org.link_templates or {})
    changed = []
    for kind in sorted(data.model_fields_set):
        template = getattr(data, kind)
        if current.get(kind) == template:
            continue
        if template is None:
            current.pop(kind, None)
        else:
            current[kind] = template
        changed.append(f"link_templates.{kind}")
    if changed:
        # A new dict, so the JSON column is seen as changed.
        org.link_templates = current
        org.updated_at = utcnow()
        events.record(
            session,
            org.id,
            actor,
            "organization.updated",
            "organization",
            org.id,
            {"changed": changed},
        )
        await session.flush()
    return _public(current)
