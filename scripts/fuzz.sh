#!/usr/bin/env bash
# Runs every cargo-fuzz (libFuzzer) target of fuzz/ for a bounded time, one
# after another, and prints executions and crashes per target.
#
#   scripts/fuzz.sh                 # 120 s per target
#   scripts/fuzz.sh 600             # 600 s per target
#   scripts/fuzz.sh --smoke         # 5 s per target (CI smoke test)
#   scripts/fuzz.sh 60 webhook      # only the named targets
#   scripts/fuzz.sh --runs 1000000  # each target until 10^6 executions
#                                   # (capped at 3600 s, or the seconds given)
#
# Environment:
#   FUZZ_SANITIZER   address (default) or none
#   FUZZ_WORK        where the growing corpora go (default: $CARGO_TARGET_DIR
#                    or fuzz/target, then fuzz-corpus/<target>); the committed
#                    seeds in fuzz/corpus/<target> are read, never written
#   CARGO_TARGET_DIR as for cargo
#
# Needs only stable Rust: cargo-fuzz's nightly flags (-Zsanitizer, sancov) are
# allowed with RUSTC_BOOTSTRAP=1 when the toolchain is not a nightly.
# Exits 1 when a target crashed (the input is saved in fuzz/artifacts/<target>/).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=120
smoke=0
runs=0
targets=()
want_runs=0
for a in "$@"; do
  if [ $want_runs -eq 1 ]; then runs="$a"; want_runs=0; [ "$secs" = 120 ] && secs=3600; continue; fi
  case "$a" in
    --smoke) smoke=1; secs=5 ;;
    --runs) want_runs=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    ''|*[!0-9]*) targets+=("$a") ;;
    *) secs="$a" ;;
  esac
done
all=(pusher_frame centrifugo_frame chat_message webhook loopback api_json)
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

sanitizer="${FUZZ_SANITIZER:-address}"
if ! rustc -V | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

target_dir="${CARGO_TARGET_DIR:-$PWD/fuzz/target}"
work="${FUZZ_WORK:-$target_dir/fuzz-corpus}"
# Debug assertions and overflow checks on (cargo-fuzz's default build).
build=(--sanitizer "$sanitizer")

mkdir -p "$target_dir"
echo "cargo-fuzz $(cargo fuzz --version | awk '{print $2}'), $(rustc -V), sanitizer: $sanitizer," \
  "RUSTC_BOOTSTRAP=${RUSTC_BOOTSTRAP:-0}, ${secs}s per target"
# Builds every target once; `cargo fuzz run` below then only runs them.
if ! cargo fuzz build "${build[@]}" >"$target_dir/fuzz-build.log" 2>&1; then
  tail -n 40 "$target_dir/fuzz-build.log"
  exit 2
fi

failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "fuzz/artifacts/$t"
  args=(-max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048)
  [ "$runs" -gt 0 ] && args+=(-runs="$runs")
  [ -f "fuzz/dicts/$t.dict" ] && args+=(-dict="fuzz/dicts/$t.dict")
  # The loopback parser has a size bound (17 KiB): let inputs pass it.
  [ "$t" = loopback ] && args+=(-max_len=20000)
  log="$work/$t.log"
  echo "== $t (${secs}s$([ "$runs" -gt 0 ] && echo ", until $runs executions"))"
  set +e
  cargo fuzz run "${build[@]}" "$t" "$work/$t" "fuzz/corpus/$t" -- "${args[@]}" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
  if [ -z "$execs" ]; then
    execs=$(grep -o '^#[0-9]*' "$log" | tr -d '#' | tail -n1)
  fi
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
  corpus=$(find "$work/$t" -type f | wc -l)
  if [ $rc -eq 0 ]; then
    crashes=0
  else
    crashes=1
    failed=1
    grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written to' "$log" | head -n 8
  fi
  took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -n1)
  line=$(printf '%-17s %9s execs  %5ss  %6s/s  corpus %5s  crashes %s' "$t" "${execs:-?}" "${took:-?}" "${rate:-?}" "$corpus" "$crashes")
  echo "$line"
  summary+=("$line")
done

echo
echo "== summary ($(date -u +%Y-%m-%dT%H:%MZ), ${secs}s per target$([ "$runs" -gt 0 ] && echo " or $runs executions"), sanitizer $sanitizer)"
printf '%s\n' "${summary[@]}"
if [ $failed -ne 0 ]; then
  echo "CRASH: see the log(s) in $work and the input(s) in fuzz/artifacts/"
  exit 1
fi
[ $smoke -eq 1 ] && echo "smoke: every target ran ${secs}s without a crash"
exit 0
