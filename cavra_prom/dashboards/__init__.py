"""Grafana boards generated from the spec with grafana-foundation-sdk (issue 6).

``generate_boards(spec)`` returns the SLO board and the per-suite drill-down board as JSON
bytes; ``write_boards`` writes them. Every panel query comes from
:mod:`cavra_prom.promql.queries`, the builders the evaluator and the rules use, so the board
shows the packet's numbers. Importing this package needs the SDK (the ``dashboards`` extra).
"""

from cavra_prom.dashboards.generate import BoardFile, generate_boards, write_boards

__all__ = ["BoardFile", "generate_boards", "write_boards"]
