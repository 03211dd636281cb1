#!/usr/bin/env bash
# Generates a bounded context into a scratch copy of the repository, checks that it touched
# nothing outside its folder but the AppModule's import of it, and runs on it what CI runs:
# the type check, the linters, its own tests, and the suites every context must pass (the
# access matrix, the OpenAPI rules, the migrations).
#   tools/generator/check-in-scratch-copy.sh [name] [generator arguments...]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
name=${1:-loyalty-points}
shift || true
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The working tree as git sees it (tracked and new files; nothing ignored, no build output).
(cd "$here" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
  tar -C "$scratch" -xf -
ln -s "$here/node_modules" "$scratch/node_modules"
cd "$scratch"

echo "== generate context $name (in $scratch)"
npm run --silent generate -- context "$name" "$@"

echo "== only src/$name and the AppModule's import changed"
changed=$(diff -rq "$here/src" "$scratch/src" | sed "s#$here/##g; s#$scratch/##g" || true)
expected="Files src/app.module.ts and src/app.module.ts differ
Only in src: $name"
if [ "$changed" != "$expected" ]; then
  printf 'unexpected changes:\n%s\n' "$changed" >&2
  exit 1
fi
diff "$here/src/app.module.ts" src/app.module.ts || true

echo "== typecheck and lint"
npm run --silent typecheck
npx eslint "src/$name" src/app.module.ts
npx prettier --check "src/$name" src/app.module.ts

echo "== its tests, and the suites every context passes"
npx jest --ci "src/$name" test/access-matrix.e2e-spec.ts test/openapi-rules.e2e-spec.ts \
  src/database/run-migrations.int-spec.ts
