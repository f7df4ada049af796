"""docs/runbook.md: a section per alert (what it means, how to confirm, what to do), and every
generated runbook_url points at an existing section anchor."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cavra_prom import conventions as names

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = ROOT / "docs" / "runbook.md"
RULE_FILES = [ROOT / "rules" / names.RULES_FILE, ROOT / "rules/tests/fixtures/variants.rules.yml"]
PARTS = ("**What it means.**", "**How to confirm.**", "**What to do.**")
ALERTS = sorted(
    value
    for key, value in vars(names).items()
    if key.startswith("ALERT_") and isinstance(value, str)
)


def _sections() -> dict[str, str]:
    """Level-2 sections by heading text."""
    chunks = re.split(r"^## (.+)$", RUNBOOK.read_text(), flags=re.MULTILINE)
    return {chunks[i].strip(): chunks[i + 1] for i in range(1, len(chunks), 2)}


def _anchor(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_every_alert_has_a_section_with_all_three_parts() -> None:
    sections = _sections()
    missing = [alert for alert in ALERTS if alert not in sections]
    assert missing == []
    for alert in ALERTS:
        body = sections[alert]
        assert all(part in body for part in PARTS), alert
        assert re.search(r"^Severity: (page|ticket)", body, flags=re.MULTILINE), alert


def test_every_runbook_url_points_at_a_section() -> None:
    anchors = {_anchor(heading) for heading in _sections()}
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    url = rule["annotations"]["runbook_url"]
                    page, _, anchor = url.partition("#")
                    assert page == "docs/runbook.md" and anchor in anchors, url


def test_the_runbook_states_each_alerts_generated_severity() -> None:
    sections = _sections()
    for group in yaml.safe_load(RULE_FILES[0].read_text())["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                severity = rule["labels"]["severity"]
                assert severity in sections[rule["alert"]].split("\n\n", 2)[1], rule["alert"]
