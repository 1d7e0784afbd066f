"""Who sees which interviews: admins and recruiters all, a hiring manager those of the roles they
manage, an interviewer the ones they are on (and nothing else of the candidate but the packet)."""

from __future__ import annotations

from app.core.actor import Actor, PermissionSet


def interview_scope(actor: Actor) -> str:
    if actor.permission_set in (PermissionSet.admin, PermissionSet.recruiter):
        return "all"
    if actor.permission_set is PermissionSet.hiring_manager:
        return "manager"
    return "participant"
