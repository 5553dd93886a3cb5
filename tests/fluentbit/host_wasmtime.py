"""The Fluent Bit filter module under wasmtime (the `wasmtime` package from PyPI),
called as Fluent Bit's filter_wasm calls it, checked against the core's own verdicts
(expected.json, from `cargo test --test fluentbit_expected`).

Run `make fluentbit` first, then `python3 tests/fluentbit/host_wasmtime.py`; it prints
one line per test and a closing `N passed, N failed` line.
"""

import ctypes
import functools
import json
import pathlib
import sys
import tempfile
import time
import traceback

from wasmtime import Engine, Linker, Module, Store, ValType, WasiConfig, WasmtimeError
from wasmtime import _bindings, _ffi as ffi

HERE = pathlib.Path(__file__).resolve().parent
WASM = HERE.parent.parent / "dist" / "smb-egress-fluentbit.wasm"
FUNCTION_NAME = "smb_egress_filter"
CASES = json.loads((HERE / "cases.json").read_text())
EXPECTED = json.loads((HERE / "expected.json").read_text())

if not WASM.exists():
    sys.exit(f"{WASM} is missing: build it with `make fluentbit`")
ENGINE = Engine()
MODULE = Module.from_file(ENGINE, str(WASM))


class RawCall:
    """Calls an exported function of i32s through wasmtime's unchecked call API.

    The checked `Func.__call__` of wasmtime-py looks the function's type up and converts
    every value on each call, some 35 microseconds; the million-record test makes five
    calls a record, as Fluent Bit does. The signatures are checked once, by
    `test_exports_have_fluent_bits_signatures`.
    """

    def __init__(self, store, func, slots):
        self.values = (ffi.wasmtime_val_raw_t * slots)()
        self.slots = [self.values[i] for i in range(slots)]
        self.trap = ctypes.POINTER(ffi.wasm_trap_t)()
        self.call = functools.partial(
            _bindings._wasmtime_func_call_unchecked,
            store._context(),
            ctypes.byref(func._func),
            self.values,
            slots,
            ctypes.byref(self.trap),
        )

    def __call__(self, *args):
        for slot, arg in zip(self.slots, args):
            slot.i32 = arg
        error = self.call()
        if error:
            raise WasmtimeError._from_ptr(error)
        if self.trap:
            raise RuntimeError("the module trapped")
        return self.slots[0].i32


# The memory's base address, as an int: the wrapper's `data_ptr` costs a few microseconds.
_MEMORY_DATA = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)(
    ("wasmtime_memory_data", ffi.dll)
)


class FluentBitHost:
    """One instance whose WASI preopens are `dirs`, named as given, as Fluent Bit names
    the directories of Accessible_Paths."""

    def __init__(self, dirs=()):
        self.store = Store(ENGINE)
        wasi = WasiConfig()
        for d in dirs:
            wasi.preopen_dir(d, d)
        self.store.set_wasi(wasi)
        linker = Linker(ENGINE)
        linker.define_wasi()
        self.exports = linker.instantiate(self.store, MODULE).exports(self.store)
        self.memory = self.exports["memory"]
        self._context = ctypes.cast(self.store._context(), ctypes.c_void_p).value
        self._memory = ctypes.addressof(self.memory._memory)
        self.malloc = RawCall(self.store, self.exports["malloc"], 1)
        self.free = RawCall(self.store, self.exports["free"], 1)
        self.filter = RawCall(self.store, self.exports[FUNCTION_NAME], 6)

    def memory_bytes(self):
        return self.memory.data_len(self.store)

    def _base(self):
        return _MEMORY_DATA(self._context, self._memory)

    def _copy_in(self, data):
        pointer = self.malloc(len(data) + 1) & 0xFFFFFFFF
        if pointer == 0:
            raise MemoryError(f"malloc({len(data) + 1}) failed")
        address = self._base() + pointer
        ctypes.memmove(address, data, len(data))
        ctypes.memset(address + len(data), 0, 1)
        return pointer

    def call(self, record, tag=b"zeek.conn", time_sec=1709028000, time_nsec=0):
        """Filters one record (JSON bytes or str); returns the text given back, "" for
        a dropped record."""
        if isinstance(record, str):
            record = record.encode()
        tag_pointer = self._copy_in(tag)
        record_pointer = self._copy_in(record)
        try:
            args = (tag_pointer, len(tag), time_sec, time_nsec, record_pointer, len(record))
            result = self.filter(*args) & 0xFFFFFFFF
            return ctypes.string_at(self._base() + result).decode()
        finally:
            self.free(tag_pointer)
            self.free(record_pointer)


