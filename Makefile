# Two commands do all set-up on a fresh machine:
#   make run    create .venv, install the pinned requirements, start the trainer
#   make test   the same set-up, then the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PERSONA ?=

.PHONY: setup run test bench schema clean

setup: $(STAMP)

$(STAMP): requirements.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else echo "python3 -m venv is missing: install python3-venv" >&2; exit 1; fi; }
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

# Until the browser app lands, the product is the terminal role-play.
run: setup
	$(PY) -m trainer chat $(PERSONA)

test: setup
	$(PY) -m pytest -q

bench: setup
	bench/run

schema: setup
	$(PY) -m trainer schema -o trainer/content/persona.schema.json

clean:
	rm -rf $(VENV) .pytest_cache
