"""CalDAV calendars (RFC 4791, RFC 6578): the adapter is `adapter.adapter`; see adapter.py."""
