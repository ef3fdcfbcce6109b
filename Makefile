# make run  — set everything up and serve the demo on http://127.0.0.1:8080 (SQLite)
# make test — set everything up and run the whole test suite (in parallel over every core)
# make serve-production — gunicorn on PostgreSQL and Redis on this machine (see README)
# make translations — extract gettext strings, update the en/hi catalogues, compile them (commit the .mo)
# make scan — security scanners: bandit (no high-severity finding) and pip-audit of requirements.txt
# make migration m="what changed" — write the Alembic migration for a core model change
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test check sync migration bench lint scan clean serve-production translations

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) run.py

# Over every core (pytest-xdist); whole files per worker, so module fixtures are built once.
test: $(STAMP)
	$(PY) -m pytest -n auto --dist loadfile

serve-production: $(STAMP)
	VENV=$(VENV) deploy/serve-production.sh

check: $(STAMP)
	$(VENV)/bin/flask --app run mpr check

sync: $(STAMP)
	$(VENV)/bin/flask --app run mpr sync

BABEL := $(VENV)/bin/pybabel
I18N  := app/translations

translations: $(STAMP)
	$(BABEL) -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ --sort-by-file -o $(I18N)/messages.pot .
	for lang in en hi; do \
	  if [ -f $(I18N)/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BABEL) -q update --no-fuzzy-matching -i $(I18N)/messages.pot -d $(I18N) -l $$lang; \
	  else $(BABEL) -q init -i $(I18N)/messages.pot -d $(I18N) -l $$lang; fi; \
	done
	$(BABEL) -q compile -d $(I18N)

migration: $(STAMP)
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	$(VENV)/bin/flask --app run mpr migration "$(m)"

bench: $(STAMP)
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .

scan: $(STAMP)
	$(VENV)/bin/bandit -c pyproject.toml -r . --severity-level high --quiet
	$(PY) .ci/audit_dependencies.py

clean:
	rm -rf $(VENV) instance/mpr.sqlite*
