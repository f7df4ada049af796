"""Seeded generators: action requests, policy bundles, dry-run fixtures, a recorded stream.

Everything the reference workload feeds the runtime comes from here and from a
``random.Random`` the caller owns, so a run is reproducible from its seed while each worker
still sees varied input.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from cavra_prom.runtime.model import ActionRequest

PRINCIPALS: Final = tuple(f"agent-{i:02d}" for i in range(16)) + tuple(
    f"user-{i:02d}" for i in range(8)
)
ROLES: Final = ("viewer", "analyst", "operator", "admin", "agent")
TENANTS: Final = tuple(f"t{i}" for i in range(1, 7))
ACTIONS: Final = ("read", "list", "write", "export", "delete", "execute", "approve")
RESOURCE_PREFIXES: Final = ("docs/", "pii/", "secrets/", "audit/", "models/", "tickets/")


def random_request(rng: random.Random, request_id: str) -> ActionRequest:
    prefix = rng.choice(RESOURCE_PREFIXES)
    return ActionRequest(
        request_id=request_id,
        principal=rng.choice(PRINCIPALS),
        role=rng.choice(ROLES),
        tenant=rng.choice(TENANTS),
        action=rng.choice(ACTIONS),
        resource=f"{prefix}{rng.randrange(500)}",
        risk=rng.randrange(100),
    )


def generate_fixtures(rng: random.Random, count: int) -> tuple[ActionRequest, ...]:
    """Dry-run fixtures: random requests plus a steady share aimed at the safety invariants."""
    fixtures = []
    for i in range(count):
        request = random_request(rng, f"fx-{i}")
        if i % 10 == 0:
            request = _with(request, risk=90 + rng.randrange(10))
        elif i % 10 == 5:
            request = _with(request, action="delete", resource=f"audit/{rng.randrange(50)}")
        fixtures.append(request)
    return tuple(fixtures)


def _with(request: ActionRequest, **changes: object) -> ActionRequest:
    fields = {
        "request_id": request.request_id,
        "principal": request.principal,
        "role": request.role,
        "tenant": request.tenant,
        "action": request.action,
        "resource": request.resource,
        "risk": request.risk,
    }
    fields.update(changes)
    return ActionRequest(**fields)  # type: ignore[arg-type]


def generate_bundle_text(rng: random.Random, name: str, version: int, filler_rules: int) -> str:
    """A valid bundle: fixed safety rules first, then seeded tenant rules and broad rules."""
    lines = [
        f"# generated bundle {name} v{version}",
        f"bundle {name} version {version}",
        "default deny",
        "rule deny-critical deny when risk >= 90",
        'rule deny-audit-delete deny when action == delete and resource ~ "^audit/"',
        'rule secrets-review review when resource ~ "^secrets/" and role != admin',
    ]
    for i in range(filler_rules):
        tenant = rng.choice(TENANTS)
        actions = ", ".join(sorted(rng.sample(ACTIONS, 2)))
        effect = rng.choice(("allow", "allow", "review"))
        lines.append(
            f"rule {tenant}-r{i} {effect} when tenant == {tenant} and action in [{actions}] "
            f"and risk < {rng.randrange(20, 80)}"
        )
    lines += [
        f"rule admin-ops allow when role == admin and risk < {rng.randrange(40, 80)}",
        f"rule low-risk-reads allow when action in [read, list] and risk < {rng.randrange(30, 60)}",
        'rule pii-export review when action == export and resource ~ "^pii/"',
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One recorded decision event as the monitoring pipeline sees it."""

    ts: float
    principal: str
    action: str
    resource: str
    effect: str


def generate_stream(rng: random.Random, count: int) -> tuple[StreamEvent, ...]:
    """~80 events/s with injected rate spikes, deny bursts, scraping and exfiltration."""
    events: list[StreamEvent] = []
    ts = 0.0
    while len(events) < count:
        roll = rng.random()
        if roll < 0.002:
            events.extend(_deny_burst(rng, ts))
        elif roll < 0.0035:
            events.extend(_rate_spike(rng, ts))
        elif roll < 0.0055:
            events.extend(_exfiltration(rng, ts))
        elif roll < 0.007:
            events.extend(_scrape(rng, ts))
        ts += rng.expovariate(80.0)
        action = rng.choice(ACTIONS)
        prefix = rng.choice(RESOURCE_PREFIXES)
        sensitive = prefix in ("audit/", "secrets/") and action in ("write", "delete", "export")
        effect = "deny" if rng.random() < (0.98 if sensitive else 0.12) else "allow"
        resource = f"{prefix}{rng.randrange(500)}"
        events.append(StreamEvent(ts, rng.choice(PRINCIPALS), action, resource, effect))
    events.sort(key=lambda e: e.ts)
    return tuple(events[:count])


def _deny_burst(rng: random.Random, ts: float) -> list[StreamEvent]:
    who = rng.choice(PRINCIPALS)
    return [
        StreamEvent(ts + i * 0.05, who, "delete", f"audit/{rng.randrange(50)}", "deny")
        for i in range(8)
    ]


def _rate_spike(rng: random.Random, ts: float) -> list[StreamEvent]:
    return [
        StreamEvent(ts + i * 0.002, rng.choice(PRINCIPALS), "read", f"docs/{i}", "allow")
        for i in range(60)
    ]


def _scrape(rng: random.Random, ts: float) -> list[StreamEvent]:
    who = rng.choice(PRINCIPALS)
    return [
        StreamEvent(ts + i * 0.04, who, "read", f"tickets/{rng.randrange(10_000)}", "allow")
        for i in range(40)
    ]


def _exfiltration(rng: random.Random, ts: float) -> list[StreamEvent]:
    who = rng.choice(PRINCIPALS)
    item = rng.randrange(500)
    return [
        StreamEvent(ts, who, "read", f"pii/{item}", "allow"),
        StreamEvent(ts + 1.5, who, "export", f"pii/{item}", "allow"),
    ]
