"""The candidates' pages in a real browser: Debian's chromium driven by Playwright.

Flows with JavaScript on and off, a 320 px wide screen, axe-core on every page (no serious or
critical finding), keyboard use, and no request leaving the server's host (every request the
page makes is intercepted; one to another host fails the test). Screenshots of each page are
written to docs/images/ for the README.

The browser is the system's (`apt-get install chromium`); Playwright never downloads one. In CI
(`CI` set) a missing browser fails the run; elsewhere these tests skip, saying how to install it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from app.main import create_app
from tests.conftest import Tenant, make_settings
from tests.helpers_interviews import API, interviewing_application, ok, scalar
from tests.test_pages_follow_ups import PDF, ZIP, follow_up

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
INSTALL = "sudo apt-get install -y chromium"
IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
# The pages opened with JavaScript off (by id): axe checks their markup in a twin page.
NO_SCRIPT: set[int] = set()


def _browser_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"no chromium at {CHROMIUM}: install it with `{INSTALL}`"
    if os.environ.get("CI"):
        pytest.fail(f"CI runs the browser tests: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    """The app served over real HTTP on 127.0.0.1 (a thread with its own event loop)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    app = create_app(make_settings(public_url=base), database_url=database_url)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the page server did not start")
        time.sleep(0.05)
    yield base
    uv.should_exit = True
    thread.join(timeout=10)


