# Two set-up commands, both self-contained on a fresh machine:
#   make run   - create .venv, install, build/update the index over corpus/, serve the app on 127.0.0.1
#   make test  - create .venv, install, run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 7860

.PHONY: run test install ingest serve clean-index

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first: the CPU wheel on this machine's disk; a plain "torch" would pull a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

ingest: install
	$(VENV)/bin/yttra ingest

serve: install
	$(VENV)/bin/yttra serve --port $(PORT)

run: install
	$(VENV)/bin/yttra ingest || echo "ingest reported problems (see above); serving what was indexed"
	$(VENV)/bin/yttra serve --port $(PORT)

test: install
	$(PY) -m pytest

clean-index:
	rm -rf .index
