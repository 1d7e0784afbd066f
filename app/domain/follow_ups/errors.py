"""What a candidate's follow-up link answers when it cannot be used.

A token that is not ours (tampered, truncated) is 404: nothing is known about it. A real link
that was answered, withdrawn or has expired is 410, with `reason` saying which, so a page can
say what to do next; the organization and sender are kept (not sent to the client) for the page
to name whom to contact.
"""

from __future__ import annotations

import uuid
from typing import Literal

from app.errors import DomainError

GoneReason = Literal["answered", "expired", "withdrawn"]


class FollowUpNotFound(DomainError):
    def __init__(self) -> None:
        super().__init__(
            detail="This link is not valid; ask your recruiter for a new one",
            code="not_found",
            status=404,
            title="Not found",
        )


class FollowUpGone(DomainError):
    def __init__(
        self,
        reason: GoneReason,
        organization_id: uuid.UUID | None = None,
        sender_id: uuid.UUID | None = None,
    ) -> None:
        detail = {
            "answered": "You already answered this question; thank you. If something changed, "
            "reply to your recruiter",
            "expired": "This question has expired; contact your recruiter if you still want "
            "to answer",
            "withdrawn": "This question was withdrawn; there is nothing more to answer",
        }[reason]
        super().__init__(
            detail=detail, code="gone", status=410, title="Gone", extra={"reason": reason}
        )
        self.reason: GoneReason = reason
        self.organization_id = organization_id
        self.sender_id = sender_id


class AlreadyAnswered(DomainError):
    """A second submission: the first answer is kept."""

    def __init__(
        self, organization_id: uuid.UUID | None = None, sender_id: uuid.UUID | None = None
    ) -> None:
        super().__init__(
            detail="Your answer was already received; only the first answer is kept",
            code="already_answered",
            status=409,
            title="Conflict",
            extra={"reason": "answered"},
        )
        self.organization_id = organization_id
        self.sender_id = sender_id
