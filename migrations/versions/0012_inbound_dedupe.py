"""ats_inbound_events: an Ashby delivery is identified by its webhookActionId *and* its action

Ashby sends related webhooks of one action (a hire: applicationUpdate, candidateStageChange,
candidateHire) with one webhookActionId, so the adapter now stores Ashby deliveries under
`<webhookActionId>:<action>` (app/integrations/ats/ashby/, `delivery_id`). The deliveries
stored before take the same form, so an Ashby retry of one of them that arrives after the
upgrade is still recognised as a duplicate. No column changes: the unique key stays
(connection_id, vendor_event_id). Ids made from the body's digest (`sha256:...`, a body
without a webhookActionId) already cover the action and are left alone.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE ats_inbound_events e
        SET vendor_event_id = left(e.vendor_event_id || ':' || e.event_type, 200)
        FROM integration_connections c
        WHERE c.id = e.connection_id AND c.provider = 'ashby'
          AND e.vendor_event_id NOT LIKE 'sha256:%'
          AND right(e.vendor_event_id, length(e.event_type) + 1) <> ':' || e.event_type
        """
    )


def downgrade() -> None:
    # Back to the webhookActionId alone. Where several deliveries of one action were stored,
    # only the first keeps the bare id (the old key cannot hold the others); the rest keep
    # theirs, which the old code never produces, so nothing else changes for them.
    op.execute(
        """
        WITH ashby AS (
            SELECT e.id, e.connection_id,
                   left(e.vendor_event_id,
                        length(e.vendor_event_id) - length(e.event_type) - 1) AS bare,
                   row_number() OVER (
                       PARTITION BY e.connection_id,
                           left(e.vendor_event_id,
                                length(e.vendor_event_id) - length(e.event_type) - 1)
                       ORDER BY e.received_at, e.id) AS n
            FROM ats_inbound_events e
            JOIN integration_connections c ON c.id = e.connection_id AND c.provider = 'ashby'
            WHERE e.vendor_event_id NOT LIKE 'sha256:%'
              AND right(e.vendor_event_id, length(e.event_type) + 1) = ':' || e.event_type
        )
        UPDATE ats_inbound_events e SET vendor_event_id = ashby.bare
        FROM ashby
        WHERE e.id = ashby.id AND ashby.n = 1
          AND NOT EXISTS (
              SELECT 1 FROM ats_inbound_events o
              WHERE o.connection_id = ashby.connection_id AND o.vendor_event_id = ashby.bare
          )
        """
    )