class Browser:
    """One chromium for the module; each test opens contexts that may only reach `base`."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser = browser
        self.base = base
        self.host = urlsplit(base).netloc
        self.elsewhere: list[str] = []
        self.dialogs: list[str] = []

    async def page(self, *, javascript: bool = True, width: int = 1024) -> Any:
        context = await self.browser.new_context(
            java_script_enabled=javascript,
            viewport={"width": width, "height": 900},
            locale="en-GB",
            timezone_id="Europe/Paris",
        )

        async def guard(route: Any) -> None:
            if urlsplit(route.request.url).netloc != self.host:
                self.elsewhere.append(route.request.url)
                await route.abort()
            else:
                await route.continue_()

        await context.route("**/*", guard)
        page = await context.new_page()
        if not javascript:
            NO_SCRIPT.add(id(page))

        async def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        return page


@pytest.fixture(scope="module")
async def browser(server: str) -> AsyncIterator[Browser]:
    executable = _browser_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        wrapped = Browser(chromium, server)
        try:
            yield wrapped
        finally:
            await chromium.close()
        # Nothing any page asked for went to another host.
        assert wrapped.elsewhere == [], wrapped.elsewhere


async def check_accessible(page: Any, name: str) -> None:
    """axe-core finds nothing serious or critical; nothing is wider than the viewport.

    A page with JavaScript off cannot run axe: its HTML, as the browser has it, is checked in
    a twin page at the same address and width (its own script blocked, so the markup is the
    one the candidate without script sees)."""
    from axe_playwright_python.async_playwright import Axe

    if id(page) in NO_SCRIPT:
        html = await page.content()
        url = page.url
        width = page.viewport_size["width"]
        twin = await page.context.browser.new_context(viewport={"width": width, "height": 900})

        async def serve(route: Any) -> None:
            if route.request.url == url:
                await route.fulfill(body=html, content_type="text/html; charset=utf-8")
            elif route.request.url.split("?")[0].endswith(".js"):
                await route.abort()
            else:
                await route.continue_()

        await twin.route("**/*", serve)
        checked = await twin.new_page()
        await checked.goto(url)
        try:
            await check_accessible(checked, name + " (without script)")
        finally:
            await twin.close()
        return
    results = await Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: {bad}"
    assert await page.evaluate("document.documentElement.lang")
    width = await page.evaluate("window.innerWidth")
    scroll = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: {scroll}px wide in a {width}px window"


async def shoot(page: Any, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(IMAGES / f"{name}.png"), full_page=True)


async def _link_path(client: httpx.AsyncClient, tenant: Tenant) -> tuple[Any, str]:
    hiring = await interviewing_application(
        client, tenant, candidate_name="Priya Raman", title="Content Writer"
    )
    created = ok(
        await client.post(
            f"{API}/applications/{hiring.app_id}/availability-links",
            headers=hiring.recruiter.headers,
            json={"time_zone": "Europe/Paris"},
        ),
        201,
    )
    url: str = created["url"]
    return hiring, url[url.index("/pages/") :]


async def _windows(db: Any, app_id: str) -> int:
    count: int = await scalar(
        db,
        "SELECT count(*) FROM candidate_windows WHERE application_id = CAST(:a AS uuid)",
        a=app_id,
    )
    return count


async def test_offer_times_with_javascript(
    browser: Browser, client: httpx.AsyncClient, tenant: Tenant, db: Any
) -> None:
    hiring, path = await _link_path(client, tenant)
    page = await browser.page()
    await page.goto(browser.base + path)
    assert await page.title() == "Offer times for your interview · Acme"
    await page.get_by_text("Hello Priya,").wait_for()
    # With script, only the first window shows; the rest fold behind "Add another window".
    assert await page.locator("#window-1").is_visible()
    assert not await page.locator("#window-2").is_visible()
    await check_accessible(page, "offer times")
    await shoot(page, "page-offer-times")

    # Keyboard: the first stop is the skip link, which moves focus to the content.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Enter")

    # Times are entered in another zone, picked on the page.
    await page.select_option("#tz-view", "America/New_York")
    await page.get_by_role("button", name="Change time zone").click()
    await page.get_by_text("Times on this page are in").first.wait_for()
    assert await page.locator("input[name=tz]").get_attribute("value") == "America/New_York"

    days = await page.locator("#day-1 option").all()
    first_day = await days[2].get_attribute("value")
    await page.select_option("#day-1", first_day)
    await page.fill("#start-1", "09:00")
    await page.fill("#end-1", "11:00")
    await page.get_by_role("button", name="Add another window").click()
    assert await page.locator("#window-2").is_visible()
    # The new row's first field has the focus.
    assert await page.evaluate("document.activeElement.id") == "day-2"
    await page.select_option("#day-2", await days[3].get_attribute("value"))
    await page.fill("#start-2", "14:00")
    await page.fill("#end-2", "15:30")
    await page.get_by_role("button", name="Send my times").click()
    await page.get_by_role("heading", name="Thank you, your times were sent").wait_for()
    text = await page.inner_text("main")
    assert "9:00" in text
    assert "2:00" in text or "14:00" in text
    assert "New York" in text
    await check_accessible(page, "times sent")
    await shoot(page, "page-offer-times-sent")
    assert await _windows(db, hiring.app_id) == 2

    # The used link: a friendly page naming the recruiter.
    await page.goto(browser.base + path)
    assert await page.get_by_role("heading", name="This link was already used").is_visible()
    assert "Rita Recruiter" in await page.inner_text("main")
    await check_accessible(page, "used link")
    await shoot(page, "page-link-used")


async def test_offer_times_without_javascript_and_with_mistakes(
    browser: Browser, client: httpx.AsyncClient, tenant: Tenant, db: Any
) -> None:
    hiring, path = await _link_path(client, tenant)
    page = await browser.page(javascript=False)
    await page.goto(browser.base + path)
    # Every row shows, and the form works as plain HTML.
    for n in range(1, 7):
        assert await page.locator(f"#window-{n}").is_visible()
    assert not await page.locator("#add-window").is_visible()
    await check_accessible(page, "offer times without script")
    day = await page.locator("#day-1 option").nth(2).get_attribute("value")  # tomorrow
    # A mistake first: the end before the start, named on the page, nothing saved.
    await page.select_option("#day-1", day)
    await page.fill("#start-1", "12:00")
    await page.fill("#end-1", "10:00")
    await page.get_by_role("button", name="Send my times").click()
    await page.get_by_role("heading", name="Please correct the following").wait_for()
    assert "Window 1: the end must be after the start." in await page.inner_text("main")
    assert await page.locator("#end-1").get_attribute("aria-invalid") == "true"
    await check_accessible(page, "offer times with errors")
    await shoot(page, "page-offer-times-errors")
    assert await _windows(db, hiring.app_id) == 0
    await page.fill("#end-1", "13:00")
    await page.get_by_role("button", name="Send my times").click()
    await page.get_by_role("heading", name="Thank you, your times were sent").wait_for()
    assert await _windows(db, hiring.app_id) == 1


async def test_the_pages_fit_a_320_px_phone(
    browser: Browser, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, path = await _link_path(client, tenant)
    _, answer_path = await follow_up(client, tenant)
    for javascript in (True, False):
        page = await browser.page(javascript=javascript, width=320)
        for target in (path, answer_path, "/pages/availability/" + "x" * 40):
            await page.goto(browser.base + target)
            await check_accessible(page, f"{target[:24]} at 320 px")
        if javascript:
            await page.goto(browser.base + path)
            await shoot(page, "page-offer-times-320")


async def test_answer_a_follow_up_with_a_document(
    browser: Browser, client: httpx.AsyncClient, tenant: Tenant, db: Any
) -> None:
    hiring, path = await follow_up(client, tenant, candidate_name="Sam Okafor")
    page = await browser.page()
    await page.goto(browser.base + path)
    await page.get_by_text("Have you written for B2B software companies before?").wait_for()
    await check_accessible(page, "answer a question")
    await shoot(page, "page-answer")

    # Past the size limit (the box stops typing at the limit: take that away, as a script
    # or an old browser would), a disallowed file: each told on the page, nothing saved.
    await page.evaluate("document.getElementById('answer').removeAttribute('maxlength')")
    await page.fill("#answer", "y" * 4001)
    await page.get_by_role("button", name="Send my answer").click()
    await page.locator("#answer-error", has_text="4001 characters long").wait_for()
    await check_accessible(page, "answer too long")
    await page.fill("#answer", "Here are samples.")
    await page.set_input_files(
        "#document", files=[{"name": "samples.zip", "mimeType": "application/zip", "buffer": ZIP}]
    )
    await page.get_by_role("button", name="Send my answer").click()
    await page.locator("#document-error", has_text="could not be accepted").wait_for()
    assert await page.locator("#document").get_attribute("aria-invalid") == "true"
    rows = await scalar(
        db,
        "SELECT count(*) FROM follow_ups WHERE application_id = CAST(:a AS uuid) "
        "AND answer_text IS NOT NULL",
        a=hiring.app_id,
    )
    assert rows == 0

    # Script in the answer is shown as text; the document is kept; a double press sends once.
    answer = "Yes, <script>alert('hi')</script> for three years."
    await page.fill("#answer", answer)
    await page.fill("#link", "https://portfolio.example.com/sam")
    await page.set_input_files(
        "#document",
        files=[{"name": "samples.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    # Two presses in the same instant: the page's script lets only the first one through.
    await page.evaluate(
        "() => { const b = document.querySelector('button[type=submit]'); b.click(); b.click(); }"
    )
    await page.get_by_role("heading", name="Thank you, your answer was sent").wait_for()
    assert answer in await page.inner_text("main")
    assert browser.dialogs == []
    await check_accessible(page, "answer sent")
    await shoot(page, "page-answer-sent")
    saved = await scalar(
        db,
        "SELECT json_agg(json_build_array(answer_text, answer_document_id IS NOT NULL)) "
        "FROM follow_ups WHERE application_id = CAST(:a AS uuid)",
        a=hiring.app_id,
    )
    assert saved == [[answer, True]]

    # The back button and a second send (script off: no guard): told so, the first kept.
    plain = await browser.page(javascript=False)
    await plain.goto(browser.base + path)
    assert await plain.get_by_role("heading", name="You already answered").is_visible()
    await check_accessible(plain, "already answered")


async def test_tampered_and_expired_links(
    browser: Browser, client: httpx.AsyncClient, tenant: Tenant, db: Any
) -> None:
    hiring, path = await _link_path(client, tenant)
    token = path.rsplit("/", 1)[1]
    page = await browser.page()
    response = await page.goto(browser.base + path[: -len(token)] + token[:-4] + "AAAA")
    assert response.status == 404
    assert await page.get_by_role("heading", name="This link does not work").is_visible()
    await check_accessible(page, "tampered link")
    await shoot(page, "page-link-invalid")
    await scalar(
        db,
        "UPDATE availability_links SET expires_at = now() - interval '1 minute' "
        "WHERE application_id = CAST(:a AS uuid) RETURNING 1",
        a=hiring.app_id,
    )
    response = await page.goto(browser.base + path)
    assert response.status == 404
    assert await page.get_by_role("heading", name="This link has expired").is_visible()
    assert "Rita Recruiter" in await page.inner_text("main")
    await check_accessible(page, "expired link")
    await asyncio.sleep(0)
