"""The "Answer a question" page over HTTP: the question, an answer with a link and a document,
refusals shown on the page with nothing saved, script shown as text, one answer kept."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from app.db import Database
from tests.conftest import Tenant
from tests.helpers_interviews import API, interviewing_application, ok, scalar

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ZIP = b"PK\x03\x04" + b"\x00" * 60


async def follow_up(client: httpx.AsyncClient, tenant: Tenant, **kwargs: Any) -> tuple[Any, str]:
    """An application and a follow-up sent on it; the page's path."""
    hiring = await interviewing_application(client, tenant, **kwargs)
    created = ok(
        await client.post(
            f"{API}/applications/{hiring.app_id}/follow-ups",
            headers=hiring.recruiter.headers,
            json={"question": "Have you written for B2B software companies before?"},
        ),
        201,
    )
    url: str = created["url"]
    assert "/pages/follow-ups/" in url
    return hiring, url[url.index("/pages/") :]


async def _answers(db: Database, app_id: str) -> list[Any]:
    rows = await scalar(
        db,
        "SELECT coalesce(json_agg(json_build_array(state, answer_text, answer_link, "
        "answer_document_id)), '[]') FROM follow_ups WHERE application_id = :a",
        a=uuid.UUID(app_id),
    )
    return list(rows)


async def test_the_candidate_answers_with_a_link_and_a_document_once(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring, path = await follow_up(client, tenant, candidate_name="Sam Okafor")
    page = await client.get(path)
    assert page.status_code == 200, page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "Have you written for B2B software companies before?" in page.text
    assert "Hello Sam," in page.text
    assert 'enctype="multipart/form-data"' in page.text

    answer = "Yes: <script>alert('x')</script> three years at a SaaS firm."
    sent = await client.post(
        path,
        data={"answer": answer, "link": "https://portfolio.example.com/sam"},
        files={"document": ("samples.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 200, sent.text
    assert "your answer was sent" in sent.text
    # The script is shown as text, never run.
    assert "<script>alert" not in sent.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in sent.text
    assert "samples.pdf" in sent.text
    [(state, text, link, document_id)] = await _answers(db, hiring.app_id)
    assert (state, text, link) == ("answered", answer, "https://portfolio.example.com/sam")
    assert document_id is not None

    # A second submit: told so, and the first answer stays.
    again = await client.post(path, data={"answer": "A different answer"})
    assert again.status_code in (409, 410), again.text
    assert "already" in again.text
    assert "Rita Recruiter" in again.text
    assert (await _answers(db, hiring.app_id))[0][1] == answer
    assert (await client.get(path)).status_code == 410


async def test_bad_answers_are_refused_on_the_page_and_nothing_is_saved(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring, path = await follow_up(client, tenant)
    cases: list[tuple[dict[str, str], dict[str, Any] | None, int, str]] = [
        ({"answer": "x" * 4001}, None, 422, "4001 characters long"),
        ({"answer": "   "}, None, 422, "Write your answer"),
        ({"answer": "Yes", "link": "ftp://files.example.com/a"}, None, 422, "https://"),
        (
            {"answer": "Yes"},
            {"document": ("archive.zip", ZIP, "application/zip")},
            415,
            "could not be accepted",
        ),
        (
            {"answer": "Yes"},
            {"document": ("fake.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")},
            415,
            "could not be accepted",
        ),
    ]
    for data, files, status, message in cases:
        response = await client.post(path, data=data, files=files)
        assert response.status_code == status, (data, response.text)
        assert message in response.text, (data, message)
        assert 'role="alert"' in response.text
        assert 'aria-invalid="true"' in response.text
        # What was typed comes back for correction (escaped).
        if data["answer"].strip() and len(data["answer"]) < 100:
            assert data["answer"] in response.text
    [(state, text, _, document_id)] = await _answers(db, hiring.app_id)
    assert state == "sent"
    assert text is None
    assert document_id is None
    documents = await scalar(
        db, "SELECT count(*) FROM documents WHERE organization_id = :o", o=tenant.organization_id
    )
    assert documents == 0


async def test_closed_follow_up_links_say_what_to_do_next(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring, path = await follow_up(client, tenant)
    token = path.rsplit("/", 1)[1]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    bad = await client.get(f"/pages/follow-ups/{tampered}")
    assert bad.status_code == 404
    assert "This link does not work" in bad.text
    assert "Acme" not in bad.text

    await scalar(
        db,
        "UPDATE follow_ups SET expires_at = now() - interval '1 minute' WHERE application_id = :a "
        "RETURNING 1",
        a=uuid.UUID(hiring.app_id),
    )
    expired = await client.get(path)
    # The row's expiry no longer matches the signed one: the link is not ours any more (404),
    # or it is recognised as expired (410); either way the page says what to do.
    assert expired.status_code in (404, 410)
    assert "What to do next" in expired.text
