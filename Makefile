# WiseBook: `make run` serves the embedded profile, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 6543
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest services catalogues bundle deb clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The UI's translations: .po files are the source, .mo files are compiled from them.
catalogues: $(STAMP)
	$(BIN)/pybabel compile --domain wisebook --directory wisebook/locale --use-fuzzy --statistics

run: $(STAMP) catalogues
	$(BIN)/wisebook-ctl serve --host 127.0.0.1 --port $(PORT)

services:
	tests/services.sh

# The appliance's frozen application (PyInstaller, one folder): dist/bundle/wisebook/wisebook-ctl.
bundle: $(STAMP) catalogues
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist/bundle --workpath build/pyinstaller packaging/wisebook.spec

# The appliance's package: dist/wisebook_<version>_<arch>.deb (dpkg-deb, from the bundle).
deb: bundle
	sh packaging/build-deb.sh

lint: $(STAMP)
	$(BIN)/ruff check wisebook tests bench
	$(BIN)/ruff format --check wisebook tests bench

typecheck: $(STAMP)
	$(BIN)/mypy wisebook/ledger wisebook/services wisebook/ops wisebook/observability

pytest: $(STAMP) services catalogues
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) var dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis
