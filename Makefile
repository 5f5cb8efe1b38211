# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# `make demo` installs the product and the `demo` extra (moto's server) only; `make test` the `dev`
# extra, which holds the demo's too: after it the demo's stamp is fresh, and `make demo` installs
# nothing more.
DEMO_STAMP := $(VENV)/.installed-demo
DEV_STAMP  := $(VENV)/.installed-dev
# checkov lives in its own venv: its bc-python-hcl2 installs the same `hcl2` package as the tests'
# python-hcl2, and the two overwrite each other's files in one environment.
CHECKOV_VERSION := 3.3.30
CHECKOV := $(VENV)/checkov/bin/checkov
CHECKOV_STAMP := $(VENV)/checkov/.installed-$(CHECKOV_VERSION)

.PHONY: demo test lint bench clean api-package worker-package check-deploy

# The links API Lambda zip for terraform (var.api_package); ARCH matches var.lambda_architecture.
ARCH ?= arm64

# $(call install,EXTRA): the checkout, editable in compat mode (its root on sys.path, so
# `charterhand demo|sandbox|ingest` find sandbox/, which the package and the worker image leave
# out), with EXTRA.
define install
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(1)]' --config-settings editable_mode=compat
endef

$(DEMO_STAMP): pyproject.toml
	$(call install,demo)
	@touch $(DEMO_STAMP)

$(DEV_STAMP): pyproject.toml
	$(call install,dev)
	@touch $(DEV_STAMP) $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/charterhand demo

$(CHECKOV_STAMP):
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	@touch $(CHECKOV_STAMP)

lint: $(DEV_STAMP) $(CHECKOV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(CHECKOV) -d infra/terraform --config-file infra/terraform/.checkov.yaml --quiet --compact
	$(CHECKOV) -f Dockerfile --framework dockerfile --skip-download --quiet --compact

api-package: $(DEMO_STAMP)
	$(BIN)/python infra/build_api_package.py --arch $(ARCH)

# The worker's Lambda zip for terraform's worker_mode = lambda (var.worker_lambda_package).
worker-package: $(DEMO_STAMP)
	$(BIN)/python infra/build_worker_package.py --arch $(ARCH)

# After `terraform apply` (and putting the secrets): what the deployed worker's settings name, each
# asked once, read-only: ok, or FAIL with what to do. Exits 1 while anything is not ready.
TF_DIR ?= infra/terraform
check-deploy: $(STAMP)
	@exports="$$(terraform -chdir=$(TF_DIR) output -json worker_environment | $(BIN)/python infra/worker_environment.py)" && \
	  eval "$$exports" && $(BIN)/charterhand config check --connect

test: lint
	$(BIN)/pytest

bench: $(DEV_STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
