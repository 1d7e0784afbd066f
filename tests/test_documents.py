"""Documents: multipart upload, type from the bytes, size limit, exact download, authorised like
the candidate, and nothing half-stored when a file is refused."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from app.db import Database
from app.main import create_app
from tests.conftest import Person, Tenant, make_settings
from tests.helpers_pipeline import (
    ELF_BYTES,
    MINIMAL_PDF,
    apply,
    events_of,
    files_under,
    make_candidate,
    make_role,
    png_bytes,
    stored_event_types,
    zip_bytes,
)


def _root(app: FastAPI) -> Path:
    """The app's storage folder (settings.data_dir/documents); keys start with the organization
    id, so a tenant's files are under root/<organization id>."""
    root: Path = app.state.storage.root
    return root


async def _upload(
    client: httpx.AsyncClient,
    who: Person,
    candidate_id: str,
    filename: str,
    data: bytes,
    content_type: str,
    kind: str = "resume",
    **form: str,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/candidates/{candidate_id}/documents",
        headers=who.headers,
        files={"file": (filename, data, content_type)},
        data={"kind": kind, **form},
    )


async def test_upload_detects_type_records_size_and_checksum_and_downloads_exact_bytes(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    candidate = await make_candidate(client, recruiter, "Doc Holder")
    cid = candidate["id"]
    png = png_bytes()
    text = "Screening notes: strong on SQL, curious, asks good questions. Café ✓\n".encode()
    cases = [
        # (filename, bytes, claimed type, kind, detected type)
        ("resume.pdf", MINIMAL_PDF, "application/pdf", "resume", "application/pdf"),
        # A generic claim says nothing about the content: the bytes decide.
        ("portfolio.png", png, "application/octet-stream", "portfolio_sample", "image/png"),
        ("notes été.txt", text, "text/plain", "screening_notes", "text/plain"),
    ]
    uploaded = []
    for filename, data, claimed, kind, detected in cases:
        response = await _upload(client, recruiter, cid, filename, data, claimed, kind)
        assert response.status_code == 201, response.text
        document = response.json()
        assert document["candidate_id"] == cid
        assert document["kind"] == kind
        assert document["filename"] == filename
        assert document["content_type"] == detected
        assert document["size_bytes"] == len(data)
        assert document["sha256"] == hashlib.sha256(data).hexdigest()
        assert document["uploaded_by_id"] == str(recruiter.id)
        assert (
            document["download_url"]
            == f"/api/v1/candidates/{cid}/documents/{document['id']}/content"
        )
        uploaded.append((document, data))

    listed = await client.get(f"/api/v1/candidates/{cid}/documents", headers=recruiter.headers)
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()["items"]] == [d["id"] for d, _ in uploaded]

    for document, data in uploaded:
        download = await client.get(document["download_url"], headers=recruiter.headers)
        assert download.status_code == 200, download.text
        assert download.content == data
        assert download.headers["content-type"].split(";")[0] == document["content_type"]
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment")
        assert quote(document["filename"]) in disposition
        assert download.headers["x-content-type-options"] == "nosniff"

    # The bytes are in the storage folder under the app's data directory.
    stored = files_under(_root(app) / str(tenant.organization_id))
    for document, data in uploaded:
        matches = [p for p in stored if p.name == document["id"]]
        assert len(matches) == 1
        assert matches[0].read_bytes() == data

    events = await events_of(client, tenant.admin, "document.uploaded", at_least=3)
    assert [e["data"]["document_id"] for e in events] == [d["id"] for d, _ in uploaded]


