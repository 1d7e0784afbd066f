"""The ATS vendors we speak to: their adapter and the defaults a new connection starts with.

Adding a vendor is a package, `ats/<vendor>/` (its API client, the mapping of its payloads, its
signature check and a typed configuration with secret fields), whose `adapter` implements
`AtsAdapter` (app/integrations/ats/base.py), and one entry here; nothing in app/domain changes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache

from app.integrations.ats.base import AtsAdapter


@dataclass(frozen=True)
class Vendor:
    adapter_path: str  # "module:attribute", imported on first use
    # The vendor's usual stage names (compared case-insensitively) and where they sit in ours.
    default_stage_map: dict[str, str] = field(default_factory=dict)
    # Whether a repeated delivery id is an attack (Lever's token) rather than a vendor retry.
    repeats_are_replays: bool = False


VENDORS: dict[str, Vendor] = {
    "greenhouse": Vendor(
        "app.integrations.ats.greenhouse:adapter",
        {
            "application review": "screening",
            "preliminary phone screen": "screening",
            "phone screen": "screening",
            "recruiter screen": "screening",
            "hiring manager review": "hm_review",
            "hiring manager screen": "hm_review",
            "assessment": "interviewing",
            "take home test": "interviewing",
            "face to face": "interviewing",
            "onsite": "interviewing",
            "onsite interview": "interviewing",
            "reference check": "decision",
            "offer": "offer",
        },
    ),
    "lever": Vendor(
        "app.integrations.ats.lever:adapter",
        # Lever's webhooks name stages by id only, so Lever maps are keyed by stage id; these
        # are Lever's fixed default stages (custom stages have UUIDs, mapped per connection).
        {
            "lead-new": "sourced",
            "lead-reached-out": "sourced",
            "lead-responded": "sourced",
            "applicant-new": "screening",
            "offer": "offer",
        },
        repeats_are_replays=True,
    ),
    "ashby": Vendor(
        "app.integrations.ats.ashby:adapter",
        {
            "lead": "sourced",
            "new lead": "sourced",
            "application review": "screening",
            "recruiter screen": "screening",
            "hiring manager screen": "hm_review",
            "technical interview": "interviewing",
            "onsite": "interviewing",
            "final interview": "interviewing",
            "reference check": "decision",
            "offer": "offer",
            "hired": "hired",
        },
    ),
}


@cache
def adapter_for(provider: str) -> AtsAdapter:
    module_name, attribute = VENDORS[provider].adapter_path.split(":")
    adapter: AtsAdapter = getattr(importlib.import_module(module_name), attribute)
    return adapter


def map_stage(stage_map: dict[str, str], vendor_stage: str | None) -> str | None:
    if vendor_stage is None:
        return None
    wanted = vendor_stage.strip().casefold()
    for name, ours in stage_map.items():
        if name.casefold() == wanted:
            return ours
    return None
