"""Google Calendar API v3: the adapter (adapter.py) and its parts: tokens (auth.py), REST
calls (client.py), event mapping (mapping.py) and push notifications (push.py)."""
