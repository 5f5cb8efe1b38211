"""Running the real terraform binary offline, when this machine has it and a provider mirror.

No provider can be downloaded here; a filesystem mirror (``TF_PROVIDER_MIRROR``, default
/opt/tf-plugins) with the AWS provider lets ``terraform validate`` and ``terraform console``
run without a network or credentials. The provider is linked from the mirror, not copied.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.settings import ENV_PREFIX
from tests.infra.module import TERRAFORM_DIR

MIRROR = Path(os.environ.get("TF_PROVIDER_MIRROR", "/opt/tf-plugins"))
TIMEOUT_SECONDS = 180


def require_terraform(checks: str = "terraform validate/console checks") -> str:
    """The terraform binary; skips with the reason and the ``checks`` that did not run when
    absent, CI included.

    These checks are extra: terraform is in no registry ``.ci/run`` can install from (no Debian
    package, no PyPI wheel), so a fresh CI machine has none. The required checks (python-hcl2
    wiring tests and checkov) never skip.
    """
    binary = shutil.which("terraform")
    missing = None
    if binary is None:
        missing = "the terraform binary is not on PATH"
    elif not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        missing = f"no AWS provider in the filesystem mirror {MIRROR} (set TF_PROVIDER_MIRROR)"
    if missing is not None:
        ci = (
            " (CI=true: these checks did NOT run on this build)"
            if os.environ.get("CI") == "true"
            else ""
        )
        pytest.skip(f"{missing}: {checks} not run{ci}")
    assert binary is not None
    return binary


class Terraform:
    """A copy of infra/terraform in a scratch directory, initialised from the mirror."""

    def __init__(self, workdir: Path) -> None:
        self.binary = require_terraform()
        self.workdir = workdir
        shutil.copytree(TERRAFORM_DIR, workdir, dirs_exist_ok=True)
        config = workdir.parent / f"{workdir.name}.tfrc"
        config.write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{ path = "{MIRROR}" }}\n'
            "}\n"
            f'plugin_cache_dir = "{MIRROR}"\n'
        )
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(config),
            "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "1",
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }
        self.run("init", "-backend=false", "-input=false")

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args, "-no-color"],
            cwd=self.workdir,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )

    def use_tfvars(self, text: str) -> None:
        (self.workdir / "terraform.tfvars").write_text(text)

    def console(self, expression: str, *var_args: str) -> subprocess.CompletedProcess[str]:
        """``terraform console`` on one expression, with terraform.tfvars and ``-var`` overrides."""
        return self.run("console", *var_args, stdin=expression + "\n")


def console_map(printed: str) -> dict[str, object]:
    """A map as ``terraform console`` prints it; unknown values become ``UNKNOWN``."""
    values: dict[str, object] = {}
    for line in printed.splitlines():
        match = re.fullmatch(r'\s*"(?P<key>[\w-]+)" = (?P<value>.*)', line)
        if match is None:
            continue
        value = match["value"]
        if value == "(known after apply)":
            values[match["key"]] = UNKNOWN
        elif value in ("null", "tostring(null)"):
            values[match["key"]] = None
        else:
            values[match["key"]] = json.loads(value)
    return values


UNKNOWN = object()


def export_settings(values: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    """Set ``CHARTERHAND_<FIELD>`` for each value (and nothing else), as ECS or Lambda would.

    Unknown values (an ARN, URL or name AWS assigns at apply time) get a stand-in; null values are
    left unset, as terraform leaves them out.
    """
    for name in [n for n in os.environ if n.startswith(ENV_PREFIX)]:
        monkeypatch.delenv(name)
    for field, value in values.items():
        if value is UNKNOWN:  # shaped as what AWS assigns: a URL where the setting is one
            stand_in = f"assigned-at-apply-{field}"
            value = f"https://{stand_in}.example" if field.endswith("_url") else stand_in
        if value is not None:
            monkeypatch.setenv(f"{ENV_PREFIX}{field.upper()}", str(value))
