"""What a real Prometheus can show the evaluator: a path prefix, rejected PromQL, TLS with basic
auth, and a restart.

The restart test stops Prometheus while the runner keeps producing: the next evaluation is
blocked naming the reason (and counted), and once Prometheus is back, the *same* source object
evaluates ready again, with the samples taken while it was down included (the counters carry
them across the gap). The Prometheus here serves under ``/prometheus``, as behind a proxy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import ipaddress
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bcrypt
import requests
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prometheus_client import CollectorRegistry

from cavra_prom import conventions as names
from cavra_prom.evaluation.metrics import EvaluationMetrics
from cavra_prom.evaluation.promql import PrometheusSource, evaluate_prometheus
from cavra_prom.gate import evaluate_gate
from cavra_prom.spec.model import HaQueries
from tests.servers import (
    LOOPBACK,
    Server,
    binary,
    free_port,
    http_get,
    prometheus,
    prometheus_config,
    wait_until,
)
from tests.test_promql_evaluator_support import LiveRunner, evaluator_spec, wait_for_scrape_after

WINDOW = 60.0


def restart(server: Server) -> None:
    """Start the stopped Prometheus again: same argv, port and TSDB directory."""
    log = server.log_path.open("ab")
    server.process = subprocess.Popen(
        server.process.args, stdout=log, stderr=subprocess.STDOUT, cwd=server.directory
    )
    wait_until(lambda: http_get(server.url + "/-/ready")[0] == 200, 30.0, "Prometheus restarted")


def test_prometheus_stopped_mid_run_blocks_then_the_same_source_is_ready_again() -> None:
    spec = evaluator_spec()
    runner = LiveRunner(spec)
    registry = CollectorRegistry()
    metrics = EvaluationMetrics(registry)
    first = spec.suites[0].id
    try:
        with prometheus(prometheus_config([runner.target]), route_prefix="/prometheus") as prom:
            assert prom.url.endswith("/prometheus")
            source = PrometheusSource(prom.url, timeout_seconds=2.0, retries=1)
            wait_for_scrape_after(prom.url, first, after=0.0)
            before = runner.run()
            wait_for_scrape_after(prom.url, first, after=time.time())
            ready = evaluate_prometheus(spec, source, WINDOW, metrics=metrics)
            assert ready.problems == ()
            assert evaluate_gate(ready, spec).passed, evaluate_gate(ready, spec).blockers()

            prom.stop()
            down = evaluate_prometheus(spec, source, WINDOW, metrics=metrics)
            assert down.could_not_evaluate
            assert [p.reason for p in down.problems] == [names.REASON_UNREACHABLE]
            gate = evaluate_gate(down, spec)
            assert not gate.passed
            source_check = next(c for c in gate.checks if c.name == "evaluation_source")
            assert "unreachable" in source_check.message and prom.url in source_check.message
            assert (
                registry.get_sample_value(names.EVALUATION_ERRORS_TOTAL, {"reason": "unreachable"})
                == 1
            )

            during = runner.run()  # the runner goes on while Prometheus is down
            restart(prom)
            wait_for_scrape_after(prom.url, first, after=time.time())
            again = evaluate_prometheus(spec, source, WINDOW, metrics=metrics)
            assert again.problems == (), again.problems
            gate = evaluate_gate(again, spec)
            assert gate.passed, gate.blockers()
            for suite in spec.suites:
                measured = again.suite(suite.id)
                runs = [o.evaluation.suite(suite.id) for o in (before, during)]
                assert measured is not None and all(r is not None for r in runs)
                assert measured.sample_count >= sum(r.sample_count for r in runs if r)
    finally:
        runner.close()


def test_a_wrong_prefix_and_rejected_promql_are_named_by_a_real_prometheus() -> None:
    with prometheus(prometheus_config(), route_prefix="/prometheus") as prom:
        spec = evaluator_spec()
        root = prom.url.removesuffix("/prometheus")
        wrong = evaluate_prometheus(spec, PrometheusSource(root, retries=0), WINDOW)
        assert [p.reason for p in wrong.problems] == [names.REASON_HTTP_ERROR]
        assert (
            "HTTP 404" in wrong.problems[0].message and "path prefix" in wrong.problems[0].message
        )

        queries = HaQueries(
            rpo_minutes="max(cavra_ha_rpo_seconds / 60",  # unbalanced parenthesis
            rto_minutes="cavra_drill_recovery_seconds[$window]",  # a range vector
        )
        broken = dataclasses.replace(spec, ha_dr=dataclasses.replace(spec.ha_dr, queries=queries))
        evaluation = evaluate_prometheus(broken, PrometheusSource(prom.url), WINDOW)
        by_reason = [(p.reason, p.fatal) for p in evaluation.problems]
        assert by_reason.count((names.REASON_BAD_QUERY, False)) == 2
        messages = " ".join(p.message for p in evaluation.problems)
        assert "rpo_minutes: " in messages and "HTTP 400" in messages
        assert "rto_minutes: " in messages and "matrix" in messages
        assert (names.REASON_NO_DATA, True) in by_reason  # and nothing is scraped here


# --- TLS and basic auth on a real Prometheus (--web.config.file) ---------------------------


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[x509.Name, Any], ca: bool
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer[0])
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(issuer[1], hashes.SHA256())


def _tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1: (ca, cert, key) PEM files."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cavra test CA")])
    ca = _certificate("cavra test CA", ca_key, (ca_name, ca_key), ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(LOOPBACK, key, (ca_name, ca_key), ca=False)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@contextlib.contextmanager
def secured_prometheus(password: str) -> Iterator[tuple[Server, Path]]:
    """A real Prometheus serving HTTPS with basic auth (user ``cavra``); yields it and its CA."""
    with tempfile.TemporaryDirectory(prefix="cavra-prom-tls-") as tmp:
        directory = Path(tmp)
        ca, cert, key = _tls_files(directory)
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
        web = {
            "tls_server_config": {"cert_file": str(cert), "key_file": str(key)},
            "basic_auth_users": {"cavra": hashed},
        }
        (directory / "web.yml").write_text(yaml.safe_dump(web))
        (directory / "prometheus.yml").write_text(yaml.safe_dump(prometheus_config()))
        port = free_port()
        argv = [
            binary("prometheus"),
            f"--config.file={directory / 'prometheus.yml'}",
            f"--storage.tsdb.path={directory / 'data'}",
            f"--web.listen-address={LOOPBACK}:{port}",
            f"--web.config.file={directory / 'web.yml'}",
        ]
        log_path = directory / "prometheus.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=directory)
        server = Server(
            "prometheus-tls", f"https://{LOOPBACK}:{port}", directory, process, log_path
        )
        try:
            wait_until(
                lambda: (
                    requests.get(
                        server.url + "/-/ready", verify=str(ca), auth=("cavra", password), timeout=2
                    ).status_code
                    == 200
                ),
                30.0,
                "Prometheus with TLS and basic auth",
            )
            yield server, ca
        finally:
            server.stop()


def test_tls_and_basic_auth_against_a_real_prometheus(tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("tls-SECRET-pw\n")
    spec = evaluator_spec()
    with secured_prometheus("tls-SECRET-pw") as (server, ca):

        def problems(url: str = server.url, **kwargs: Any) -> list[tuple[str, bool, str]]:
            source = PrometheusSource(url, retries=0, timeout_seconds=5.0, **kwargs)
            evaluation = evaluate_prometheus(spec, source, WINDOW)
            return [(p.reason, p.fatal, p.message) for p in evaluation.problems]

        auth = {"basic_auth_user": "cavra", "basic_auth_password_file": str(password_file)}
        # In: verified and authenticated, and this Prometheus simply has no cavra series.
        ok = problems(ca_file=str(ca), **auth)
        assert [(r, f) for r, f, _ in ok] == [(names.REASON_NO_DATA, True)]
        wrong = tmp_path / "wrong"
        wrong.write_text("not-the-password")
        denied = problems(
            ca_file=str(ca), basic_auth_user="cavra", basic_auth_password_file=str(wrong)
        )
        assert [(r, f) for r, f, _ in denied] == [(names.REASON_UNAUTHORIZED, True)]
        assert [(r, f) for r, f, _ in problems(**auth)] == [(names.REASON_TLS, True)]
        plain = problems(url=server.url.replace("https://", "http://"), **auth)
        assert plain and all(fatal for _, fatal, _ in plain)  # plain HTTP to TLS: fails closed
        everything = repr([ok, denied, plain])
        assert "SECRET" not in everything and "not-the-password" not in everything
