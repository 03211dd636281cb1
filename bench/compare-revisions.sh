#!/usr/bin/env bash
# Runs benchmarks on another revision and on this working tree, interleaved, so both meet the
# same machine: base then this tree, for each benchmark, ROUNDS times (default 2).
#   bench/compare-revisions.sh <revision> <benchmark>...
#   bench/compare-revisions.sh HEAD~3 append-throughput hot-stream http-deposits
# Logs go to $OUT (default a new folder under /tmp), one file per round, benchmark and tree.
# The other revision is checked out in a temporary git worktree that shares node_modules.
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
cleanup() { git -C "$here" worktree remove --force "$base" >/dev/null 2>&1 || true; }
trap cleanup EXIT
git -C "$here" worktree add --force --detach "$base" "$revision" >/dev/null
ln -s "$here/node_modules" "$base/node_modules"
for round in $(seq 1 "${ROUNDS:-2}"); do
  for bench in "$@"; do
    for tree in "$base" "$here"; do
      label=$([ "$tree" = "$base" ] && echo base || echo this)
      log="$out/$round-$bench-$label.log"
      echo "round $round: $bench on $label ($(date +%T)) -> $log"
      (cd "$tree" && npm run bench -- "$bench" >"$log" 2>&1) || echo "  failed (exit $?): see $log"
    done
  done
done
