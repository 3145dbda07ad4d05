# Two set-up commands, both self-contained on a fresh machine:
#   make run   - create .venv, install, build/update the index over corpus/, serve the app on 127.0.0.1
#   make test  - create .venv, install, run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 7860

.PHONY: run test install browser-deps ingest serve clean-index

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first: the CPU wheel on this machine's disk; a plain "torch" would pull a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium with Playwright (Playwright's own browser download fails offline).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "WARNING: could not install chromium; browser tests will be skipped"; \
	  else echo "WARNING: chromium missing and not root; browser tests will be skipped"; fi; \
	fi
	@# The draft .docx is checked as a user sees it: rendered to PDF by LibreOffice (Debian's writer, no GUI).
	@if ! command -v soffice >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian libreoffice-writer-nogui for the .docx rendering tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui >/dev/null) \
	      || echo "WARNING: could not install LibreOffice; .docx rendering tests will be skipped"; \
	  else echo "WARNING: soffice missing and not root; .docx rendering tests will be skipped"; fi; \
	fi

ingest: install
	$(VENV)/bin/yttra ingest

serve: install
	$(VENV)/bin/yttra serve --port $(PORT)

run: install
	$(VENV)/bin/yttra ingest || echo "ingest reported problems (see above); serving what was indexed"
	$(VENV)/bin/yttra serve --port $(PORT)

test: install browser-deps
	$(PY) -m pytest

clean-index:
	rm -rf .index
