"""Every PromQL query a generated board runs, and Grafana's variable substitution for tests.

Shared by the unit tests (every query parses) and the live test (every query returns data
from a real Prometheus fed by a real ``cavra serve``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")
GRAFANA_BUILT_INS = frozenset({"__rate_interval", "__interval", "__range"})


@dataclass(frozen=True)
class BoardQuery:
    """One query: where it is (board, panel, ref id), its PromQL, and how Grafana runs it."""

    board: str
    panel: str
    ref_id: str
    expr: str
    instant: bool

    @property
    def where(self) -> str:
        return f"{self.board}: {self.panel} [{self.ref_id}]"


def board_queries(name: str, data: bytes) -> Iterator[BoardQuery]:
    """Panel targets (rows included) and annotation queries of one board JSON."""
    board = json.loads(data)
    for panel in _panels(board.get("panels", [])):
        for target in panel.get("targets", []):
            instant = bool(target.get("instant")) and not target.get("range")
            yield BoardQuery(name, panel["title"], target["refId"], target["expr"], instant)
    for annotation in board.get("annotations", {}).get("list", []):
        if "expr" in annotation:
            yield BoardQuery(
                name, f"annotation {annotation['name']}", "-", annotation["expr"], False
            )


def _panels(panels: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def variable_names(expr: str) -> set[str]:
    return {m.group(1) or m.group(2) for m in VARIABLE.finditer(expr)}


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """Replace ``$name`` and ``${name}`` as Grafana does; an unknown name is an error."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in values:
            raise KeyError(f"no value for ${name} in {expr}")
        return values[name]

    return VARIABLE.sub(one, expr)


def grafana_values(suites: Sequence[str] | None, window: str, rate_interval: str) -> dict[str, str]:
    """Variable values as Grafana would send them.

    ``suites=None`` is the "All" choice (the variable's allValue ``.*``); a list is a
    multi-value selection, which Grafana formats for a regex matcher as ``(a|b)``.
    """
    suite = ".*" if suites is None else "(" + "|".join(re.escape(s) for s in suites) + ")"
    return {
        "suite": suite,
        "window": window,
        "__rate_interval": rate_interval,
        "__interval": rate_interval,
        "__range": window,
    }
