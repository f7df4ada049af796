"""Instant queries against the Prometheus HTTP API, every failure turned into a named fault.

Built on prometheus-api-client's ``PrometheusConnect`` (the project's chosen client) over a
``requests`` session we configure: timeouts, retries with exponential backoff on connection
errors and 429/502/503/504, custom headers (``X-Scope-OrgID``), basic auth, bearer tokens and a
TLS CA. Only ``/api/v1/query`` is used, under whatever path prefix the URL carries, so any
Prometheus-API-compatible store works (Thanos Query, Mimir, Cortex, VictoriaMetrics).

``PrometheusConnect.custom_query`` returns only ``data.result``: it drops the ``warnings`` that
Thanos and Mimir send with a partial response, and raises a bare exception for an error status
or a body that is not JSON. So a response hook on the session looks at every response first:
an error status becomes a :class:`SourceFault` naming the reason, and a body that mentions
``warnings`` is read for them (the rare case; every other body is parsed once, by the client).
The hook runs in the thread that sent the request, so per-query state lives in a thread-local,
and one client can serve several threads.

No message built here contains a credential: text that came from outside (an error body, an
exception) is passed through :func:`~cavra_prom.promql.source.redact` and cut short.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import requests
from prometheus_api_client import PrometheusConnect
from urllib3.util.retry import Retry

from cavra_prom import conventions as names
from cavra_prom.promql.faults import SourceFault, fault_from_exception
from cavra_prom.promql.source import (
    CredentialsError,
    PrometheusSource,
    base_url,
    load_credentials,
    redact,
    source_problems,
)

RETRY_STATUSES: Final = (429, 502, 503, 504)
BACKOFF_FACTOR_SECONDS: Final = 0.25
MAX_DETAIL_CHARS: Final = 200
_QUERY_PATH: Final = "/api/v1/query"
_OTHER_KINDS: Final = (b'"resultType":"matrix"', b'"resultType":"string"')


class Sample(NamedTuple):
    """One series of an instant vector (or a scalar, with no labels) and its value.

    A named tuple, not a dataclass: a 1,000-suite histogram is 90,000 of them per evaluation.
    """

    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class QueryResult:
    samples: tuple[Sample, ...]
    warnings: tuple[str, ...] = ()


class PromQLClient:
    """Sends instant queries for one evaluation; close it (or use ``with``) when done.

    Raises :class:`SourceFault` from the constructor for a bad source or unreadable secret,
    and from :meth:`query` for anything that keeps a query from giving a trusted vector.
    """

    def __init__(self, source: PrometheusSource) -> None:
        problems = source_problems(source)
        if problems:
            message = "; ".join(f"{field}: {text}" for field, text in problems)
            raise SourceFault(names.REASON_CONFIGURATION, message, fatal=True)
        try:
            credentials = load_credentials(source)
        except CredentialsError as exc:
            raise SourceFault(names.REASON_CREDENTIALS, str(exc), fatal=True) from None
        self._source = source
        self._secrets = credentials.secrets
        self._state = threading.local()
        session = requests.Session()
        session.verify = source.ca_file or True
        session.trust_env = False  # no proxy or netrc credentials picked up behind our back
        session.hooks["response"].append(self._check_response)
        self._api = PrometheusConnect(
            url=base_url(source.url),
            headers=credentials.headers,
            retry=_retry(source.retries),
            auth=credentials.auth,
            session=session,
            timeout=source.timeout_seconds,
        )

    def __enter__(self) -> PromQLClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._api.close()

    def query(self, expression: str, at: float) -> QueryResult:
        """Evaluate ``expression`` at unix time ``at`` (an instant vector or a scalar).

        NaN values are returned as they came: the caller knows which number each one is.
        Passing ``time`` pins every query of an evaluation to one instant.
        """
        self._state.response = None
        self._state.warnings = ()
        self._state.kind = None
        params = {"time": f"{at:.3f}", "timeout": f"{self._source.timeout_seconds:g}"}
        context = self._context()
        try:
            result = self._api.custom_query(expression, params=params)
        except SourceFault:
            raise
        except requests.exceptions.InvalidJSONError:  # a RequestException and a ValueError
            raise _bad_body(self._state.response, context) from None
        except requests.RequestException as exc:
            raise fault_from_exception(exc, context) from None
        except (ValueError, KeyError, TypeError):  # not JSON, or not a query result
            raise _bad_body(self._state.response, context) from None
        except Exception as exc:  # anything else urllib3 or the client may raise
            raise fault_from_exception(exc, context) from None
        if self._state.kind is not None:
            kind = self._state.kind.split(b":")[1].strip(b'"').decode()
            raise SourceFault(
                names.REASON_BAD_QUERY,
                f"{expression} returns a {kind}, not an instant vector or scalar",
                fatal=False,
            )
        return QueryResult(_samples(result, expression, context), self._state.warnings)

    def _context(self) -> _Context:
        return _Context(
            self._source.display_url,
            self._source.timeout_seconds,
            self._source.retries,
            self._secrets,
        )

    def _check_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Name an error status; collect partial-response warnings (module docstring)."""
        self._state.response = response
        if response.status_code != 200:
            raise _status_fault(response, self._context())
        if b'"warnings"' in response.content:
            self._state.warnings = _warnings(response.content, self._context())
        # custom_query drops resultType; an empty matrix would pass for an empty vector.
        head = response.content[:256].replace(b" ", b"")
        self._state.kind = next((k for k in _OTHER_KINDS if k in head), None)


