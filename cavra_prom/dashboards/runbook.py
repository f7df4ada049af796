"""Which alerts each part of the board is about, and where their runbook sections are.

Every cavra alert carries a ``runbook_url`` (docs/runbook.md, one section per alert); the
board links each panel to the runbook sections of the alerts that panel explains, so the
person looking at a red tile is one click from what to do about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from cavra_prom import conventions as names
from cavra_prom.rules.options import DEFAULT_RUNBOOK_URL

ALERTNAME_REGEX: Final = "Cavra.*"
"""Every cavra alert's name starts with ``Cavra`` (conventions.ALERT_*)."""

RUNBOOK_URL: Final = DEFAULT_RUNBOOK_URL
"""The rules' default, so an alert's ``runbook_url`` and the board's link are one URL. It is
relative (docs/runbook.md); pass ``--runbook-url`` where the runbook is served."""

TOPIC_ALERTS: Final[Mapping[str, tuple[str, ...]]] = {
    "gate": (names.ALERT_GATE_BLOCKED,),
    "packet": (names.ALERT_PACKET_STALE, names.ALERT_EVALUATOR_DOWN),
    "suite_latency": (names.ALERT_SUITE_LATENCY_ABOVE_SLO, names.ALERT_SUITE_WITHIN_SLO_LOW),
    "suite_throughput": (names.ALERT_SUITE_THROUGHPUT_BELOW_FLOOR,),
    "suite_errors": (names.ALERT_SUITE_ERROR_RATIO_HIGH,),
    "suite_stale": (names.ALERT_SUITE_NO_DATA,),
    "regression": (names.ALERT_SUITE_LATENCY_REGRESSION,),
    "drills": (names.ALERT_DRILL_FAILED, names.ALERT_DRILL_STALE),
    "availability": (names.ALERT_HA_AVAILABILITY_BURN,),
    "recovery": (names.ALERT_HA_RPO_ABOVE_TARGET, names.ALERT_HA_RTO_ABOVE_TARGET),
    "replicas": (names.ALERT_HA_REPLICAS_BELOW_FLOOR,),
    "event_bus": (),
}


def anchor(alertname: str) -> str:
    """The section anchor of an alert in docs/runbook.md (its heading is the alert name,
    lower-cased as the rules generator writes it)."""
    return alertname.lower()


def runbook_url(alertname: str, base: str = RUNBOOK_URL) -> str:
    return f"{base}#{anchor(alertname)}"


def all_alerts() -> tuple[str, ...]:
    """Every alert the board links to, in topic order, each once."""
    seen: dict[str, None] = {}
    for alerts in TOPIC_ALERTS.values():
        seen.update(dict.fromkeys(alerts))
    return tuple(seen)


def topic_links(topic: str, base: str = RUNBOOK_URL) -> Sequence[tuple[str, str]]:
    """(title, url) of each runbook section for the alerts about ``topic``."""
    return [(f"Runbook: {alert}", runbook_url(alert, base)) for alert in TOPIC_ALERTS[topic]]
