#!/usr/bin/env bash
# The baseline rows of docs/realistic-corpus.md: the current `dns` tools with their default features (both, since
# issue #12) on a generated realistic corpus — index it, then for each policy score every query against the library
# (`dns similarity`), evaluate with the FIVR protocol (`dns eval`) and per edit (`RealisticCorpus per-edit`). Everything
# runs under `nice -n 19`.
#   samples/RealisticCorpus/baseline.sh CORPUS [WORK] [POLICIES...]
# CORPUS is generate's --output folder; WORK (default CORPUS/baseline) receives the index, the results and baseline.log.
set -euo pipefail
corpus=${1:?usage: baseline.sh CORPUS [WORK] [POLICIES...]}
work=${2:-$corpus/baseline}
shift $(( $# < 2 ? $# : 2 ))
policies=("$@")
[ ${#policies[@]} -gt 0 ] || policies=(coarse topk:50 topk:100 fine)
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work"
log="$work/baseline.log"

dotnet build "$root/src/DnS.Cli" -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build "$root/samples/RealisticCorpus" -c Release -nologo -clp:ErrorsOnly >/dev/null
dns() { nice -n 19 dotnet run -c Release --no-build --project "$root/src/DnS.Cli" -- "$@"; }
per_edit() { nice -n 19 dotnet run -c Release --no-build --project "$root/samples/RealisticCorpus" -- per-edit "$@"; }

if [ ! -d "$work/index" ]; then
  start=$(date +%s)
  dns index "$corpus/videos" --index "$work/index" | tail -n 3 | tee -a "$log"
  echo "index: $(( $(date +%s) - start )) s wall" | tee -a "$log"
fi
for policy in "${policies[@]}"; do
  name=${policy//:/-}
  echo "== $policy" | tee -a "$log"
  dns similarity --index "$work/index" --queries "$corpus/queries.txt" --output "$work/results-$name.json" --policy "$policy" | tee -a "$log"
  dns eval --results "$work/results-$name.json" --annotations "$corpus/annotation.json" --dataset "$corpus/dataset.txt" --json | tee -a "$log"
  per_edit --results "$work/results-$name.json" --edits "$corpus/edits.json" | tee -a "$log"
done
