# Two commands do all set-up on a fresh machine:
#   make site   install, then profile every spec (the documentation site builds on this)
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
	mkdir -p $(OUT)/profiles
	$(PY) -m archlens list
	for s in $$($(PY) -c "import archlens; print(' '.join(archlens.bundled_specs()))"); do \
	  $(PY) -m archlens profile $$s --format json > $(OUT)/profiles/$$s.json || exit 1; \
	  $(PY) -m archlens profile $$s --format markdown > $(OUT)/profiles/$$s.md || exit 1; \
	done
	@echo "profiles written to $(OUT)/profiles/"

test: install system-deps
	$(PY) -m pytest -q

bench: install
	$(PY) benchmarks/profile_speed.py

clean:
	rm -rf $(VENV) $(OUT) site docs/generated .pytest_cache .hypothesis
