# smb-egress: build, demo and tests.
#
#   make demo    set up, build, and run the CLI on the bundled sample
#   make test    set up, build, and run every test of every layer
#   make build   the wasm module and the npm package in js/
#
# Set-up installs only what is missing: the wasm32 rustup target, wasm-bindgen-cli of
# the version Cargo.toml pins, the npm dependencies, and (for `make test`) Chromium
# with its driver. A second `make build` does no work.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:

export PATH := $(HOME)/.cargo/bin:$(PATH)

WASM_TARGET := wasm32-unknown-unknown
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' Cargo.toml)
WASM_RAW := target/$(WASM_TARGET)/wasm/smb_egress.wasm
PKG := js/pkg/smb_egress_bg.wasm
NODE_DEPS := js/node_modules/.package-lock.json
RUST_SOURCES := Cargo.toml Cargo.lock $(shell find src -name '*.rs')

CHROMEDRIVER ?= /usr/bin/chromedriver
WASM_TEST := cargo test --target $(WASM_TARGET) --features wasm --test wasm

.PHONY: demo test build setup setup-rust setup-browser lint test-rust test-wasm test-js

demo: build
	node js/cli.mjs --output table samples/office-network.log

test: build setup-browser lint test-rust test-wasm test-js test-fluentbit test-www test-bench \
  fuzz-smoke

build: $(PKG) $(NODE_DEPS)

setup: setup-rust $(NODE_DEPS)

# --- set-up ------------------------------------------------------------------------

setup-rust:
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ] || \
	    ! command -v wasm-bindgen-test-runner >/dev/null; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (takes a few minutes)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; \
	fi

$(NODE_DEPS): js/package.json js/package-lock.json
	cd js && npm ci --no-audit --no-fund
	@touch $@

setup-browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver; \
	fi

# --- build -------------------------------------------------------------------------

$(PKG): $(RUST_SOURCES) | setup-rust
	cargo build --lib --target $(WASM_TARGET) --features wasm --profile wasm
	wasm-bindgen --target web --experimental-reset-state-function --out-dir js/pkg $(WASM_RAW)

# --- tests -------------------------------------------------------------------------

lint: $(NODE_DEPS)
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target $(WASM_TARGET) --features wasm -- -D warnings
	cd js && npx prettier --check .
	cd js && npx tsc -p tsconfig.json
	cd www && ../js/node_modules/.bin/prettier --check .

test-rust:
	cargo test

test-wasm: setup-rust setup-browser
	$(WASM_TEST)
	WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=$(CHROMEDRIVER) $(WASM_TEST)

test-js: build setup-browser
	cd js && node --test test/*.test.mjs

# --- Fluent Bit filter ----------------------------------------------------------------
#
#   make fluentbit        dist/smb-egress-fluentbit.wasm, for Fluent Bit's filter_wasm
#   make test-fluentbit   the filter natively, then the module under node:wasi and wasmtime
#   make bench-fluentbit  records per second of the filter call
#
# `cargo rustc --crate-type cdylib` builds the library alone as a module; the link
# arguments export wasi-libc's malloc and free, which Fluent Bit's runtime then uses to
# copy records into the module. See docs/fluent-bit.md.

FLUENTBIT_TARGET := wasm32-wasip1
FLUENTBIT_WASM := dist/smb-egress-fluentbit.wasm

.PHONY: fluentbit setup-fluentbit test-fluentbit bench-fluentbit

fluentbit: $(FLUENTBIT_WASM)

setup-fluentbit:
	@rustup target list --installed | grep -qx '$(FLUENTBIT_TARGET)' || \
	  rustup target add $(FLUENTBIT_TARGET)
	@python3 -c 'import wasmtime' 2>/dev/null || python3 -m pip install --quiet wasmtime==50.0.1

$(FLUENTBIT_WASM): $(RUST_SOURCES) | setup-fluentbit
	cargo rustc --lib --target $(FLUENTBIT_TARGET) --features fluentbit --profile wasm \
	  --crate-type cdylib -- -C link-arg=--export=malloc -C link-arg=--export=free
	mkdir -p dist
	cp target/$(FLUENTBIT_TARGET)/wasm/smb_egress.wasm $@

test-fluentbit: $(FLUENTBIT_WASM)
	cargo clippy --all-targets --features fluentbit -- -D warnings
	cargo clippy --lib --target $(FLUENTBIT_TARGET) --features fluentbit -- -D warnings
	cargo test --features fluentbit --lib fluentbit
	cargo test --test fluentbit_expected
	node --test tests/fluentbit/
	python3 tests/fluentbit/host_wasmtime.py

bench-fluentbit: $(FLUENTBIT_WASM)
	node benches/fluentbit.mjs

# --- browser demo ---------------------------------------------------------------------
#
#   make serve      the demo page on http://127.0.0.1:8000/www/ (PORT=0 picks a free port)
#   make test-www   the page's modules in Node, then the page in headless Chromium
#
# www/serve.mjs serves www/ and the package's files (js/index.js, js/lib/, js/pkg/) with
# the page's Content-Security-Policy as a header. The page imports ../js/index.js, so
# any static server at the repository's root serves it too. playwright-core, for the
# tests, is www/'s own development dependency.

WWW_DEPS := www/node_modules/.package-lock.json
PORT ?= 8000

.PHONY: serve test-www

serve: build
	node www/serve.mjs --port $(PORT)

$(WWW_DEPS): www/package.json www/package-lock.json
	cd www && npm ci --no-audit --no-fund
	@touch $@

test-www: build $(WWW_DEPS) setup-browser
	cd www && node --test test/*.test.mjs

# Benchmark: seeded generated logs (benches/data/, not in git), every contender on the
# same files side by side, results in benches/RESULTS.md. `make bench` runs the 100 MiB
# files; `make bench BENCH_SIZE=1GiB` the large ones.
# `make test-bench` runs the harness on small files and fails unless every contender ran
# and found what the command line found (timings on such files mean nothing).
BENCH_SIZE ?= 100MiB

.PHONY: bench bench-build test-bench

bench-build: build
	cargo build --release --example bench_native
	python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install duckdb==2.0.1

bench: bench-build
	python3 benches/run.py --size $(BENCH_SIZE)

test-bench: bench-build
	python3 benches/run.py --size 4MiB --reps 1 --no-write --check

# --- fuzzing -------------------------------------------------------------------------
#
#   make fuzz-smoke   builds the fuzz targets (fuzz/) and runs each for a few seconds
#
# fuzz/smoke.sh installs cargo-fuzz when it is missing and seeds the corpora from
# tests/fixtures. Crashing inputs land in fuzz/artifacts/<target>/; each one found so
# far is a test in tests/regressions.rs. See SECURITY.md.

.PHONY: fuzz-smoke

fuzz-smoke:
	fuzz/smoke.sh
