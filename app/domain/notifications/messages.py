"""Rendering messages: which channel a person gets, the text and HTML of an email from the
templates, and the blocks of a Slack message.

A message links a person only where they can open the link: the organization's link template
for the thing (app/domain/organizations/link_templates.py), never an API URL (a browser gets
401 there). Without a template the text names the thing and where to find it, and there is
no button.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.notifications.repository import Draft, Recipient
from app.domain.organizations.link_templates import LinkKind, link_for
from app.templates import render

TEMPLATES = "notifications/"


def local(moment: datetime, zone: str) -> str:
    """A time as the reader reads it: in their zone, and naming the zone."""
    return f"{moment.astimezone(ZoneInfo(zone)).strftime('%a %d %b %Y, %H:%M')} ({zone})"


def openable(link: str | None) -> str | None:
    """The link if a person can open it; None for an API URL, which answers a browser 401."""
    if not link or "/api/v1/" in link:
        return None
    return link


def person_link(
    templates: dict[str, str] | None, kind: LinkKind, **ids: uuid.UUID | str
) -> str | None:
    """Where a message about this thing links a member: the organization's template for the
    kind filled with the ids, or None (the text then says how to find it)."""
    return link_for(templates, kind, **ids)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def email_html(
    subject: str, heading: str, text: str, organization_name: str, link: str | None = None
) -> str:
    """The HTML part shares the text's words; the layout template gives it the shape."""
    link = openable(link)
    body = [p for p in paragraphs(text) if link is None or link not in p]
    return render(
        TEMPLATES + "layout.html.j2",
        subject=subject,
        heading=heading,
        paragraphs=body,
        link=link,
        link_label="Open",
        organization_name=organization_name,
    )


def slack_blocks(title: str, text: str, link: str | None = None) -> list[dict[str, Any]]:
    # Slack caps a header at 150 characters and a section at 3,000.
    link = openable(link)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}},
    ]
    if link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open"},
                        "url": link,
                    }
                ],
            }
        )
    return blocks


def person_message(
    person: Recipient,
    *,
    kind: str,
    dedupe_key: str,
    subject: str,
    text: str,
    organization_name: str,
    link: str | None = None,
) -> Draft:
    """A message to a member on the channel they chose: Slack if they asked for it and a
    webhook URL is known, email otherwise (webhook and none still get the transactional
    messages by email: those are addressed to them and ask something of them)."""
    slack_url = person.slack_webhook_url or person.org_slack_webhook_url
    if person.update_channel == "slack" and slack_url:
        whose = "member" if person.slack_webhook_url else "organization"
        return Draft(
            organization_id=person.organization_id,
            kind=kind,
            channel="slack",
            recipient=f"slack ({whose} webhook) for {person.email}",
            dedupe_key=dedupe_key,
            subject=subject,
            body_text=text,
            slack_blocks=slack_blocks(subject, text, link),
            member_id=person.id,
        )
    return Draft(
        organization_id=person.organization_id,
        kind=kind,
        channel="email",
        recipient=person.email,
        dedupe_key=dedupe_key,
        subject=subject,
        body_text=text,
        body_html=email_html(subject, subject, text, organization_name, link),
        member_id=person.id,
    )


def ics_attachment(ics: bytes, cancelled: bool) -> dict[str, Any]:
    return {
        "filename": "cancel.ics" if cancelled else "invite.ics",
        "content_type": f"text/calendar; method={'CANCEL' if cancelled else 'REQUEST'}",
        "content": ics.decode(),
    }


def candidate_email(
    organization_id: uuid.UUID,
    *,
    kind: str,
    candidate_id: uuid.UUID,
    email: str,
    dedupe_key: str,
    subject: str,
    text: str,
    html: str,
    attachments: list[dict[str, Any]] | None = None,
    outcome_message_id: uuid.UUID | None = None,
) -> Draft:
    """Candidates have no account and no preferences: they always get email."""
    return Draft(
        organization_id=organization_id,
        kind=kind,
        channel="email",
        recipient=email,
        dedupe_key=dedupe_key,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=attachments,
        candidate_id=candidate_id,
        outcome_message_id=outcome_message_id,
    )