def host_with(files):
    directory = tempfile.mkdtemp(prefix="smb-egress-fb-")
    for name, text in files.items():
        (pathlib.Path(directory) / name).write_text(text)
    return FluentBitHost([directory])


def config(options):
    return {"smb-egress.json": json.dumps(options)}


def case(name):
    return next(c for c in CASES if c["name"] == name)


def check_annotated(name, record, output, want):
    out = json.loads(output)
    for key, value in record.items():
        assert out[key] == value, f"{name}: field {key} changed"
    verdict = out["smb_egress"]
    assert verdict["verdict"] == want["verdict"], (name, verdict, want)
    if want["verdict"] == "unread":
        return verdict
    assert verdict["profile"] == "default", name
    assert verdict["format"] == want["format"], name
    for field in ("src_ip", "dest_ip", "dest_port"):
        assert verdict["record"].get(field) == want[field], (name, field)
    if want["verdict"] == "excluded":
        assert verdict["reason"] == want["exclusion"], (name, verdict["reason"])
    if want["verdict"] != "not_candidate":
        assert verdict["mitre"] == ["T1187", "T1071.002"], name
    return verdict


def test_exports_have_fluent_bits_signatures():
    host = host_with(config({}))
    i32 = ValType.i32()
    signatures = {
        FUNCTION_NAME: ([i32] * 6, [i32]),
        "malloc": ([i32], [i32]),
        "free": ([i32], []),
    }
    for name, (params, results) in signatures.items():
        ty = host.exports[name].type(host.store)
        assert list(ty.params) == params, name
        assert list(ty.results) == results, name


def test_findings_mode_keeps_findings_and_drops_the_rest():
    host = host_with(config({}))
    for c in CASES:
        want = EXPECTED[c["name"]]
        output = host.call(json.dumps(c["record"]))
        if want["verdict"] != "finding":
            assert output == "", f"{c['name']} ({want['verdict']}) should be dropped"
            continue
        verdict = check_annotated(c["name"], c["record"], output, want)
        assert verdict["dest_class"] == "internet"


def test_annotate_mode_keeps_every_record_with_the_cores_verdict():
    host = host_with(config({"mode": "annotate"}))
    for c in CASES:
        check_annotated(c["name"], c["record"], host.call(json.dumps(c["record"])), EXPECTED[c["name"]])


def test_record_of_100_kb():
    host = host_with(config({}))
    big = dict(case("zeek-smb-egress")["record"], note="x" * 100_000)
    out = json.loads(host.call(json.dumps(big)))
    assert len(out["note"]) == 100_000
    assert out["smb_egress"]["verdict"] == "finding"
    dns = dict(case("zeek-dns")["record"], note="y" * 100_000)
    assert host.call(json.dumps(dns)) == ""


def test_bad_configuration_passes_records_with_the_error():
    host = host_with(config({"profile": "strict"}))
    for c in CASES:
        out = json.loads(host.call(json.dumps(c["record"])))
        verdict = out.pop("smb_egress")
        assert out == c["record"], c["name"]
        assert "smb-egress.json: option `profile`" in verdict["error"], verdict


def test_missing_configuration_passes_records_with_the_error():
    host = host_with({})
    out = json.loads(host.call('{"a":1}'))
    assert out["a"] == 1
    assert "no smb-egress.json in the filter's Accessible_Paths" in out["smb_egress"]["error"]


def test_a_million_small_records_and_memory_stops_growing():
    host = host_with(config({}))
    small = CASES
    encoded = [json.dumps(c["record"]).encode() for c in small]
    findings = [EXPECTED[c["name"]]["verdict"] == "finding" for c in small]
    total, warm_up = 1_000_000, 100_000
    kept = want_kept = after_warm_up = 0
    started = time.perf_counter()
    for i in range(total):
        index = i % len(encoded)
        if host.call(encoded[index]) != "":
            kept += 1
        want_kept += findings[index]
        if i + 1 == warm_up:
            after_warm_up = host.memory_bytes()
    seconds = time.perf_counter() - started
    assert kept == want_kept, (kept, want_kept)
    assert host.memory_bytes() == after_warm_up, "memory grew after the warm-up"
    print(
        f"  {total} records in {seconds:.1f} s ({total / seconds:.0f}/s), kept {kept}, "
        f"memory {after_warm_up} bytes after {warm_up} and after {total}"
    )


def main():
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_")]
    passed = failed = 0
    for name, function in tests:
        try:
            function()
        except Exception:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
