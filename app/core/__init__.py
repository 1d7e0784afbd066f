"""Below the domain: who acts and what they may do, and how a credential is made and revoked.

Nothing here imports the domain, a transport or the worker (import-linter checks it, `make
lint`), so every layer can depend on it.
"""
