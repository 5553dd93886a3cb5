#!/usr/bin/env bash
# Builds the fuzz targets and runs each briefly: a smoke check for CI, not a campaign.
# A crash, a hang over FUZZ_TIMEOUT seconds or a memory use over FUZZ_RSS_MB fails it;
# the input is left in fuzz/artifacts/<target>/ (replay it with `cargo fuzz run TARGET FILE`).
#
#   fuzz/smoke.sh                 every target
#   fuzz/smoke.sh detect …        only these
#
# FUZZ_SECONDS (default 8) is the time of the targets that read whole logs, snapshots,
# asset tables and allowlists; FUZZ_FORMAT_SECONDS (default 3) that of each of the
# twenty forced-format targets, whose inputs are narrower: a little over two minutes of
# fuzzing in all. With a cold build (two to three minutes on two cores) the whole run
# takes about five minutes.
#
# cargo-fuzz is installed when missing. It needs a nightly compiler; RUSTC_BOOTSTRAP=1
# lets the stable one serve. The build has no sanitizer: the crate is safe Rust, and
# the build is twice as fast (run a target with `cargo fuzz run` for AddressSanitizer).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz (takes a couple of minutes)"
  cargo install cargo-fuzz
fi

cargo fmt --check

build=(--sanitizer none --codegen-units 16)
cargo fuzz build "${build[@]}"

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi
./seed.sh "${targets[@]}"

start=$SECONDS
for target in "${targets[@]}"; do
  seconds=${FUZZ_SECONDS:-8}
  [[ $target == format_* ]] && seconds=${FUZZ_FORMAT_SECONDS:-3}
  echo "fuzz smoke: $target for ${seconds}s"
  log="$here/artifacts/smoke-$target.log"
  mkdir -p "$here/artifacts"
  if ! cargo fuzz run "${build[@]}" "$target" -- \
    -max_total_time="$seconds" -max_len=8192 -timeout="${FUZZ_TIMEOUT:-10}" \
    -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz smoke: $target failed; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" | tr '\n' ' '
  echo
done
echo "fuzz smoke: ${#targets[@]} targets passed in $((SECONDS - start))s of fuzzing"