async def test_bytes_contradicting_the_claimed_type_are_refused_and_nothing_is_stored(
    app: FastAPI, db: Database, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    candidate = await make_candidate(client, recruiter, "Sneaky File")
    before = files_under(_root(app) / str(tenant.organization_id))

    response = await _upload(
        client, recruiter, candidate["id"], "resume.pdf", png_bytes(), "application/pdf"
    )
    assert response.status_code == 415, response.text
    problem = response.json()
    assert problem["code"] == "unsupported_media_type"
    assert "application/pdf" in problem["detail"]
    assert "image/png" in problem["detail"]

    listed = await client.get(
        f"/api/v1/candidates/{candidate['id']}/documents", headers=recruiter.headers
    )
    assert listed.json()["items"] == []
    assert files_under(_root(app) / str(tenant.organization_id)) == before
    assert "document.uploaded" not in await stored_event_types(db, tenant.organization_id)


@pytest.mark.parametrize(
    ("filename", "data", "claimed", "named"),
    [
        ("archive.zip", zip_bytes(), "application/zip", "application/zip"),
        # Claiming an allowed type does not make an archive one.
        ("resume.pdf", zip_bytes(), "application/octet-stream", "application/zip"),
        ("tool", ELF_BYTES, "application/octet-stream", "executable"),
        ("blob.bin", b"\x00\x01\x02\x03\xfe\xff" * 10, "application/octet-stream", "unknown"),
    ],
)
async def test_types_outside_the_allow_list_are_refused(
    app: FastAPI,
    client: httpx.AsyncClient,
    tenant: Tenant,
    filename: str,
    data: bytes,
    claimed: str,
    named: str,
) -> None:
    recruiter = await tenant.add("recruiter")
    candidate = await make_candidate(client, recruiter, "Wrong Type")
    before = files_under(_root(app) / str(tenant.organization_id))
    response = await _upload(client, recruiter, candidate["id"], filename, data, claimed)
    assert response.status_code == 415, response.text
    detail = response.json()["detail"]
    assert named in detail
    # The message tells what is allowed.
    assert "PDF" in detail
    assert "PNG" in detail
    listed = await client.get(
        f"/api/v1/candidates/{candidate['id']}/documents", headers=recruiter.headers
    )
    assert listed.json()["items"] == []
    assert files_under(_root(app) / str(tenant.organization_id)) == before


async def test_bad_uploads_are_422(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    candidate = await make_candidate(client, recruiter, "Bad Upload")
    other = await make_candidate(client, recruiter, "Other Candidate")
    hm = await tenant.add("hiring_manager")
    role = await make_role(client, recruiter, hm)
    others_application = await apply(client, recruiter, other["id"], role)

    empty = await _upload(client, recruiter, candidate["id"], "empty.txt", b"", "text/plain")
    assert empty.status_code == 422, empty.text
    assert any(e["field"] == "file" for e in empty.json()["errors"])

    bad_kind = await _upload(
        client, recruiter, candidate["id"], "a.txt", b"hello", "text/plain", kind="selfie"
    )
    assert bad_kind.status_code == 422
    assert any(e["field"] == "kind" for e in bad_kind.json()["errors"])

    wrong_application = await _upload(
        client,
        recruiter,
        candidate["id"],
        "a.txt",
        b"hello",
        "text/plain",
        application_id=others_application["id"],
    )
    assert wrong_application.status_code == 422, wrong_application.text
    assert any(e["field"] == "application_id" for e in wrong_application.json()["errors"])

    listed = await client.get(
        f"/api/v1/candidates/{candidate['id']}/documents", headers=recruiter.headers
    )
    assert listed.json()["items"] == []


async def test_a_document_can_belong_to_an_application_of_the_candidate(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role = await make_role(client, recruiter, hm)
    candidate = await make_candidate(client, recruiter, "Take Home")
    application = await apply(client, recruiter, candidate["id"], role)
    response = await _upload(
        client,
        recruiter,
        candidate["id"],
        "result.txt",
        b"Score: 9/10\n",
        "text/plain",
        kind="test_result",
        application_id=application["id"],
    )
    assert response.status_code == 201, response.text
    assert response.json()["application_id"] == application["id"]
    assert response.json()["kind"] == "test_result"


@pytest.fixture
async def small_limit_app(tmp_path: Path, database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(
        make_settings(document_max_bytes=2048, data_dir=tmp_path), database_url=database_url
    )
    async with application.router.lifespan_context(application):
        yield application


async def test_files_over_the_size_limit_are_413_and_not_stored(
    small_limit_app: FastAPI, tenant: Tenant, tmp_path: Path
) -> None:
    assert _root(small_limit_app) == (tmp_path / "documents").resolve()
    transport = httpx.ASGITransport(app=small_limit_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hireloop.test") as small:
        recruiter = await tenant.add("recruiter")
        candidate = await make_candidate(small, recruiter, "Big Files")
        cid = candidate["id"]

        at_limit = await _upload(small, recruiter, cid, "fits.txt", b"a" * 2048, "text/plain")
        assert at_limit.status_code == 201, at_limit.text
        stored = files_under(_root(small_limit_app))
        assert len(stored) == 1

        over = await _upload(small, recruiter, cid, "big.txt", b"b" * 3000, "text/plain")
        assert over.status_code == 413, over.text
        problem = over.json()
        assert problem["code"] == "payload_too_large"
        # A clear message names the real limit (2048 bytes, 2 KiB), never "0 MiB".
        assert not re.search(r"\b0 MiB", problem["detail"]), problem["detail"]
        assert re.search(r"2048 bytes|2 KiB|2\.0 KiB", problem["detail"]), problem["detail"]

        # Far over the limit: refused before the body is read in full.
        huge = await _upload(small, recruiter, cid, "huge.txt", b"c" * 200_000, "text/plain")
        assert huge.status_code == 413, huge.text
        assert huge.json()["code"] == "payload_too_large"

        listed = await small.get(f"/api/v1/candidates/{cid}/documents", headers=recruiter.headers)
        assert [d["filename"] for d in listed.json()["items"]] == ["fits.txt"]
        assert files_under(_root(small_limit_app)) == stored


async def test_downloads_are_authorised_like_the_candidate(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    other_hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")
    role = await make_role(client, recruiter, hm)
    await make_role(client, recruiter, other_hm, title="Other role")
    candidate = await make_candidate(client, recruiter, "Private Papers")
    cid = candidate["id"]
    uploaded = await _upload(client, recruiter, cid, "cv.pdf", MINIMAL_PDF, "application/pdf")
    assert uploaded.status_code == 201
    document = uploaded.json()
    url = document["download_url"]
    list_url = f"/api/v1/candidates/{cid}/documents"

    # Before the candidate is in a role the hiring manager manages, they see nothing.
    assert (await client.get(url, headers=hm.headers)).status_code == 404
    await apply(client, recruiter, cid, role)
    ok = await client.get(url, headers=hm.headers)
    assert ok.status_code == 200
    assert ok.content == MINIMAL_PDF
    assert [d["id"] for d in (await client.get(list_url, headers=hm.headers)).json()["items"]] == [
        document["id"]
    ]

    # A hiring manager uploads nothing.
    by_hm = await _upload(client, hm, cid, "hm.txt", b"notes", "text/plain")
    assert by_hm.status_code == 403

    for outsider in (other_hm, other_tenant.admin, await other_tenant.add("recruiter")):
        assert (await client.get(url, headers=outsider.headers)).status_code == 404
        assert (await client.get(list_url, headers=outsider.headers)).status_code == 404
    sneaky = await _upload(client, other_tenant.admin, cid, "x.txt", b"x", "text/plain")
    assert sneaky.status_code == 404
    assert (await client.get(url, headers=interviewer.headers)).status_code == 403

    # A document id under another candidate is not found.
    other_candidate = await make_candidate(client, recruiter, "Someone Else")
    crossed = f"/api/v1/candidates/{other_candidate['id']}/documents/{document['id']}/content"
    assert (await client.get(crossed, headers=recruiter.headers)).status_code == 404
