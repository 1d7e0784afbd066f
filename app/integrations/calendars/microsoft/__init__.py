"""Microsoft 365 calendars (Microsoft Graph): see adapter.py for what the adapter does and
auth.py for the grants it accepts."""
