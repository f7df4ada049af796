"""Push a finished run's metrics to a Prometheus Pushgateway, so CI runs reach Prometheus.

A CI job ends before any Prometheus could scrape it; the Pushgateway holds its last push
until the next one replaces it. The grouping key is ``job`` and ``instance`` (one group per
pipeline and runner); suites, drills and outcomes stay ordinary labels on the series, exactly
as ``cavra serve`` exports them, so the same rules and dashboards read both. A push replaces
the whole group (HTTP PUT), so series of a suite removed from the spec do not linger.
"""

from __future__ import annotations

import socket
import urllib.error
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from prometheus_client import push_to_gateway
from prometheus_client.registry import CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.errors import CavraError

PUSH_TIMEOUT_SECONDS: Final = 10.0


class PushError(CavraError):
    """The Pushgateway could not take the push (down, refused, rejected the body)."""


def display_url(url: str) -> str:
    """The URL without user info, for messages (credentials never reach a log)."""
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if parts.port is not None:
            netloc += f":{parts.port}"
    except ValueError:
        return "(an unparsable URL)"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def push_metrics(
    registry: CollectorRegistry,
    gateway: str,
    *,
    job: str = names.PUSHGATEWAY_JOB,
    instance: str | None = None,
    timeout: float = PUSH_TIMEOUT_SECONDS,
) -> dict[str, str]:
    """PUT every metric of ``registry`` under ``{job, instance}``; returns the grouping key.

    ``instance`` defaults to the host name. Raises :class:`PushError` on any failure.
    """
    grouping = {names.LABEL_INSTANCE: instance or socket.gethostname()}
    try:
        push_to_gateway(gateway, job=job, registry=registry, grouping_key=grouping, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise PushError(
            f"Pushgateway {display_url(gateway)} refused the push: HTTP {exc.code} {exc.reason}"
        ) from None
    except (OSError, ValueError) as exc:  # URLError is an OSError; a bad URL a ValueError
        reason = getattr(exc, "reason", None) or exc
        raise PushError(f"cannot push to Pushgateway {display_url(gateway)}: {reason}") from None
    return {names.LABEL_JOB: job, **grouping}
