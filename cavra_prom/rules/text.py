"""Go-template fragments for alert annotations, so every description shows its numbers.

Prometheus expands annotations with Go's text/template: ``$value`` is the alert's value and
``query`` runs PromQL at evaluation time. A rule that serves every suite reads the suite's
threshold from its threshold gauge with ``query``, so the description always shows the
objective the alert compared against, not one copied into the rule.
"""

from __future__ import annotations

from typing import Final

from cavra_prom import conventions as names

VALUE_DURATION: Final = "{{ $value | humanizeDuration }}"
VALUE_PERCENT: Final = "{{ $value | humanizePercentage }}"
VALUE_NUMBER: Final = '{{ $value | printf "%.4g" }}'
SUITE: Final = "{{ $labels." + names.LABEL_SUITE + " }}"
DRILL: Final = "{{ $labels." + names.LABEL_DRILL + " }}"
INSTANCE: Final = "{{ $labels." + names.LABEL_INSTANCE + " }}"

FILTER_DURATION: Final = "humanizeDuration"
FILTER_PERCENT: Final = "humanizePercentage"
FILTER_NUMBER: Final = 'printf "%.4g"'
_MISSING: Final = "unknown"


def suite_query(expression_with_suite: str, value_filter: str) -> str:
    """The value of a per-suite expression for this alert's suite.

    ``expression_with_suite`` holds ``%s`` where the suite id goes (inside single quotes: the
    template's own strings use double quotes). Shows "unknown" when the query returns nothing.
    """
    return (
        f'{{{{ with printf "{expression_with_suite}" $labels.{names.LABEL_SUITE} | query }}}}'
        f"{{{{ . | first | value | {value_filter} }}}}{{{{ else }}}}{_MISSING}{{{{ end }}}}"
    )


def plain_query(
    expression: str, value_filter: str, *, found: str = "{}", missing: str = _MISSING
) -> str:
    """The value of an expression with no per-alert part (single quotes inside only).

    ``found`` is the text around the value (``{}`` marks it); ``missing`` replaces all of it
    when the query returns nothing.
    """
    value = f"{{{{ . | first | value | {value_filter} }}}}"
    return (
        f'{{{{ with query "{expression}" }}}}{found.format(value)}'
        f"{{{{ else }}}}{missing}{{{{ end }}}}"
    )


def quoted(label: str, value: str) -> str:
    """``label='value'``: a matcher for PromQL inside a template string (ids are plain)."""
    return f"{label}='{value}'"


SUITE_PLACEHOLDER: Final = f"{names.LABEL_SUITE}='%s'"
"""A matcher for :func:`suite_query`: the suite label equal to this alert's suite."""


def number(value: float) -> str:
    """A threshold as PromQL and people write it: 14.4, 6, 0.95, 1.1."""
    return f"{round(value, 12):.12g}"


def percent(ratio: float) -> str:
    """0.999 -> ``99.9%``."""
    return f"{round(ratio * 100, 10):.10g}%"
