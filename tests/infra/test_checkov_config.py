"""checkov's skipped checks are listed in one file, each with the reason it does not apply."""

import re

from tests.infra.module import TERRAFORM_DIR

CONFIG = TERRAFORM_DIR / ".checkov.yaml"


def _skips() -> dict[str, str]:
    text = CONFIG.read_text()
    section = text.split("skip-check:", 1)[1]
    entries = re.findall(r"^\s*-\s*(CKV\S*)\s*(?:#\s*(.*))?$", section, re.MULTILINE)
    return {check: reason.strip() for check, reason in entries}


def test_every_skipped_check_has_its_reason():
    skips = _skips()
    assert skips
    for check, reason in skips.items():
        assert len(reason.split()) >= 6, f"{check} is skipped without a real reason"


def test_no_check_is_skipped_inline_behind_the_configs_back():
    for path in TERRAFORM_DIR.glob("*.tf"):
        assert "checkov:skip" not in path.read_text(), f"{path.name} skips a check inline"


def test_checkov_runs_offline():
    assert re.search(r"^skip-download: true$", CONFIG.read_text(), re.MULTILINE)
