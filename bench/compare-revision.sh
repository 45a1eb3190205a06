#!/usr/bin/env bash
# `npm run bench:compare -- <revision> [rounds]`: the gateway and ingestion benchmarks of an
# earlier revision and of this tree, alternated (old, new, new, old, ...) in one run, so a
# change's cost is read as the ratio of ratios measured on the same machine at the same time.
# The earlier revision is checked out once into a cache outside the clone, with its own install.
set -euo pipefail
cd "$(dirname "$0")/.."

revision="${1:?usage: npm run bench:compare -- <revision> [rounds]}"
rounds="${2:-2}"
commit="$(git rev-parse --verify "$revision^{commit}")"
base="${XDG_CACHE_HOME:-$HOME/.cache}/leadgraph/bench-revisions/${commit:0:12}"

if [ ! -d "$base/node_modules" ]; then
  echo "bench:compare: checking out ${commit:0:12} into $base and installing it (once)" >&2
  rm -rf "$base" && mkdir -p "$base"
  git archive "$commit" | tar -x -C "$base"
  (cd "$base" && npm install --no-audit --no-fund >/dev/null)
fi

export BENCH_ONLY="${BENCH_ONLY:-gateway,ingest}"
out="$(mktemp -d)"
run() { # $1 label, $2 folder
  echo "bench:compare: $1" >&2
  (cd "$2" && npm run --silent bench) | tee -a "$out/$1.txt"
}
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then run before "$base"; run after .; else run after .; run before "$base"; fi
done

# The headline lines of each side, one per run, to set side by side (a part left out by BENCH_ONLY has none).
for side in before after; do
  if [ "$side" = before ]; then echo "== before: ${commit:0:12}"; else echo "== after: this tree"; fi
  grep -E 'ratio (gateway / baseline|committed events/s)|enrichLead → leadScored|one local vendor answering at once' "$out/$side.txt" | sed 's/^ */  /' || true
done
