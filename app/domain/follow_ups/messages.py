"""The candidate's emails about a follow-up: the question when it is sent, and one reminder.

Rendered into notifications like every message (stored as sent, delivered by the worker after
the commit). The text part is plain text; the HTML part goes through the autoescaped layout, so
the question (the recruiter's words) is shown as text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.follow_ups.repository import EmailFacts
from app.domain.follow_ups.service import link_for
from app.domain.notifications import messages
from app.domain.notifications.repository import Draft
from app.templates import render


def candidate_email(facts: EmailFacts, public_url: str, secret: str, *, reminder: bool) -> Draft:
    follow_up = facts.follow_up
    link = link_for(public_url, secret, follow_up)
    subject = (
        f"Reminder: a question about your application for {facts.role_title}"
        if reminder
        else f"A question about your application for {facts.role_title}"
    )
    text = render(
        f"{messages.TEMPLATES}follow_up_candidate.txt.j2",
        candidate_first_name=(facts.candidate_name.split() or [facts.candidate_name])[0],
        sender_name=facts.sender_name,
        sender_email=facts.sender_email,
        organization_name=facts.organization_name,
        role_title=facts.role_title,
        question=follow_up.question,
        link=link,
        expires=follow_up.expires_at.strftime("%d %B %Y, %H:%M UTC"),
        reminder=reminder,
    )
    return messages.candidate_email(
        follow_up.organization_id,
        kind="follow_up_reminder" if reminder else "follow_up_sent",
        candidate_id=follow_up.candidate_id,
        email=facts.candidate_email,
        dedupe_key=f"follow_up.{'reminder' if reminder else 'sent'}:{follow_up.id}",
        subject=subject,
        text=text,
        html=messages.email_html(subject, subject, text, facts.organization_name, link),
    )


def candidate_emails(
    found: Sequence[EmailFacts], public_url: str, secret: str, *, reminder: bool
) -> list[Draft]:
    return [candidate_email(f, public_url, secret, reminder=reminder) for f in found]
