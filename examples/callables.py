"""Python callables for examples/python.yaml: the kind of function a service owner benchmarks.

``score`` is synchronous (run on cavra-prom's worker threads); ``score_async`` is an
``async def`` (run on cavra-prom's event loop). Both take one payload, a case from
``cases/decisions.jsonl`` or one built by ``make_request`` from a seeded RNG, and fail an
operation by raising or returning False.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from typing import Any

ACTIONS = ("read", "write", "delete", "approve")
_RULES: dict[str, int] = {}


def setup() -> None:
    """Runs once before the suite: build what every call shares (here, a rule table)."""
    for index, action in enumerate(ACTIONS):
        _RULES[action] = index


def teardown() -> None:
    """Runs once after the suite."""
    _RULES.clear()


def make_request(rng: random.Random) -> dict[str, Any]:
    """A seeded payload generator: same seed, same sequence of requests."""
    return {
        "user": f"user-{rng.randrange(1000)}",
        "action": rng.choice(ACTIONS),
        "resource": f"bucket/{rng.randrange(50)}",
    }


def score(request: dict[str, Any]) -> bool:
    """Decide one request: canonical JSON, a digest (the audit key), a rule lookup."""
    canonical = json.dumps(request, sort_keys=True).encode()
    digest = hashlib.sha256(canonical).hexdigest()
    return bool(digest) and request["action"] in _RULES


async def score_async(request: dict[str, Any]) -> bool:
    """The same decision behind an await, as an async service handler would make it."""
    await asyncio.sleep(0.001)  # a downstream call
    return score(request)
