# Two commands on a fresh machine: `make run` and `make test`.
# Everything they need is installed here, into .venv, never by hand.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test test-services install install-dev serve-prod clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp files re-run the install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# The chat's intent tables (nlp/corpus/intent-tables.npz, git-ignored) are built from nlp/corpus/utterances.csv
# when missing or outdated; web workers refuse to start without them (nlp/intents.py).
install: $(VENV)/.installed
	$(BIN)/python -m nlp.intent_training
install-dev: $(VENV)/.installed-dev
	$(BIN)/python -m nlp.intent_training

# The demo runs on SQLite in instance/, with plain-HTTP cookies for 127.0.0.1 (`make run PORT=5050` when 5000
# is taken: links and the simulator follow); `flask dev-server` runs the
# development server and one scheduler process beside it (pushes, closing votes), and stops both together.
PORT ?= 5000
run: install
	mkdir -p instance
	SESSION_COOKIE_SECURE=0 $(FLASK) db upgrade
	SESSION_COOKIE_SECURE=0 $(FLASK) nlp install-default
	SESSION_COOKIE_SECURE=0 PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} $(FLASK) demo seed
	@echo "Start here: http://127.0.0.1:$(PORT)/   WeChat simulator: http://127.0.0.1:$(PORT)/dev/wechat/"
	SESSION_COOKIE_SECURE=0 WECHAT_SIMULATOR=1 PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} \
		$(FLASK) dev-server --host 127.0.0.1 --port $(PORT)

# The suite starts a private redis-server and drives Debian's Chromium (with a Chinese font, so that
# screenshots are readable); install the packages when missing.
test-services:
	@missing=""; command -v redis-server >/dev/null || missing="redis-server"; \
	[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || missing="$$missing chromium chromium-driver"; \
	[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then echo "Installing Debian packages:$$missing"; \
		SUDO=$$(command -v sudo || true); $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; fi

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL says so.
test: install-dev test-services
	$(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on $$TEST_DATABASE_URL =="; \
		YISHI_TEST_BACKEND=postgresql $(BIN)/pytest; \
	fi

# Production shape: DATABASE_URL (PostgreSQL) and SECRET_KEY from the environment; WORKERS gunicorn
# workers and exactly one scheduler process beside them (README: Production shape).
WORKERS ?= 4
BIND    ?= 127.0.0.1:8000
serve-prod: install
	@test -n "$$DATABASE_URL" -a -n "$$SECRET_KEY" || { echo "Set DATABASE_URL and SECRET_KEY first."; exit 2; }
	$(FLASK) db upgrade
	$(FLASK) departments seed
	$(FLASK) nlp install-default
	$(FLASK) scheduler run & scheduler=$$!; trap 'kill $$scheduler' EXIT INT TERM; \
	$(BIN)/gunicorn -w $(WORKERS) -b $(BIND) --access-logfile - --logger-class web.access_log.RedactingLogger wsgi:app

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
