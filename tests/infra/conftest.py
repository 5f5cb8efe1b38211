from pathlib import Path

import pytest

from tests.infra.module import TERRAFORM_DIR, Module, load_module
from tests.infra.terraform_cli import Terraform


@pytest.fixture(scope="session")
def tf() -> Module:
    return load_module()


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """infra/terraform initialised offline, with the example tfvars in place."""
    terraform = Terraform(tmp_path_factory.mktemp("terraform") / "module")
    terraform.use_tfvars((TERRAFORM_DIR / "terraform.tfvars.example").read_text())
    return terraform


@pytest.fixture
def example_tfvars() -> Path:
    return TERRAFORM_DIR / "terraform.tfvars.example"
