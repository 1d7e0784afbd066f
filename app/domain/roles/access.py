"""Who sees which roles: admins and recruiters all of them, a hiring manager those they manage
or stand in for as delegate, an interviewer none (later issues give them their interviews)."""

from __future__ import annotations

import uuid

from app.core.actor import Actor, PermissionSet
from app.errors import PermissionDenied


def managed_scope(actor: Actor) -> uuid.UUID | None:
    """None means every role of the organization; a member id limits to the roles they manage."""
    if actor.permission_set in (PermissionSet.admin, PermissionSet.recruiter):
        return None
    if actor.permission_set is PermissionSet.hiring_manager:
        return actor.member_id
    raise PermissionDenied("Interviewers do not have access to roles")
