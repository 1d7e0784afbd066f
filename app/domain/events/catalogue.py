"""Every event type the service records, what it means and what its `data` carries.

docs/events.md is checked against this table by a test, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    data: tuple[str, ...]


CATALOGUE: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType("organization.updated", "The organization's settings changed.", ("changed",)),
        EventType(
            "member.created", "A member joined the organization.", ("member_id", "permission_set")
        ),
        EventType(
            "member.updated",
            "A member's profile, permission set or availability changed.",
            ("member_id", "changed"),
        ),
        EventType(
            "member.preferences_updated",
            "A member's update preferences changed.",
            ("member_id", "changed"),
        ),
        EventType(
            "api_key.created", "An API key was issued to a member.", ("api_key_id", "member_id")
        ),
        EventType(
            "api_key.revoked",
            "An API key was revoked and stopped working.",
            ("api_key_id", "member_id"),
        ),
        EventType(
            "role.created", "A job role was opened for hiring.", ("role_id", "title", "status")
        ),
        EventType(
            "role.updated",
            "A role's fields changed (status changes included).",
            ("role_id", "changed"),
        ),
        EventType(
            "intake.revised",
            "A new intake revision was proposed for a role.",
            ("role_id", "revision", "change_note"),
        ),
        EventType(
            "intake.signed_off",
            "The recruiter or the hiring manager signed off an intake revision.",
            ("role_id", "revision", "side"),
        ),
        EventType(
            "intake.agreed",
            "Both sides signed off: the revision is the role's agreed intake.",
            ("role_id", "revision"),
        ),
        EventType(
            "external_ref.linked",
            "A record was linked to its id in another system.",
            ("resource_type", "resource_id", "connection_id", "external_id"),
        ),
    )
}
