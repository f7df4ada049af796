"""PromQL: the query builders shared by the evaluator, the rules and the dashboards."""
