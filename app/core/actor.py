"""The caller every service function is given: a member of one organization, acting with one
permission set. Services check permissions themselves (`actor.require(...)`), so a rule holds
the same through REST, GraphQL and the worker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from app.errors import PermissionDenied


class PermissionSet(StrEnum):
    admin = "admin"
    recruiter = "recruiter"
    hiring_manager = "hiring_manager"
    interviewer = "interviewer"


@dataclass(frozen=True, slots=True)
class Actor:
    member_id: uuid.UUID
    organization_id: uuid.UUID
    permission_set: PermissionSet
    email: str
    name: str
    api_key_id: uuid.UUID | None = None

    def require(self, *allowed: PermissionSet) -> None:
        if self.permission_set not in allowed:
            names = ", ".join(p.value for p in allowed)
            raise PermissionDenied(
                f"This needs one of the permission sets: {names}; yours is {self.permission_set}"
            )

    @property
    def is_admin(self) -> bool:
        return self.permission_set is PermissionSet.admin

    @property
    def can_manage_roles(self) -> bool:
        return self.permission_set in (PermissionSet.admin, PermissionSet.recruiter)
