"""/docs (Swagger UI), /redoc and GraphiQL on /graphql: served by the service with their assets,
no CDN, under a CSP that allows only this origin; in a real browser (Debian's chromium driven by
Playwright) each renders, nothing is fetched from elsewhere, nothing breaks the CSP, and
GraphiQL runs a query with an API key.

In CI (`CI` set) a missing browser fails; elsewhere the browser test skips, saying why.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.db import Database
from tests.conftest import Tenant
from tests.test_openapi_clients import served_hireloop

CHROMIUM = os.environ.get("HIRELOOP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = ("/docs", "/redoc", "/graphql")
# Rendering a 2 MB document is slow on a busy CI machine; a page that never renders still fails.
WAIT_MS = 90_000
STATIC = Path(__file__).resolve().parent.parent / "app" / "static" / "docs"


async def test_pages_and_assets_are_served_from_here_under_a_strict_csp(
    client: httpx.AsyncClient,
) -> None:
    for path in PAGES:
        page = await client.get(path)
        assert page.status_code == 200, path
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "script-src 'self';" in csp  # no inline script, no other origin
        # Every asset the page names is a local path that is served.
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert assets, path
        for asset in assets:
            if asset.startswith("/static/"):
                served = await client.get(asset)
                assert served.status_code == 200, asset
            else:
                assert asset.startswith("/"), f"{path} loads {asset} from elsewhere"
    graphiql = (await client.get("/graphql")).text
    assert "Authorization" in graphiql or "hl_your_api_key" in graphiql
    assert "POST /api/v1/api-keys" in graphiql  # where a key comes from
    for package in ("swagger-ui", "redoc", "graphiql", "react"):
        assert (STATIC / package / "LICENSE").exists(), package


async def test_graphql_without_a_key_is_a_graphql_error_with_a_code(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post("/graphql", json={"query": "{ __typename }"})
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "unauthenticated", "status": 401}
    assert error["message"]
    # REST keeps its problem details.
    rest = await client.get("/api/v1/roles")
    assert rest.headers["content-type"].startswith("application/problem+json")


def _browser_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"no chromium at {CHROMIUM}: install it with `sudo apt-get install -y chromium`"
    if os.environ.get("CI"):
        pytest.fail(f"CI runs the browser tests: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    with served_hireloop(database_url) as url:
        # FastAPI builds the document on its first request (seconds for this many routes):
        # done here, so the pages' waits measure the pages.
        assert httpx.get(f"{url}/openapi.json", timeout=120).status_code == 200
        yield url


@pytest.fixture
async def page(server: str, db: Database) -> AsyncIterator[Any]:
    """A chromium tab on the served app; `db` so that each test starts with empty tables."""
    executable = _browser_or_skip()
    from playwright.async_api import async_playwright

    host = urlsplit(server).netloc
    elsewhere: list[str] = []
    problems: list[str] = []
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        context = await chromium.new_context(base_url=server)

        async def guard(route: Any) -> None:
            if urlsplit(route.request.url).netloc not in (host, ""):
                elsewhere.append(route.request.url)
                await route.abort()
            else:
                await route.continue_()

        await context.route("**/*", guard)
        tab = await context.new_page()
        tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        tab.on(
            "console",
            lambda message: (
                problems.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        try:
            yield tab
        finally:
            await chromium.close()
    assert elsewhere == [], f"fetched from another host: {elsewhere}"
    assert problems == [], problems


async def test_swagger_ui_renders_the_operations(page: Any) -> None:
    await page.goto("/docs")
    await page.wait_for_selector("#operations-roles-listRoles", timeout=WAIT_MS)
    await page.wait_for_selector("#operations-roles-getRole", timeout=WAIT_MS)


async def test_redoc_renders_the_reference(page: Any) -> None:
    await page.goto("/redoc")
    heading = page.locator("h2", has_text="List roles, newest first")
    await heading.first.wait_for(timeout=WAIT_MS)


async def test_graphiql_runs_a_query_with_a_key(page: Any, server: str, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=server, headers=tenant.admin.headers) as api:
        created = await api.post("/api/v1/roles", json={"title": "Lighthouse Keeper"})
        assert created.status_code == 201, created.text
    await page.goto("/graphql")
    await page.get_by_text("Requests need an API key").wait_for(timeout=WAIT_MS)
    editors = page.locator(".CodeMirror")
    await editors.first.wait_for(timeout=WAIT_MS)
    # The Headers tab is open with the Authorization template in it.
    headers_text = await page.locator(".graphiql-editor-tool .CodeMirror").last.inner_text()
    assert "Authorization" in headers_text
    assert "hl_your_api_key" in headers_text
    await page.evaluate(
        """([key]) => {
            const query = document.querySelector('.graphiql-query-editor .CodeMirror');
            query.CodeMirror.setValue('{ roles(first: 5) { edges { node { title } } } }');
            const tools = document.querySelectorAll('.graphiql-editor-tool .CodeMirror');
            tools[tools.length - 1].CodeMirror.setValue(
                JSON.stringify({Authorization: 'Bearer ' + key}));
        }""",
        [tenant.admin.key],
    )
    await page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    await result.get_by_text("Lighthouse Keeper").first.wait_for(timeout=WAIT_MS)
    text = await result.inner_text()
    assert "errors" not in text, text
