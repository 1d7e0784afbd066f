"""/docs (Swagger UI), /redoc (ReDoc) and the assets of those pages and of GraphiQL, all served by
the service itself from copies of their npm packages (app/static/docs, made by
tools/vendor_docs_assets.sh), so the pages work offline and behind a strict CSP.

Each page's Content-Security-Policy allows scripts, styles and fonts from this origin only;
Swagger UI and ReDoc also need inline styles (they style elements from script), and ReDoc a
worker built from a blob for its search index. GraphiQL's page is app/graphql/app.py's.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "docs"
STATIC_PATH = "/static/docs"

_BASE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
# Swagger UI sets element styles from script (its layout and syntax highlighting).
SWAGGER_CSP = _BASE_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
REDOC_CSP = SWAGGER_CSP + "; worker-src blob:"

_SWAGGER_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hireloop API</title>
<link rel="stylesheet" href="{STATIC_PATH}/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{STATIC_PATH}/swagger-ui/swagger-ui-bundle.js"></script>
<script src="{STATIC_PATH}/swagger-init.js"></script>
</body>
</html>
"""

_REDOC_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hireloop API reference</title>
<link rel="stylesheet" href="{STATIC_PATH}/docs.css">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="{STATIC_PATH}/redoc/redoc.standalone.js"></script>
</body>
</html>
"""


def page(html: str, csp: str) -> HTMLResponse:
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


def install(app: FastAPI) -> None:
    async def swagger_ui() -> HTMLResponse:
        return page(_SWAGGER_PAGE, SWAGGER_CSP)

    async def redoc() -> HTMLResponse:
        return page(_REDOC_PAGE, REDOC_CSP)

    app.add_api_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)
    mount_static(app)


def mount_static(app: FastAPI) -> None:
    """The assets, once, for whichever of the docs pages and GraphiQL is on."""
    if not any(getattr(route, "path", None) == STATIC_PATH for route in app.router.routes):
        app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="docs-assets")
