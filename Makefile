# Two commands do all set-up on a fresh machine:
#   make run    create .venv, install the pinned requirements, start the browser app
#   make test   the same set-up (plus Debian's chromium for the browser tests), then the suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PERSONA ?=
HOST   ?= 127.0.0.1
PORT   ?= 8501
# Debian packages the app needs: espeak-ng, the customer's voice (pyttsx3 drives it)
RUN_DEBS  := espeak-ng
# ... and the tests: the browser for end-to-end tests, CJK fonts for readable screenshots,
# PostgreSQL for the store tests' second database
TEST_DEBS := $(RUN_DEBS) chromium fonts-noto-cjk fonts-noto-color-emoji postgresql

.PHONY: setup run chat test run-deps system-deps bench screenshots schema clean

setup: $(STAMP)

$(STAMP): requirements.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else echo "python3 -m venv is missing: install python3-venv" >&2; exit 1; fi; }
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

run: setup run-deps
	@$(PY) -m trainer voice || echo "(voice is optional: the app runs; typed calls work without it)"
	@echo "坐席陪练 · Call-center trainer: http://$(HOST):$(PORT)"
	$(PY) -m streamlit run trainer/app/main.py --server.address $(HOST) --server.port $(PORT) \
	  --server.headless true --browser.gatherUsageStats false --client.toolbarMode minimal

# The terminal role-play, e.g. make chat PERSONA=rushed
chat: setup
	$(PY) -m trainer chat $(PERSONA)

# the app starts without them (typed calls work); the voice check below says what is missing
run-deps:
	@$(MAKE) --no-print-directory system-deps TEST_DEBS="$(RUN_DEBS)" || true

system-deps:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "missing Debian packages:$$missing (install them as root)" >&2; exit 1; fi; fi

# The suite runs the store tests on SQLite and on a real PostgreSQL server started on loopback.
test: setup system-deps
	@url=$$(tests/postgres.sh start) && \
	TRAINER_TEST_POSTGRES_URL=$$url $(PY) -m pytest -q; rc=$$?; tests/postgres.sh stop; exit $$rc

# Re-make the README screenshots (docs/) from the end-to-end test's artifacts.
screenshots: setup system-deps
	$(PY) -m pytest -q tests/test_browser.py
	mkdir -p docs && cp artifacts/call.png artifacts/scorecard.png artifacts/voice.png docs/

bench: setup system-deps
	bench/run

schema: setup
	$(PY) -m trainer schema -o trainer/content/persona.schema.json

clean:
	rm -rf $(VENV) .pytest_cache
