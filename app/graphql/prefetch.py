"""Loading a page's edges before its rows are resolved.

A list resolver that knows which edges the query selects loads them for the whole page (one
statement per edge, as the DataLoaders would) before returning. The edge resolvers then find
their values already loaded and answer synchronously, so graphql-core completes the list without
scheduling a task per row, which is most of the cost of a large page.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from app.domain.roles.schemas import RolePublic
from app.graphql.loaders import Loaders


def _names(selections: Iterable[Any], path: Sequence[str]) -> set[str]:
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            names |= _names(selection.selections, path)
        elif isinstance(selection, SelectedField):
            if not path:
                names.add(selection.name)
            elif selection.name == path[0]:
                names |= _names(selection.selections, path[1:])
    return names


def selected(info: strawberry.Info[Any, Any], *path: str) -> set[str]:
    """Field names selected under `path` within the field being resolved (fragments included)."""
    return _names(info.selected_fields[0].selections, path) if info.selected_fields else set()


async def role_edges(loaders: Loaders, roles: Sequence[RolePublic], wanted: set[str]) -> None:
    # One after the other: the two statements share the request's session, which runs one at a
    # time anyway, and awaiting them in turn saves the tasks a gather would make.
    if "intake" in wanted:
        await loaders.current_intake.fill([r.id for r in roles])
    members: set[uuid.UUID] = set()
    if "hiringManager" in wanted:
        members.update(r.hiring_manager_id for r in roles if r.hiring_manager_id)
    if "recruiter" in wanted:
        members.update(r.recruiter_id for r in roles if r.recruiter_id)
    if members:
        await loaders.member.fill(sorted(members))


async def slate_edges(
    loaders: Loaders,
    slate_ids: list[uuid.UUID],
    info: strawberry.Info[Any, Any],
    path: tuple[str, ...],
) -> None:
    """A page of slates' items, their applications and those candidates, level by level, as far
    as the query selects them: one statement a level, as the DataLoaders would make (the slates
    of every role on a page resolve in the same tick, so their loads still batch together)."""
    if not slate_ids or "items" not in selected(info, *path):
        return
    await loaders.slate_items.fill_together(slate_ids)
    items = [i for s in slate_ids for i in loaders.slate_items.value(s) or []]
    if not items or "application" not in selected(info, *path, "items"):
        return
    application_ids = list(dict.fromkeys(i.application_id for i in items))
    await loaders.application.fill_together(application_ids)
    if "candidate" not in selected(info, *path, "items", "application"):
        return
    applications = [loaders.application.value(a) for a in application_ids]
    candidates = {a.candidate_id for a in applications if a is not None}
    if candidates:
        await loaders.candidate.fill_together(sorted(candidates))
