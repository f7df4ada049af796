"""``cavra serve``: the long-running service (exporter, scheduler, packet store, endpoints).

Modules, one job each: :mod:`.store` (packets on disk, atomic, with a ``latest`` pointer and
retention), :mod:`.metrics` (the service's own metrics), :mod:`.load` (suite bursts and
continuous load against long-lived targets), :mod:`.evaluate` (embedded or PromQL evaluation
and packet rendering), :mod:`.jobs` (APScheduler jobs with failure counting), :mod:`.http`
(the endpoints on a threaded server) and :mod:`.service` (wiring, start and stop).
"""
