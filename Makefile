# Two commands are the whole set-up on a fresh machine:
#   make run    creates .venv if missing, installs Escrowbook into it, opens the app
#   make test   the same set-up, then ruff and the whole test suite (offscreen)
# Installers (README, "Build installers"):
#   make dist       the frozen app (PyInstaller, build.spec) in dist/escrowbook/ and, on Linux, the .deb
#   make test-dist  the frozen app's smoke test and tests/packaging (the .deb's contents and metadata)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DIST_STAMP := $(VENV)/.installed-dist

.PHONY: run test lint bench bench-big bench-startup screenshots dist test-dist clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(DIST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dist]'
	touch $(DIST_STAMP)

run: $(STAMP)
	$(BIN)/python -m desktop $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# tests/packaging checks what `make dist` built: `make test-dist` runs it.
test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest --ignore=tests/packaging $(PYTEST_ARGS)

dist: $(DIST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/icons.py build/icons
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller build.spec
	@if [ "$$(uname -s)" = Linux ]; then $(BIN)/python packaging/linux/build_deb.py; fi

test-dist: $(DIST_STAMP)
	dist/escrowbook/escrowbook --smoke-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/packaging $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/demo_and_check.py
	$(BIN)/python benchmarks/table.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/reconcile.py
	$(BIN)/python benchmarks/export.py
	$(BIN)/python benchmarks/reports.py
	$(BIN)/python benchmarks/pack.py

# Every benchmark on a demo book of 1,000,000 contracts beside 100,000 (benchmarks/big.py; the books are written
# once per book format and kept in ~/.cache/escrowbook-bench, 3.3 GB; the first run takes about 10 minutes more).
bench-big: $(STAMP)
	$(BIN)/python benchmarks/big.py

bench-startup: $(STAMP)
	$(BIN)/python benchmarks/startup.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m desktop.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
