"""Hireloop's own pages for people without an account (candidates following a link).

Server-rendered HTML under /pages/..., working without JavaScript; the script and stylesheet
under /static/pages/ only enhance them. See docs/pages.md.
"""

from __future__ import annotations

from fastapi import FastAPI


def include_pages(app: FastAPI) -> None:
    """Mount every page router and the pages' assets; called once by create_app."""
    from app.pages import assets, availability, bookings, follow_ups

    app.include_router(assets.router)
    app.include_router(availability.router)
    app.include_router(follow_ups.router)
    app.include_router(bookings.router)
