# Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := FLASK_APP=wsgi.py $(VENV)/bin/flask
APT_PACKAGES := postgresql chromium chromium-driver libreoffice-writer-nogui poppler-utils fonts-liberation2 faketime nginx systemd \
	python3.11-venv git make openssl ca-certificates curl logrotate util-linux adduser procps

.PHONY: run test fuzz install install-dev system-deps db translations lint bench clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

install: $(VENV)/bin/activate
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt

install-dev: $(VENV)/bin/activate
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

translations: $(VENV)/bin/activate
	$(VENV)/bin/pybabel compile --statistics -d app/translations 2>&1 | tail -1

## Debian packages the tests use (PostgreSQL, Chromium + driver, LibreOffice, pdftoppm, faketime, nginx, systemd-analyze;
## the README deployment walk: Debian's python3.11 venv, git, make, openssl, curl, logrotate, unshare/runuser, adduser), when root and missing.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (run as root or install them)"; fi; \
	fi

db: install translations
	@mkdir -p "$${INSTANCE_PATH:-instance}"
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty

run: db
	./scripts/run-local.sh

## The whole suite, on SQLite and PostgreSQL side by side (scripts/run-tests.sh), slowest 15 tests of each.
test: system-deps install-dev translations
	$(VENV)/bin/ruff check .
	VENV=$(VENV) ./scripts/run-tests.sh

lint: install-dev
	$(VENV)/bin/ruff check .

# The issue's full fuzzing: 1,000 Hypothesis cases for every form and every API operation (SQLite;
# about 63,000 requests). `make test` runs the same tests with 1,000 cases per family.
fuzz: install-dev translations
	FUZZ_CASES_EACH=1000 $(PY) -m pytest -q -p no:cacheprovider --db sqlite -s \
		tests/security/test_fuzz_forms.py tests/security/test_fuzz_api.py

bench: install-dev
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) instance/tracker.sqlite* artifacts

## Developers: re-extract user-facing strings and merge them into the English catalog.
i18n-update: install-dev
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations -l en --no-fuzzy-matching
