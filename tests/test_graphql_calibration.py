"""The pipeline and calibration over GraphQL: the same services, answers and error codes as REST,
and a constant number of SQL statements for a role's slates however many there are."""

from __future__ import annotations

import base64

import httpx

from app.auth import actor_cache
from tests.conftest import Person, Tenant
from tests.helpers_domain import JSON
from tests.helpers_pipeline import (
    MINIMAL_PDF,
    candidate_in_role,
    decide,
    draft_slate,
    due,
    gql,
    gql_data,
    make_role,
    move,
    sent_slate,
)


def gid(type_name: str, raw_id: str) -> str:
    return base64.b64encode(f"{type_name}:{raw_id}".encode()).decode()


async def _setup(client: httpx.AsyncClient, tenant: Tenant) -> tuple[Person, Person, str]:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_id = await make_role(client, recruiter, hm)
    return recruiter, hm, role_id


def nodes(connection: JSON) -> list[JSON]:
    return [edge["node"] for edge in connection["edges"]]


ROLE_PIPELINE = """
query($id: ID!, $stage: ApplicationStage, $outcome: ApplicationOutcome) {
  role(id: $id) {
    title
    applications(stage: $stage, outcome: $outcome) {
      edges { node { databaseId stage outcome timeInStageSeconds candidate { name } } }
    }
  }
}
"""


async def test_role_applications_filter_by_stage_and_outcome(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    _, _a1 = await candidate_in_role(client, recruiter, role_id, "Gql Sourced")
    _, a2 = await candidate_in_role(client, recruiter, role_id, "Gql Screened")
    _, a3 = await candidate_in_role(client, recruiter, role_id, "Gql Rejected")
    assert (await move(client, recruiter, a2, "screening")).status_code == 200
    assert (await move(client, recruiter, a3, action="reject")).status_code == 200

    async def names(**variables: str) -> list[str]:
        data = await gql_data(client, recruiter, ROLE_PIPELINE, {"id": role_id, **variables})
        return sorted(a["candidate"]["name"] for a in nodes(data["role"]["applications"]))

    assert await names() == ["Gql Rejected", "Gql Screened", "Gql Sourced"]
    assert await names(stage="screening") == ["Gql Screened"]
    assert await names(stage="sourced") == ["Gql Rejected", "Gql Sourced"]
    assert await names(stage="sourced", outcome="active") == ["Gql Sourced"]
    assert await names(outcome="rejected") == ["Gql Rejected"]
    data = await gql_data(client, hm, ROLE_PIPELINE, {"id": role_id, "stage": "screening"})
    app = nodes(data["role"]["applications"])[0]
    assert (app["databaseId"], app["stage"], app["outcome"]) == (a2, "screening", "active")
    assert 0 <= app["timeInStageSeconds"] < 60
    other_hm = await tenant.add("hiring_manager")
    hidden = await gql_data(client, other_hm, ROLE_PIPELINE, {"id": role_id})
    assert hidden["role"] is None


SLATES_QUERY = """
query($id: ID!) {
  role(id: $id) {
    slates { edges { node { items { application { candidate { name } } decision { decision } } } } }
  }
}
"""


async def test_role_slates_items_decisions_and_insights(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    apps = [
        (await candidate_in_role(client, recruiter, role_id, name, skills=["SQL"], years=3))[1]
        for name in ("Slate Ann", "Slate Bob", "Slate Cy")
    ]
    first = await sent_slate(client, recruiter, role_id, apps[:2])
    assert (await decide(client, hm, first, apps[0], "approve", note="yes")).status_code == 200
    assert (
        await decide(
            client, hm, first, apps[1], "reject", missing_skills=["Kafka"], categories=["skills"]
        )
    ).status_code == 200
    await draft_slate(client, recruiter, role_id, apps[2:])

    recruiter_view = await gql_data(client, recruiter, SLATES_QUERY, {"id": role_id})
    slates = nodes(recruiter_view["role"]["slates"])
    # Newest first: the draft, then the reviewed slate.
    assert [
        [(i["application"]["candidate"]["name"], i["decision"]) for i in s["items"]] for s in slates
    ] == [
        [("Slate Cy", None)],
        [("Slate Ann", {"decision": "approve"}), ("Slate Bob", {"decision": "reject"})],
    ]
    # The hiring manager does not see the draft.
    hm_view = await gql_data(client, hm, SLATES_QUERY, {"id": role_id})
    assert len(nodes(hm_view["role"]["slates"])) == 1

    insights_query = """
    query($id: ID!) { role(id: $id) { insights {
      decisions approvals rejections medianReviewHours
      approvalRateBySlate { slateId decided approved approvalRate }
      mostMissingSkills { value count }
      topRejectionReasons { value count }
      suggestions { kind }
    } } }
    """
    gql_insights = (await gql_data(client, hm, insights_query, {"id": role_id}))["role"]["insights"]
    rest = (await client.get(f"/api/v1/roles/{role_id}/insights", headers=hm.headers)).json()
    assert (gql_insights["decisions"], gql_insights["approvals"], gql_insights["rejections"]) == (
        2,
        1,
        1,
    )
    assert gql_insights["approvalRateBySlate"] == [
        {"slateId": gid("Slate", first["id"]), "decided": 2, "approved": 1, "approvalRate": 0.5}
    ]
    assert gql_insights["mostMissingSkills"] == [{"value": "Kafka", "count": 1}]
    assert gql_insights["topRejectionReasons"] == rest["top_rejection_reasons"]
    assert gql_insights["medianReviewHours"] == rest["median_review_hours"]
    assert gql_insights["suggestions"] == []


async def test_candidate_applications_documents_and_history(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    other_role = await make_role(client, recruiter, hm, title="Second")
    cid, aid = await candidate_in_role(client, recruiter, role_id, "Graph Person", skills=["SQL"])
    second = await client.post(
        "/api/v1/applications",
        headers=recruiter.headers,
        json={"candidate_id": cid, "role_id": other_role},
    )
    assert second.status_code == 201
    assert (
        await move(client, recruiter, aid, "screening", reason="Phone screen")
    ).status_code == 200
    uploaded = await client.post(
        f"/api/v1/candidates/{cid}/documents",
        headers=recruiter.headers,
        files={"file": ("cv.pdf", MINIMAL_PDF, "application/pdf")},
        data={"kind": "resume"},
    )
    assert uploaded.status_code == 201, uploaded.text

    query = """
    query($id: ID!) { candidate(id: $id) {
      name
      documents { edges { node { filename contentType sizeBytes sha256 downloadUrl } } }
      applications { edges { node {
        databaseId stage role { title }
        history { edges { node { action fromStage toStage reason actorMemberId } } }
      } } }
    } }
    """
    data = (await gql_data(client, recruiter, query, {"id": gid("Candidate", cid)}))["candidate"]
    assert data["name"] == "Graph Person"
    doc = uploaded.json()
    assert nodes(data["documents"]) == [
        {
            "filename": "cv.pdf",
            "contentType": "application/pdf",
            "sizeBytes": len(MINIMAL_PDF),
            "sha256": doc["sha256"],
            "downloadUrl": doc["download_url"],
        }
    ]
    by_id = {a["databaseId"]: a for a in nodes(data["applications"])}
    assert set(by_id) == {aid, second.json()["id"]}
    assert by_id[aid]["role"]["title"] == "Data Engineer"
    assert by_id[aid]["stage"] == "screening"
    assert nodes(by_id[aid]["history"]) == [
        {
            "action": "create",
            "fromStage": None,
            "toStage": "sourced",
            "reason": "Application created",
            "actorMemberId": gid("Member", str(recruiter.id)),
        },
        {
            "action": "move",
            "fromStage": "sourced",
            "toStage": "screening",
            "reason": "Phone screen",
            "actorMemberId": gid("Member", str(recruiter.id)),
        },
    ]
    # The same history through the application itself.
    history = await gql_data(
        client,
        recruiter,
        "query($id: ID!) { application(id: $id) { history { edges { node { toStage } } } } }",
        {"id": aid},
    )
    assert [h["toStage"] for h in nodes(history["application"]["history"])] == [
        "sourced",
        "screening",
    ]


async def test_fit_check_matches_rest(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    _, rejected = await candidate_in_role(
        client, recruiter, role_id, "Past Reject", skills=["SQL", "Go"], years=2
    )
    slate = await sent_slate(client, recruiter, role_id, [rejected])
    assert (
        await decide(
            client,
            hm,
            slate,
            rejected,
            "reject",
            missing_skills=["Airflow"],
            red_flags=["short tenure"],
        )
    ).status_code == 200
    cid, _ = await candidate_in_role(
        client, recruiter, role_id, "Fit Me", skills=["SQL", "Go"], years=2
    )
    query = """
    query($role: ID!, $cand: ID!) { fitCheck(roleId: $role, candidateId: $cand) {
      intakeRevision summary experience
      mustSkills { skill status explanation }
      redFlags { redFlag applies timesRaised }
      resembles { candidateName similarity }
    } }
    """
    data = (
        await gql_data(
            client, hm, query, {"role": gid("Role", role_id), "cand": gid("Candidate", cid)}
        )
    )["fitCheck"]
    rest = (await client.get(f"/api/v1/roles/{role_id}/fit-check/{cid}", headers=hm.headers)).json()
    assert data["summary"] == rest["summary"]
    assert data["experience"] == rest["experience"]
    assert data["mustSkills"] == rest["must_skills"]
    assert [(m["skill"], m["status"]) for m in data["mustSkills"]] == [
        ("SQL", "met"),
        ("Airflow", "missing"),
    ]
    assert data["redFlags"] == [{"redFlag": "short tenure", "applies": True, "timesRaised": 1}]
    assert data["resembles"] == [{"candidateName": "Past Reject", "similarity": 1.0}]

    other_hm = await tenant.add("hiring_manager")
    body = (await gql(client, other_hm, query, {"role": role_id, "cand": cid})).json()
    assert body["data"] is None or body["data"].get("fitCheck") is None
    assert body["errors"][0]["extensions"]["code"] == "not_found"


async def test_node_resolves_candidates_applications_and_slates_of_your_org_only(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)
    cid, aid = await candidate_in_role(client, recruiter, role_id, "Node Person")
    slate = await sent_slate(client, recruiter, role_id, [aid])
    _, draft_aid = await candidate_in_role(client, recruiter, role_id, "Draft Person")
    draft = await draft_slate(client, recruiter, role_id, [draft_aid])
    query = """
    query($id: ID!) { node(id: $id) {
      __typename id
      ... on Candidate { name }
      ... on Application { stage }
      ... on Slate { status }
    } }
    """
    outsider = await other_tenant.add("recruiter")
    other_hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")
    for type_name, raw, field, value in (
        ("Candidate", cid, "name", "Node Person"),
        ("Application", aid, "stage", "hm_review"),
        ("Slate", slate["id"], "status", "sent"),
    ):
        node = (await gql_data(client, recruiter, query, {"id": gid(type_name, raw)}))["node"]
        assert node["__typename"] == type_name
        assert node["id"] == gid(type_name, raw)
        assert node[field] == value
        assert (await gql_data(client, hm, query, {"id": gid(type_name, raw)}))["node"] is not None
        for stranger in (outsider, other_tenant.admin, other_hm, interviewer):
            assert (await gql_data(client, stranger, query, {"id": gid(type_name, raw)}))[
                "node"
            ] is None
    # The hiring manager sees no draft slate.
    assert (await gql_data(client, hm, query, {"id": gid("Slate", draft["id"])}))["node"] is None
    assert (await gql_data(client, recruiter, query, {"id": gid("Slate", draft["id"])}))[
        "node"
    ] is not None


RESULT_FIELDS = "... on MutationError { code status message fields { field message } }"


async def test_mutations_walk_the_calibration_loop_with_rest_error_codes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter, hm, role_id = await _setup(client, tenant)

    create_candidate = f"""
    mutation($input: CreateCandidateInput!) {{ createCandidate(input: $input) {{
      __typename
      ... on CandidatePayload {{ candidate {{ id databaseId name email skills consentGiven consentAt }} }}
      {RESULT_FIELDS}
    }} }}
    """
    made = (
        await gql_data(
            client,
            recruiter,
            create_candidate,
            {
                "input": {
                    "name": "Mut Ann",
                    "email": "Mut.Ann@Example.com",
                    "source": "sourced",
                    "consentGiven": True,
                    "skills": ["SQL", "Airflow"],
                    "yearsExperience": 5,
                }
            },
        )
    )["createCandidate"]
    assert made["__typename"] == "CandidatePayload", made
    candidate = made["candidate"]
    assert (candidate["email"], candidate["consentGiven"]) == ("mut.ann@example.com", True)
    assert candidate["consentAt"] is not None
    duplicate = (
        await gql_data(
            client,
            recruiter,
            create_candidate,
            {
                "input": {
                    "name": "Mut Ann Again",
                    "email": "mut.ann@example.com",
                    "source": "sourced",
                    "consentGiven": True,
                }
            },
        )
    )["createCandidate"]
    assert (duplicate["__typename"], duplicate["code"], duplicate["status"]) == (
        "MutationError",
        "conflict",
        409,
    )
    assert candidate["databaseId"] in duplicate["message"]
    invalid = (
        await gql_data(
            client,
            recruiter,
            create_candidate,
            {
                "input": {
                    "name": "Bad",
                    "email": "not-an-email",
                    "source": "inbound",
                    "consentGiven": True,
                }
            },
        )
    )["createCandidate"]
    assert (invalid["code"], invalid["status"]) == ("invalid_input", 422)
    assert {f["field"] for f in invalid["fields"]} == {"email"}
    # A source outside the enum: refused by the schema, naming the field, before anything runs.
    refused = (
        await gql(
            client,
            recruiter,
            create_candidate,
            {"input": {"name": "Bad", "email": "b@example.com", "source": "telepathy"}},
        )
    ).json()
    assert refused["errors"][0]["extensions"]["code"] == "invalid_query", refused
    assert "source" in refused["errors"][0]["message"], refused
    by_hm = (
        await gql_data(
            client,
            hm,
            create_candidate,
            {
                "input": {
                    "name": "By HM",
                    "email": "by.hm@example.com",
                    "source": "sourced",
                    "consentGiven": True,
                }
            },
        )
    )["createCandidate"]
    assert (by_hm["code"], by_hm["status"]) == ("forbidden", 403)

    create_application = f"""
    mutation($input: CreateApplicationInput!) {{ createApplication(input: $input) {{
      __typename ... on ApplicationPayload {{ application {{ id databaseId stage outcome }} }} {RESULT_FIELDS}
    }} }}
    """
    app_input = {"input": {"candidateId": candidate["id"], "roleId": gid("Role", role_id)}}
    created = (await gql_data(client, recruiter, create_application, app_input))[
        "createApplication"
    ]
    assert created["__typename"] == "ApplicationPayload", created
    application = created["application"]
    assert (application["stage"], application["outcome"]) == ("sourced", "active")
    again = (await gql_data(client, recruiter, create_application, app_input))["createApplication"]
    assert (again["code"], again["status"]) == ("conflict", 409)

    transition = f"""
    mutation($input: TransitionApplicationInput!) {{ transitionApplication(input: $input) {{
      __typename ... on ApplicationPayload {{ application {{ stage history {{ edges {{ node {{ toStage reason }} }} }} }} }} {RESULT_FIELDS}
    }} }}
    """
    illegal = (
        await gql_data(
            client,
            recruiter,
            transition,
            {
                "input": {
                    "id": application["id"],
                    "toStage": "offer",
                    "reason": "skip ahead",
                }
            },
        )
    )["transitionApplication"]
    assert (illegal["__typename"], illegal["code"], illegal["status"]) == (
        "MutationError",
        "conflict",
        409,
    )
    assert "offer" in illegal["message"]
    no_stage = (
        await gql_data(
            client,
            recruiter,
            transition,
            {
                "input": {
                    "id": application["id"],
                    "reason": "where to?",
                }
            },
        )
    )["transitionApplication"]
    assert (no_stage["code"], no_stage["status"]) == ("invalid_input", 422)
    legal = (
        await gql_data(
            client,
            recruiter,
            transition,
            {
                "input": {
                    "id": application["id"],
                    "toStage": "screening",
                    "reason": "Phone screen",
                }
            },
        )
    )["transitionApplication"]
    assert legal["application"]["stage"] == "screening"
    assert nodes(legal["application"]["history"])[-1] == {
        "toStage": "screening",
        "reason": "Phone screen",
    }

    create_slate = f"""
    mutation($input: CreateSlateInput!) {{ createSlate(input: $input) {{
      __typename ... on SlatePayload {{ slate {{ id databaseId status items {{ id question application {{ databaseId }} }} }} }}
      {RESULT_FIELDS}
    }} }}
    """
    many = [
        (await candidate_in_role(client, recruiter, role_id, f"Filler {n}"))[1] for n in range(10)
    ]
    too_many = (
        await gql_data(
            client,
            recruiter,
            create_slate,
            {
                "input": {
                    "roleId": role_id,
                    "items": [{"applicationId": a} for a in [application["id"], *many]],
                }
            },
        )
    )["createSlate"]
    assert (too_many["code"], too_many["status"]) == ("invalid_input", 422)
    assert [f["field"] for f in too_many["fields"]] == ["items"]
    other_role = await make_role(client, recruiter, hm, title="Other")
    _, foreign = await candidate_in_role(client, recruiter, other_role, "Foreign")
    wrong = (
        await gql_data(
            client,
            recruiter,
            create_slate,
            {
                "input": {
                    "roleId": role_id,
                    "items": [{"applicationId": application["id"]}, {"applicationId": foreign}],
                }
            },
        )
    )["createSlate"]
    assert (wrong["code"], wrong["status"]) == ("invalid_input", 422)
    assert [f["field"] for f in wrong["fields"]] == ["items.1.applicationId"]
    made_slate = (
        await gql_data(
            client,
            recruiter,
            create_slate,
            {
                "input": {
                    "roleId": role_id,
                    "items": [
                        {"applicationId": application["id"], "question": "What have I missed?"},
                        {"applicationId": many[0]},
                    ],
                }
            },
        )
    )["createSlate"]
    assert made_slate["__typename"] == "SlatePayload", made_slate
    slate = made_slate["slate"]
    assert slate["status"] == "draft"
    assert [i["application"]["databaseId"] for i in slate["items"]] == [
        application["databaseId"],
        many[0],
    ]

    decide_item = f"""
    mutation($input: DecideSlateItemInput!) {{ decideSlateItem(input: $input) {{
      __typename ... on SlatePayload {{ slate {{ status items {{ decision {{ decision answer revision }} }} }} }}
      {RESULT_FIELDS}
    }} }}
    """
    item_ids = [i["id"] for i in slate["items"]]
    # A draft has nothing to decide; the hiring manager does not even see it.
    early = (
        await gql_data(
            client,
            hm,
            decide_item,
            {
                "input": {
                    "slateId": slate["id"],
                    "itemId": item_ids[0],
                    "decision": "approve",
                    "reasons": {"note": "yes"},
                }
            },
        )
    )["decideSlateItem"]
    assert (early["code"], early["status"]) == ("not_found", 404)

    send_slate = f"""
    mutation($input: SendSlateInput!) {{ sendSlate(input: $input) {{
      __typename ... on SlatePayload {{ slate {{ status sentAt items {{ application {{ stage }} }} }} }} {RESULT_FIELDS}
    }} }}
    """
    sent = (
        await gql_data(
            client, recruiter, send_slate, {"input": {"id": slate["id"], "dueAt": due()}}
        )
    )["sendSlate"]
    assert sent["__typename"] == "SlatePayload", sent
    assert sent["slate"]["status"] == "sent"
    assert [i["application"]["stage"] for i in sent["slate"]["items"]] == ["hm_review", "hm_review"]
    twice = (
        await gql_data(
            client, recruiter, send_slate, {"input": {"id": slate["id"], "dueAt": due()}}
        )
    )["sendSlate"]
    assert (twice["code"], twice["status"]) == ("conflict", 409)

    no_reason = (
        await gql_data(
            client,
            hm,
            decide_item,
            {
                "input": {
                    "slateId": slate["id"],
                    "itemId": item_ids[0],
                    "decision": "reject",
                    "reasons": {},
                }
            },
        )
    )["decideSlateItem"]
    assert (no_reason["code"], no_reason["status"]) == ("invalid_input", 422)
    assert any("reason" in f["message"] for f in no_reason["fields"]), no_reason
    unknown_skill = (
        await gql_data(
            client,
            hm,
            decide_item,
            {
                "input": {
                    "slateId": slate["id"],
                    "itemId": item_ids[0],
                    "decision": "reject",
                    "reasons": {"missingSkills": ["Cobol"]},
                }
            },
        )
    )["decideSlateItem"]
    assert (unknown_skill["code"], unknown_skill["status"]) == ("invalid_input", 422)
    assert [f["field"] for f in unknown_skill["fields"]] == ["reasons.missingSkills"]
    assert "Cobol" in unknown_skill["message"]
    by_recruiter = (
        await gql_data(
            client,
            recruiter,
            decide_item,
            {
                "input": {
                    "slateId": slate["id"],
                    "itemId": item_ids[0],
                    "decision": "approve",
                    "reasons": {"note": "mine"},
                }
            },
        )
    )["decideSlateItem"]
    assert (by_recruiter["code"], by_recruiter["status"]) == ("forbidden", 403)

    approved = (
        await gql_data(
            client,
            hm,
            decide_item,
            {
                "input": {
                    "slateId": gid("Slate", slate["databaseId"]),
                    "itemId": item_ids[0],
                    "decision": "approve",
                    "reasons": {"note": "Strong"},
                    "answer": "Nothing missed",
                }
            },
        )
    )["decideSlateItem"]
    assert approved["__typename"] == "SlatePayload", approved
    assert approved["slate"]["items"][0]["decision"] == {
        "decision": "approve",
        "answer": "Nothing missed",
        "revision": 1,
    }
    second = (
        await gql_data(
            client,
            hm,
            decide_item,
            {
                "input": {
                    "slateId": slate["id"],
                    "itemId": item_ids[0],
                    "decision": "reject",
                    "reasons": {"note": "Hmm"},
                }
            },
        )
    )["decideSlateItem"]
    assert (second["code"], second["status"]) == ("conflict", 409)
    waitlisted = (
        await gql_data(
            client,
            hm,
            decide_item,
            {
                "input": {
                    "slateId": slate["id"],
                    "itemId": item_ids[1],
                    "decision": "waitlist",
                    "reasons": {"note": "Maybe"},
                    "waitlistQuestion": "Notice period?",
                }
            },
        )
    )["decideSlateItem"]
    assert waitlisted["slate"]["status"] == "reviewed"

    rest_app = (
        await client.get(f"/api/v1/applications/{application['databaseId']}", headers=hm.headers)
    ).json()
    assert rest_app["stage"] == "interviewing"


async def _role_with_slates(
    client: httpx.AsyncClient, recruiter: Person, hm: Person, title: str, slates: int, size: int
) -> str:
    role_id = await make_role(client, recruiter, hm, title=title)
    for s in range(slates):
        apps = [
            (
                await candidate_in_role(
                    client, recruiter, role_id, f"{title} {s}-{n}", skills=["SQL"]
                )
            )[1]
            for n in range(size)
        ]
        slate = await sent_slate(client, recruiter, role_id, apps)
        assert (await decide(client, hm, slate, apps[0], "approve", note="yes")).status_code == 200
        assert (await decide(client, hm, slate, apps[1], "reject", note="no")).status_code == 200
    return role_id


async def test_a_roles_slates_cost_the_same_statements_whatever_their_number(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    small = await _role_with_slates(client, recruiter, hm, "Small", slates=2, size=2)
    large = await _role_with_slates(client, recruiter, hm, "Large", slates=6, size=6)

    for who in (recruiter, hm):
        counts = {}
        for role_id, slates, size in ((small, 2, 2), (large, 6, 6)):
            # Both measured requests pay the same for authentication: none is cached.
            actor_cache.clear()
            response = await gql(client, who, SLATES_QUERY, {"id": role_id})
            body = response.json()
            assert not body.get("errors"), body
            got = nodes(body["data"]["role"]["slates"])
            assert len(got) == slates
            assert all(len(s["items"]) == size for s in got)
            assert all(i["application"]["candidate"]["name"] for s in got for i in s["items"])
            decided = [i["decision"]["decision"] for s in got for i in s["items"] if i["decision"]]
            assert sorted(decided) == ["approve"] * slates + ["reject"] * slates
            counts[role_id] = int(response.headers["x-statement-count"])
        assert counts[small] == counts[large], (who.member.permission_set, counts)
        assert counts[small] <= 9, counts
