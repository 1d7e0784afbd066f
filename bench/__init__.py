"""`make bench`: load Hireloop and a bare FastAPI + asyncpg app on loopback and compare them.

Entry point: `python -m bench.run`. Scenarios live in `bench.scenarios`; results are printed as
a table and written to `bench/results/latest.json` (git-ignored).
"""
