"""Shared steps for the follow-up tests and for the tenancy walk, which needs one follow-up in
each seeded organization."""

from __future__ import annotations

import httpx

from tests.helpers_safety import SeededOrg


async def seed_follow_up(client: httpx.AsyncClient, org: SeededOrg) -> list[str]:
    """One follow-up (its id) on the first of the organization's applications that is active;
    the question carries the organization's label, so a leak of it is noticed."""
    for application_id in org.application_ids:
        response = await client.post(
            f"/api/v1/applications/{application_id}/follow-ups",
            headers=org.recruiter.headers,
            json={"question": f"{org.label}: did you write for B2B software companies?"},
        )
        if response.status_code == 201:
            return [str(response.json()["id"])]
        assert response.status_code == 409, response.text
    raise AssertionError(f"{org.label}: no active application to send a follow-up to")