@dataclass(frozen=True)
class _Context:
    url: str
    timeout_seconds: float
    retries: int
    secrets: tuple[str, ...]

    def detail(self, text: str) -> str:
        """Outside text for a message: secrets removed, whitespace folded, cut short."""
        folded = " ".join(redact(text, self.secrets).split())
        if len(folded) > MAX_DETAIL_CHARS:
            folded = folded[:MAX_DETAIL_CHARS] + "..."
        return folded or "empty body"


def _warnings(content: bytes, context: _Context) -> tuple[str, ...]:
    try:
        payload = json.loads(content)
    except ValueError:
        return ()  # not JSON at all: the client's own parse names it
    raw = payload.get("warnings") if isinstance(payload, dict) else None
    if not isinstance(raw, list):
        return ()
    return tuple(context.detail(str(w)) for w in raw if str(w).strip())


def _bad_body(response: requests.Response | None, context: _Context) -> SourceFault:
    """A 200 the client could not read as a query result: garbage, or JSON of another shape."""
    where = f"{context.url}{_QUERY_PATH} answered 200"
    if response is None:
        return SourceFault(names.REASON_BAD_RESPONSE, f"{where} but no body", fatal=True)
    try:
        json.loads(response.content)
    except ValueError:
        what = f"with a body that is not JSON ({_content_type(response)}"
    else:
        what = "without a successful query result ("
    detail = context.detail(response.text)
    return SourceFault(names.REASON_BAD_RESPONSE, f"{where} {what}: {detail})", fatal=True)


def _retry(retries: int) -> Retry:
    """Backoff 0.25 s, 0.5 s, 1 s ...; Retry-After ignored so an evaluation stays bounded."""
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=BACKOFF_FACTOR_SECONDS,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=False,
    )


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "no content type").split(";")[0]


def _status_fault(response: requests.Response, context: _Context) -> SourceFault:
    status = response.status_code
    error = _api_error(response.text)
    where = f"{context.url}{_QUERY_PATH} answered HTTP {status}"
    detail = context.detail(error if error is not None else response.text)
    if status in (400, 422) and error is not None:
        # Only an API error body means "this expression was rejected"; a bare 400 (plain HTTP
        # to a TLS port, a proxy refusing the request) means nothing can be asked here.
        return SourceFault(names.REASON_BAD_QUERY, f"{where}: {detail}", fatal=False)
    if status in (401, 403):
        return SourceFault(
            names.REASON_UNAUTHORIZED,
            f"{where}: check the credentials and tenant header ({detail})",
            fatal=True,
        )
    hint = " (is the URL's path prefix right?)" if status == 404 else ""
    return SourceFault(names.REASON_HTTP_ERROR, f"{where}{hint}: {detail}", fatal=True)


def _api_error(text: str) -> str | None:
    """The ``error`` field of a Prometheus API error body, when the body is one."""
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        kind = payload.get("errorType")
        return f"{kind}: {payload['error']}" if isinstance(kind, str) else payload["error"]
    return None


def _value(raw: Any, context: _Context, expression: str) -> float:
    """A sample value (``[ts, "1.5"]``) as a float; NaN and +/-Inf kept as floats."""
    if isinstance(raw, list) and len(raw) == 2 and isinstance(raw[1], str):
        try:
            return float(raw[1])
        except ValueError:
            pass
    raise SourceFault(
        names.REASON_BAD_RESPONSE,
        f"{context.url} returned a sample value that is not a number for {expression}: "
        f"{context.detail(json.dumps(raw)[:80])}",
        fatal=True,
    )


def _samples(result: Any, expression: str, context: _Context) -> tuple[Sample, ...]:
    """``data.result`` as samples: a vector (list of ``metric``/``value``) or a scalar."""
    if (
        isinstance(result, list)
        and len(result) == 2
        and isinstance(result[0], int | float)
        and isinstance(result[1], str)
    ):
        return (Sample({}, _value(result, context, expression)),)
    if not isinstance(result, list):
        raise SourceFault(
            names.REASON_BAD_QUERY,
            f"{expression} returns a {type(result).__name__}, not an instant vector or scalar",
            fatal=False,
        )
    samples = []
    for item in result:
        if isinstance(item, dict) and "values" in item and "value" not in item:
            raise SourceFault(
                names.REASON_BAD_QUERY,
                f"{expression} returns a matrix (a range vector), not an instant vector",
                fatal=False,
            )
        labels = item.get("metric") if isinstance(item, dict) else None
        if not isinstance(labels, dict):
            raise SourceFault(
                names.REASON_BAD_RESPONSE,
                f"{context.url} returned a vector element without labels for {expression}",
                fatal=True,
            )
        samples.append(Sample(labels, _value(item.get("value"), context, expression)))
    return tuple(samples)
