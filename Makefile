# Fluent Bit filter: the detection as a filter_wasm module (wasm32-wasip1).
# `cargo rustc --crate-type cdylib` builds the library as a module without changing the
# crate types in Cargo.toml; the link arguments export wasi-libc's malloc and free, which
# Fluent Bit's runtime then uses to copy records into the module.
FLUENTBIT_WASM := dist/smb-egress-fluentbit.wasm

.PHONY: fluentbit test-fluentbit bench-fluentbit

fluentbit:
	cargo rustc --lib --release --target wasm32-wasip1 --features fluentbit \
		--crate-type cdylib -- -C link-arg=--export=malloc -C link-arg=--export=free
	mkdir -p dist
	cp target/wasm32-wasip1/release/smb_egress.wasm $(FLUENTBIT_WASM)

test-fluentbit: fluentbit
	cargo test --features fluentbit --lib fluentbit
	cargo test --test fluentbit_expected
	node --test tests/fluentbit/
	python3 tests/fluentbit/host_wasmtime.py

bench-fluentbit: fluentbit
	node benches/fluentbit.mjs

# Benchmark: seeded generated logs (benches/data/, not in git), every contender on the
# same files side by side, results in benches/RESULTS.md. `make bench` runs the 100 MiB
# files; `make bench BENCH_SIZE=1GiB` the large ones.
BENCH_SIZE ?= 100MiB

.PHONY: bench bench-build

bench-build:
	cargo build --release --example bench_native
	cargo build --lib --target wasm32-unknown-unknown --features wasm --profile wasm
	wasm-bindgen --target web --out-dir js/pkg target/wasm32-unknown-unknown/wasm/smb_egress.wasm
	cd js && npm install --no-audit --no-fund
	python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install duckdb

bench: bench-build
	python3 benches/run.py --size $(BENCH_SIZE)
