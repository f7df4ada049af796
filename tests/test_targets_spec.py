"""Bad target specs fail at load time with one clear line and exit 2, never a traceback."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.servers import LOOPBACK, Server, demo_service, free_port

SLO = "slo: {p95_latency_ms_max: 100, throughput_per_second_min: 1}"


def spec_with_target(target: str) -> str:
    return f"""version: cavra/v1
suites:
  - id: s
    target:
{textwrap.indent(textwrap.dedent(target).strip(), "      ")}
    {SLO}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    (tmp_path / "broken_on_import.py").write_text("raise RuntimeError('half-configured')\n")
    (tmp_path / "not_callable.py").write_text("VALUE = 3\n")
    return path


UNREACHABLE = f"http://{LOOPBACK}:{free_port()}/decide"

BAD_TARGETS = {
    "unknown module": (
        "kind: python\ncall: no_such_module_xyz:run",
        "suites[0].target.call: cannot import module 'no_such_module_xyz': "
        "No module named 'no_such_module_xyz'",
    ),
    "missing function": (
        "kind: python\ncall: json:no_such_function",
        "suites[0].target.call: module 'json' has no attribute 'no_such_function'",
    ),
    "module raising on import": (
        "kind: python\npython_path: ['.']\ncall: broken_on_import:run",
        "suites[0].target.call: importing module 'broken_on_import' raised RuntimeError: "
        "half-configured",
    ),
    "not callable": (
        "kind: python\npython_path: ['.']\ncall: not_callable:VALUE",
        "suites[0].target.call: 'not_callable:VALUE' is not callable",
    ),
    "not a reference": (
        "kind: python\ncall: json.dumps",
        "suites[0].target.call: must look like 'package.module:function', got 'json.dumps'",
    ),
    "missing cases file": (
        "kind: python\ncall: json:dumps\ncases_file: nowhere.jsonl",
        "suites[0].target.cases_file: no such file: {dir}/nowhere.jsonl",
    ),
    "unreachable url": (
        f"kind: http\nurl: {UNREACHABLE}",
        f"suites[0].target.url: '{UNREACHABLE}' is unreachable: cannot connect to "
        f"{UNREACHABLE.split('/')[2]} (Connection refused); start the service, "
        "or set check_reachable: false",
    ),
    "missing env var": (
        "kind: http\nurl: {url}\nauth: {{type: bearer, token_env: CAVRA_NO_SUCH_VARIABLE}}",
        "suites[0].target.auth.token_env: environment variable CAVRA_NO_SUCH_VARIABLE is not set "
        "(or is empty)",
    ),
    "missing token file": (
        "kind: http\nurl: {url}\nauth: {{type: bearer, token_file: secrets/token}}",
        "suites[0].target.auth.token_file: credential file {dir}/secrets/token does not exist",
    ),
    "inline token": (
        "kind: http\nurl: {url}\nauth: {{type: bearer, token: abc123}}",
        "suites[0].target.auth.token: a credential is never written in the spec: name an "
        "environment variable (<name>_env) or a file (<name>_file) instead",
    ),
    "inline authorization header": (
        "kind: http\nurl: {url}\nheaders: {{Authorization: 'Bearer abc123'}}",
        "suites[0].target.headers.Authorization: would put a credential in the spec: use auth "
        "(an env var or a file) instead",
    ),
    "credentials in the url": (
        "kind: http\nurl: 'http://user:pw@127.0.0.1:1/x'",
        "suites[0].target.url: must not carry credentials (user:password@); use auth with an "
        "env var or file",
    ),
    "not http": (
        "kind: http\nurl: ftp://127.0.0.1/x",
        "suites[0].target.url: must be an http:// or https:// URL, got 'ftp://127.0.0.1/x'",
    ),
    "template without a case value": (
        'kind: http\nurl: {url}\nbody: \'{{"u": "${{user}}"}}\'\ncases_file: cases.json',
        "suites[0].target.cases_file: case 1 has no value for ${{user}} used in body",
    ),
    "unknown http key": (
        "kind: http\nurl: {url}\ntimeout: 3",
        "suites[0].target: unknown key 'timeout', did you mean 'timeout_seconds'?",
    ),
    "program not on PATH": (
        "kind: command\nargv: [cavra-no-such-program, --x]",
        "suites[0].target.argv[0]: program 'cavra-no-such-program' is not found on PATH",
    ),
    "missing cwd": (
        "kind: command\nargv: ['true']\ncwd: no/such/dir",
        "suites[0].target.cwd: no such directory: {dir}/no/such/dir",
    ),
    "argv element not a string": (
        "kind: command\nargv: [true]",
        "suites[0].target.argv[0]: must be a string, got a boolean (true): put the word in quotes",
    ),
    "empty argv": (
        "kind: command\nargv: []",
        "suites[0].target.argv: must list the program and its arguments",
    ),
}


@pytest.fixture(scope="module")
def reachable() -> Iterator[Server]:
    with demo_service("--delay-ms", "0") as server:
        yield server


@pytest.mark.parametrize("case", sorted(BAD_TARGETS))
def test_bad_target_is_one_line_and_exit_2(
    case: str, cli: CliRunner, tmp_path: Path, reachable: Server
) -> None:
    target, expected = BAD_TARGETS[case]
    url = reachable.url + "/decide"
    (tmp_path / "cases.json").write_text('[{"user": "a"}, {"name": "b"}]')
    path = write(tmp_path, spec_with_target(target.format(url=url)))
    message = f"cavra: error: {path}: " + expected.format(dir=tmp_path.resolve())
    for argv in (("spec", "validate", str(path)), ("benchmark", "run", "--spec", str(path))):
        result = cli(*argv)
        assert result.code == 2, result.stderr
        assert result.stderr.splitlines() == [message]
        assert "Traceback" not in result.stderr


def test_check_reachable_false_defers_to_run_time(cli: CliRunner, tmp_path: Path) -> None:
    path = write(
        tmp_path, spec_with_target(f"kind: http\nurl: {UNREACHABLE}\ncheck_reachable: false")
    )
    assert cli("spec", "validate", str(path)).code == 0


def test_good_targets_validate(cli: CliRunner, tmp_path: Path, reachable: Server) -> None:
    url = reachable.url + "/decide"
    (tmp_path / "token").write_text("t\n")
    for target in (
        "kind: python\ncall: json:dumps",
        f"kind: http\nurl: {url}\nmethod: post\nexpect_status: 200\n"
        "auth: {type: basic, username: svc, password_file: token}",
        f"kind: http\nurl: {url}\nauth: {{type: header, header: X-Api-Key, value_file: token}}",
        "kind: command\nargv: ['true']",
    ):
        result = cli("spec", "validate", str(write(tmp_path, spec_with_target(target))))
        assert result.code == 0, result.stderr
