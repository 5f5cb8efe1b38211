"""The /g/<slug> rewrite: the CloudFront function (in node) and the local site server's copy of
it, both held to the same table of requests."""

import json
import subprocess
from typing import Any

import pytest

from sandbox.site import Rewritten, rewrite
from tests.conftest import FIXTURES, ROOT
from tests.support.pages import require_executable

CASES = json.loads((FIXTURES / "guest_path_rewrite_cases.json").read_text())["cases"]


def expected(case: dict[str, Any]) -> Rewritten:
    return Rewritten(uri=case["expect"]["uri"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_local_rewrite_matches_the_table(case):
    assert rewrite(case["uri"]) == expected(case)


def test_cloudfront_function_passes_the_same_table_in_node():
    node = require_executable("node", "the CloudFront function is tested with node")
    result = subprocess.run(
        [node, "--test", "tests/node/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"# pass {len(CASES) + 2}" in result.stdout, result.stdout
