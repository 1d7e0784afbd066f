"""Loader.fill_together: what side-by-side resolvers ask for in one turn of the event loop is
loaded in one call, and each caller finds its values; a failure reaches every caller."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest

from app.graphql.loaders import Loader


def _loader(calls: list[list[uuid.UUID]], fail: bool = False) -> Loader[str]:
    async def load(keys: Sequence[uuid.UUID]) -> list[str]:
        calls.append(list(keys))
        await asyncio.sleep(0)  # as a statement would
        if fail:
            raise RuntimeError("the database went away")
        return [f"value of {k}" for k in keys]

    return Loader(load)


async def test_siblings_in_one_turn_share_one_load() -> None:
    calls: list[list[uuid.UUID]] = []
    loader = _loader(calls)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await asyncio.gather(loader.fill_together([a, b]), loader.fill_together([b, c]))
    assert len(calls) == 1
    assert sorted(calls[0]) == sorted([a, b, c])
    assert [loader.value(k) for k in (a, b, c)] == [f"value of {k}" for k in (a, b, c)]
    # Loaded once per request: asked again, nothing more is read, and load() answers from it.
    await loader.fill_together([a, c])
    assert len(calls) == 1
    assert await loader.load(b) == f"value of {b}"
    assert loader.value(uuid.uuid4()) is None


async def test_a_later_turn_makes_a_new_batch() -> None:
    calls: list[list[uuid.UUID]] = []
    loader = _loader(calls)
    first, second = uuid.uuid4(), uuid.uuid4()
    await loader.fill_together([first])
    await loader.fill_together([second])
    assert calls == [[first], [second]]


async def test_a_failed_load_reaches_every_caller_of_the_batch() -> None:
    loader = _loader([], fail=True)
    results = await asyncio.gather(
        loader.fill_together([uuid.uuid4()]),
        loader.fill_together([uuid.uuid4()]),
        return_exceptions=True,
    )
    assert all(isinstance(r, RuntimeError) for r in results), results
    with pytest.raises(RuntimeError):  # and the next batch tries again
        await loader.fill_together([uuid.uuid4()])
