"""The root module, applied unchanged by terraform to moto's server; then planned again."""

import pytest

from tests.deploy.applied import MOTO_PLAN_DIFF, plan_diff
from tests.deploy.conftest import Deployment
from tests.deploy.moto_gaps import all_gaps
from tests.infra.module import load_module

pytestmark = pytest.mark.deploy


#: the count of the resources of each worker_mode (worker.tf, worker_lambda.tf)
MODE_COUNTS = {"fargate": "${local.fargate_count}", "lambda": "${local.lambda_count}"}


def declared_instances(mode: str = "fargate") -> set[str]:
    """Every resource the module declares in ``mode`` (worker_mode), as its state addresses
    (count/for_each expanded)."""
    module = load_module()
    declared = set()
    other_modes = {count for name, count in MODE_COUNTS.items() if name != mode}
    for (kind, name), body in module.resources.items():
        if body.get("count") in other_modes:
            continue
        if "for_each" in body:
            keys = {
                "aws_s3_bucket_public_access_block": ["inbound", "site", "photos"],
                "aws_s3_bucket_ownership_controls": ["inbound", "site", "photos"],
                "aws_s3_bucket_server_side_encryption_configuration": ["inbound", "site", "photos"],
                "aws_s3_bucket_versioning": ["inbound", "site", "photos"],
                "aws_cloudfront_response_headers_policy": ["pages", "crew"],
            }.get(kind)
            if keys is None:
                declared.add(f"{kind}.{name}[*]")
                continue
            declared |= {f'{kind}.{name}["{key}"]' for key in keys}
        elif "count" in body:
            declared.add(f"{kind}.{name}[0]")
        else:
            declared.add(f"{kind}.{name}")
    return declared


def test_every_declared_resource_is_applied(deployment: Deployment):
    applied = set(deployment.terraform.resources())
    expanded = {a for a in applied if "[" in a and not a.endswith("[0]")}
    declared = declared_instances()
    wildcard = {d.removesuffix("[*]") for d in declared if d.endswith("[*]")}
    missing = {d for d in declared if not d.endswith("[*]")} - applied
    assert not missing, f"declared but not applied: {sorted(missing)}"
    for prefix in wildcard:
        assert any(a.startswith(prefix + "[") for a in expanded), prefix
    print(
        f"\napplied {len(applied)} resources in {deployment.terraform.apply_seconds:.0f} s; "
        f"moto gaps stood in for: {deployment.moto.app.used}"
    )


def test_each_stand_in_names_the_moto_gap_it_covers():
    for gap in all_gaps():
        assert gap.covers, type(gap).__name__
        assert "moto" in gap.covers or "provider" in gap.covers, gap.covers


def test_a_second_plan_changes_only_what_moto_does_not_keep(deployment: Deployment):
    diff = plan_diff(deployment.terraform)
    unexplained = {
        change: action for change, action in diff.items() if change not in MOTO_PLAN_DIFF
    }
    assert not unexplained, f"a second plan would change, for no reason of moto's: {unexplained}"
    print("\nremaining plan diff (each moto's):")
    for (address, attribute), action in sorted(diff.items()):
        print(f"  {action:7} {address}.{attribute}: {MOTO_PLAN_DIFF[(address, attribute)]}")
