# medcore — the two commands that matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run

BUILD_DIR ?= build
MEDCORE := $(BUILD_DIR)/medcore

# ccache must see through the precompiled header (scripts/build.sh sets the same defaults).
export CCACHE_DIR ?= $(HOME)/.ccache
export CCACHE_SLOPPINESS ?= pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: run test test-sanitized build bench clean deps web

deps:
	scripts/install-deps.sh

# Everything in build/: medcore, the unit tests and any other target.
build: deps
	scripts/build.sh $(BUILD_DIR)

# The web app, once web/ exists; rebuilt only when its sources changed.
web:
	@if [ -f web/package.json ]; then scripts/build-web.sh; fi

# Install, build, migrate, seed the demo data (credentials printed the first time only, kept in
# var/demo-credentials.txt) and serve http://127.0.0.1:8080 with SQLite at var/medcore.db.
# Ctrl-C stops the server cleanly: exec hands the terminal's signals straight to medcore.
run: deps web
	scripts/build.sh $(BUILD_DIR) --target medcore
	mkdir -p var
	$(MEDCORE) migrate
	$(MEDCORE) seed --demo
	exec $(MEDCORE) serve

# The whole test run (both databases); ends with "N passed, N failed".
test:
	scripts/test.sh

# The API suites against a medcore built with ASan+UBSan (build-sanitize/), both databases. Slow
# (a full instrumented build, then every suite twice): nightly, not part of `make test`.
test-sanitized: deps
	scripts/test-sanitized.sh

bench: build
	bench/run.sh

clean:
	rm -rf build build-asan build-sanitize
