#!/usr/bin/env bash
# buf breaking against another git revision (default: main, or the previous
# commit when we are on main). The contract imports google/api from
# node_modules, which git does not hold, so the old revision is built into an
# image with today's node_modules and compared against that.
set -euo pipefail
cd "$(dirname "$0")/.."
ref="${1:-}"
if [ -z "$ref" ]; then
  if [ "$(git rev-parse HEAD)" = "$(git rev-parse main 2>/dev/null || true)" ]; then ref="HEAD~1"; else ref="main"; fi
fi
if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null || ! git cat-file -e "$ref:proto" 2>/dev/null; then
  echo "buf breaking: no contract at $ref, nothing to compare"
  exit 0
fi
old=$(mktemp -d)
trap 'rm -rf "$old"' EXIT
git archive "$ref" proto buf.yaml | tar -x -C "$old"
ln -s "$PWD/node_modules" "$old/node_modules"
(cd "$old" && buf build -o image.binpb)
buf build -o "$old/current.binpb"
# Both sides are images of the whole workspace; only our proto/ changes.
buf breaking "$old/current.binpb" --against "$old/image.binpb" --config '{"version":"v2","breaking":{"use":["FILE"]}}'

echo "buf breaking: no breaking changes against $ref"
