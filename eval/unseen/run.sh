#!/bin/bash
# Score the answer set over eight documents: the five of corpus/ plus the three unseen ones here.
# usage: bash eval/unseen/run.sh [extra `yttra eval` flags, e.g. --json]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
cp "$repo"/corpus/*.txt "$here"/00*.txt "$work/corpus/"
{ cat "$repo/corpus/metadata.yaml"; echo; cat "$here/metadata_new.yaml"; } > "$work/corpus/metadata.yaml"
export YTTRA_CORPUS_DIR="$work/corpus" YTTRA_INDEX_DIR="$work/index"
"$repo/.venv/bin/yttra" ingest >/dev/null
"$repo/.venv/bin/yttra" eval --answers --split all --answer-set "$here/answers.jsonl" "$@"
