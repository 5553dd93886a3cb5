# Fluent Bit filter: the detection as a filter_wasm module (wasm32-wasip1).
# `cargo rustc --crate-type cdylib` builds the library as a module without changing the
# crate types in Cargo.toml; the link arguments export wasi-libc's malloc and free, which
# Fluent Bit's runtime then uses to copy records into the module.
FLUENTBIT_WASM := dist/smb-egress-fluentbit.wasm

.PHONY: setup-fluentbit fluentbit test-fluentbit bench-fluentbit

# The wasm target, and the wasmtime runtime the Python test host uses.
setup-fluentbit:
	rustup target add wasm32-wasip1
	python3 -m pip install --quiet wasmtime

fluentbit:
	cargo rustc --lib --profile fluentbit --target wasm32-wasip1 --features fluentbit \
		--crate-type cdylib -- -C link-arg=--export=malloc -C link-arg=--export=free
	mkdir -p dist
	cp target/wasm32-wasip1/fluentbit/smb_egress.wasm $(FLUENTBIT_WASM)

test-fluentbit: fluentbit
	cargo test --features fluentbit --lib fluentbit
	cargo test --test fluentbit_expected
	node --test tests/fluentbit/
	python3 tests/fluentbit/host_wasmtime.py

bench-fluentbit: fluentbit
	node benches/fluentbit.mjs
