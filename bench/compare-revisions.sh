#!/usr/bin/env bash
# Runs benchmarks on another revision and on this working tree, so both meet the same machine.
#   bench/compare-revisions.sh <revision> <benchmark>...
#   bench/compare-revisions.sh HEAD~3 append-throughput hot-stream http-revisions
# The other revision is checked out in a temporary git worktree that shares node_modules, and
# built. Each benchmark runs ROUNDS times (default 2): base then this tree, interleaved, except
# http-revisions, which runs once per round in this tree and keeps both builds' apps alive
# side by side (the comparison it reports is within one run).
# Logs go to $OUT (default a new folder under /tmp), one file per round, benchmark and tree.
set -euo pipefail
if [ "$#" -lt 2 ]; then
  echo "usage: $0 <revision> <benchmark>..." >&2
  exit 2
fi
revision=$1
shift
here=$(git rev-parse --show-toplevel)
base=$(mktemp -d)
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
cleanup() { git -C "$here" worktree remove --force "$base" >/dev/null 2>&1 || true; }
trap cleanup EXIT
git -C "$here" worktree add --force --detach "$base" "$revision" >/dev/null
ln -s "$here/node_modules" "$base/node_modules"
# A benchmark the other revision does not have yet runs there from this tree's file (it must
# compile against that revision's code), with this tree's runner, which knows its name.
for bench in "$@"; do
  if [ "$bench" != http-revisions ] && [ ! -f "$base/bench/$bench.bench.ts" ] &&
    [ -f "$here/bench/$bench.bench.ts" ]; then
    cp "$here/bench/$bench.bench.ts" "$here/bench/run-benchmarks.ts" "$base/bench/"
  fi
done
(cd "$base" && npm run build >"$out/base-build.log" 2>&1) || {
  echo "the base revision did not build: see $out/base-build.log" >&2
  exit 1
}
for round in $(seq 1 "${ROUNDS:-2}"); do
  for bench in "$@"; do
    if [ "$bench" = http-revisions ]; then
      log="$out/$round-$bench.log"
      echo "round $round: $bench, base and this side by side ($(date +%T)) -> $log"
      (cd "$here" && BENCH_REV_BASE="$base" npm run bench -- "$bench" >"$log" 2>&1) ||
        echo "  failed (exit $?): see $log"
      continue
    fi
    for tree in "$base" "$here"; do
      label=$([ "$tree" = "$base" ] && echo base || echo this)
      log="$out/$round-$bench-$label.log"
      echo "round $round: $bench on $label ($(date +%T)) -> $log"
      (cd "$tree" && npm run bench -- "$bench" >"$log" 2>&1) || echo "  failed (exit $?): see $log"
    done
  done
done
