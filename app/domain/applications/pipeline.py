"""The pipeline's legal moves, in one table that the service, the 409 answers and the docs share.

A `move` changes the stage; `reject` and `withdraw` end an active application where it stands;
`reopen` makes an ended one active again at the same stage. `hired` is reached by the move from
`offer`, which also sets the outcome.
"""

from __future__ import annotations

from typing import Literal

Stage = Literal[
    "sourced", "screening", "submitted", "hm_review", "interviewing", "decision", "offer", "hired"
]
# The stages an application may be created at (later ones are reached by moves).
EntryStage = Literal["sourced", "screening", "submitted"]
Outcome = Literal["active", "rejected", "withdrawn", "hired"]
Action = Literal["move", "reject", "withdraw", "reopen"]
HistoryAction = Literal["create", "move", "reject", "withdraw", "reopen"]

STAGES: tuple[str, ...] = (
    "sourced",
    "screening",
    "submitted",
    "hm_review",
    "interviewing",
    "decision",
    "offer",
    "hired",
)

FORWARD: dict[str, frozenset[str]] = {
    "sourced": frozenset({"screening", "submitted"}),
    "screening": frozenset({"submitted", "sourced"}),
    "submitted": frozenset({"hm_review", "screening"}),
    # The hiring manager may send a candidate back to the recruiter for more screening.
    "hm_review": frozenset({"interviewing", "submitted"}),
    "interviewing": frozenset({"decision"}),
    # Another interview round before deciding is a normal step back.
    "decision": frozenset({"offer", "interviewing"}),
    "offer": frozenset({"hired", "decision"}),
    "hired": frozenset(),
}


def allowed_moves(stage: str, outcome: str) -> list[dict[str, str]]:
    """Every action open to an application in this state, as the 409 answer lists them."""
    if outcome == "active":
        moves = [
            {"action": "move", "to_stage": s} for s in sorted(FORWARD[stage], key=STAGES.index)
        ]
        return [*moves, {"action": "reject"}, {"action": "withdraw"}] if stage != "hired" else []
    if outcome in ("rejected", "withdrawn"):
        return [{"action": "reopen"}]
    return []


def next_state(
    stage: str, outcome: str, action: str, to_stage: str | None
) -> tuple[str, str] | None:
    """The (stage, outcome) after the action, or None when the action is not legal here."""
    if action == "move":
        if outcome != "active" or to_stage is None or to_stage not in FORWARD[stage]:
            return None
        return to_stage, "hired" if to_stage == "hired" else "active"
    if action in ("reject", "withdraw"):
        if outcome != "active" or stage == "hired":
            return None
        return stage, "rejected" if action == "reject" else "withdrawn"
    if action == "reopen":
        if outcome not in ("rejected", "withdrawn"):
            return None
        return stage, "active"
    return None
