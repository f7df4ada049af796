"""Regression detection against a baseline: statistics that know their uncertainty.

The modules are small and mostly pure: :mod:`.model` (results), :mod:`.data` (one side of a
comparison), :mod:`.distributions` (tail probabilities), :mod:`.ranktests` (Mann-Whitney U),
:mod:`.exceedance` (the tail test on raw or bucketed data and the sample size it needs),
:mod:`.quantiles` (exact bootstrap distributions of a p95, the interval of a ratio),
:mod:`.compare` (p95 and throughput verdicts), :mod:`.baseline` (what a baseline is, rolling
median, drift guard), :mod:`.apply` (every suite of an evaluation against its baseline),
:mod:`.checks` (gate checks), :mod:`.render` (packet entries and back), :mod:`.metrics`
(``cavra_suite_regression_ratio``). I/O at the edges: :mod:`.sources` (a pinned packet file
or URL, the packet store), :mod:`.promql_baseline` (Prometheus, an offset earlier) and
:mod:`.resolve` (which baseline each suite gets; the one call services make).
``docs/regression.md`` explains the choices.

This package's ``__init__`` imports nothing, so :mod:`cavra_prom.evaluation.model` can import
:mod:`.model` without an import cycle.
"""
