"""``make check-deploy`` on the applied deployment: terraform's worker_environment exported by
infra/worker_environment.py, then ``charterhand config check --connect``, as the Makefile runs
them (the Makefile's own line would build a venv first)."""

import subprocess
import sys

import pytest

from tests.deploy.conftest import Deployment
from tests.support.paths import ROOT

pytestmark = pytest.mark.deploy

CHECK = (
    'exports="$("$TERRAFORM" output -json worker_environment | "$PYTHON" '
    f'{ROOT}/infra/worker_environment.py)" && eval "$exports" && '
    "\"$PYTHON\" -c \"from commands.main import main; raise SystemExit(main(['config', 'check', "
    "'--connect']))\""
)


def test_after_apply_everything_the_worker_names_is_reachable(deployment: Deployment):
    tf = deployment.terraform
    env = {
        **tf.env,
        **deployment.aws_env(),
        "TERRAFORM": tf.binary,
        "PYTHON": sys.executable,
        "PYTHONPATH": str(ROOT),
        "SSL_CERT_FILE": str(deployment.downstream.ca_file),
    }
    done = subprocess.run(
        ["sh", "-c", CHECK],
        cwd=tf.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    print(f"\n$ make check-deploy\n{done.stdout}{done.stderr}")
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    # moto's SESv2 has no GetAccount (it answers 404): the one line moto cannot make ok
    assert [line.split()[1:3] for line in failed] == [["SES", "account"]], done.stdout
    assert done.returncode == 1
    for what in ("calendar", "SCC"):
        assert f"ok    {what}" in done.stdout
    assert "credential accepted (HTTP 200)" in done.stdout
    assert deployment.dashboard_token not in done.stdout
