"""Evaluation: from measured data (a run, or Prometheus) to the values the gate judges."""
