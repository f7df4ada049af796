"""promtool on the generated rules: check, unit tests, and what the unit tests must cover.

``promtool check rules`` lints the files (duplicate rules included); ``promtool test rules``
runs rules/tests/*.yml. The coverage tests read those files and require, for every alert
(and severity) in the rule files: a check where it fires, one where it does not, and one
where it has resolved after firing; and a numeric expectation for every recording rule.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from cavra_prom import conventions as names
from cavra_prom.durations import parse_duration
from tests.servers import binary

ROOT = Path(__file__).resolve().parent.parent
RULE_FILES = [ROOT / "rules" / names.RULES_FILE, ROOT / "rules/tests/fixtures/variants.rules.yml"]
TEST_DIR = ROOT / "rules" / "tests"
TEST_FILES = sorted(TEST_DIR.glob("*.yml"))
PROMTOOL_TIMEOUT_SECONDS = 120

Key = tuple[str, str]  # (alertname, severity)


def promtool(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary("promtool"), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PROMTOOL_TIMEOUT_SECONDS,
        check=False,
    )


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("rules", RULE_FILES, ids=lambda p: p.name)
def test_promtool_check_rules_passes(rules: Path) -> None:
    result = promtool("check", "rules", rules)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("test_file", TEST_FILES, ids=lambda p: p.name)
def test_promtool_unit_tests_pass(test_file: Path) -> None:
    result = promtool("test", "rules", test_file.name, cwd=TEST_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_rule_fails_the_unit_tests(tmp_path: Path) -> None:
    """The unit tests can fail: loosen one threshold in a copy and promtool must object."""
    (tmp_path / "tests").mkdir()
    rules = (ROOT / "rules" / names.RULES_FILE).read_text()
    assert rules.count("suite:cavra_suite_within_slo:ratio_rate5m < 0.95") == 1
    (tmp_path / names.RULES_FILE).write_text(
        rules.replace("ratio_rate5m < 0.95", "ratio_rate5m < 0.45")
    )
    shutil.copy(TEST_DIR / "suite-latency-test.yml", tmp_path / "tests")
    result = promtool("test", "rules", "suite-latency-test.yml", cwd=tmp_path / "tests")
    assert result.returncode != 0
    assert "CavraSuiteWithinSLORatioLow" in result.stdout + result.stderr


@dataclass
class _Checks:
    """Per (alert, severity): eval times where it fired and where it did not, per test group."""

    fired: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    silent: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def _alert_checks() -> dict[Key, _Checks]:
    severities: dict[str, set[str]] = defaultdict(set)
    for rules in RULE_FILES:
        for group in _load(rules)["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    severities[rule["alert"]].add(rule["labels"][names.LABEL_SEVERITY])
    checks: dict[Key, _Checks] = {
        (alert, sev): _Checks() for alert, sevs in severities.items() for sev in sevs
    }
    for path in TEST_FILES:
        for index, test in enumerate(_load(path)["tests"]):
            group = f"{path.name}#{index}"
            for case in test.get("alert_rule_test", []):
                seen = {a["exp_labels"][names.LABEL_SEVERITY] for a in case["exp_alerts"]}
                when = parse_duration(case["eval_time"])
                for sev in severities[case["alertname"]]:
                    target = checks[(case["alertname"], sev)]
                    (target.fired if sev in seen else target.silent)[group].append(when)
    return checks


def test_every_alert_is_tested_firing_not_firing_and_resolving() -> None:
    problems = []
    for (alert, sev), c in sorted(_alert_checks().items()):
        fires = bool(c.fired)
        # "does not fire": silent before it first fires in a group, or in a group where it
        # never fires; "resolves": silent after it fired in the same group.
        quiet = any(
            group not in c.fired or min(times) < min(c.fired[group])
            for group, times in c.silent.items()
        )
        resolves = any(
            max(times) > min(c.fired[group])
            for group, times in c.silent.items()
            if group in c.fired
        )
        for ok, what in ((fires, "fires"), (quiet, "does not fire"), (resolves, "resolves")):
            if not ok:
                problems.append(f"{alert} ({sev}): no test that it {what}")
    assert problems == []


def test_every_recording_rule_has_a_numeric_expectation() -> None:
    """Every recording rule of the committed file is read by a promql_expr_test with samples.

    (The variants file's rules come from the same builders with other windows.)
    """
    recorded = {
        rule["record"]
        for group in _load(RULE_FILES[0])["groups"]
        for rule in group["rules"]
        if "record" in rule
    }
    expressions = [
        case["expr"]
        for path in TEST_FILES
        for test in _load(path)["tests"]
        for case in test.get("promql_expr_test", [])
        if case["exp_samples"]
    ]
    untested = [n for n in sorted(recorded) if not any(_reads(e, n) for e in expressions)]
    assert untested == []


def _reads(expression: str, name: str) -> bool:
    """``name`` occurs as a whole name (``p95_rate5m`` is not read by ``p95_rate5m_baseline``)."""
    start = expression.find(name)
    while start != -1:
        end = start + len(name)
        if end == len(expression) or not (expression[end].isalnum() or expression[end] == "_"):
            return True
        start = expression.find(name, end)
    return False


def test_test_files_evaluate_groups_in_the_rule_files_order() -> None:
    """promtool otherwise orders groups at random, which makes annotations flaky."""
    for path in TEST_FILES:
        document = _load(path)
        (rule_file,) = document["rule_files"]
        groups = [g["name"] for g in _load(TEST_DIR / rule_file)["groups"]]
        assert document["group_eval_order"] == groups, path.name
