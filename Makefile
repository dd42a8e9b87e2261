# Two commands do all set-up on a fresh machine:
#   make site   install, generate every page from specs/ (quick training included), build site/
#   make test   install what the tests need (system packages too), then run every test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The CPU wheel; pinned first so the range in pyproject.toml never pulls a CUDA build.
TORCH  ?= torch==2.13.0
OUT    ?= build

.PHONY: install system-deps site test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash scripts/setup_system.sh

site: install
	$(PY) -m archlens site --no-train
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict
	@echo "site built: open site/index.html (no server needed)"

# Two xdist workers, one torch thread each (tests/conftest.py); the ten slowest tests are listed.
test: install system-deps
	$(PY) -m ruff check archlens tests benchmarks scripts
	$(PY) -m pytest -q -n 2 --dist loadgroup --durations=10

bench: install
	$(PY) benchmarks/profile_speed.py
	$(PY) benchmarks/site_build.py

clean:
	rm -rf $(VENV) $(OUT) site docs/generated docs/index.md .pytest_cache .hypothesis
