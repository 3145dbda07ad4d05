#!/bin/bash
# Score an answer set over documents the system was not developed on.
#   bash eval/unseen/run.sh [xa|xb|xc|xd|xe] [extra `yttra eval` flags, e.g. --json]
# xa: the five documents of corpus/ plus the three here (eight); eval/unseen/answers.jsonl.
# xb: those eight plus the three of eval/unseen/xb/ (a DOCX, a PDF and a protokollsutdrag; eleven);
#     eval/unseen/xb/answers.jsonl.
# xc: those eleven plus the three of eval/unseen/xc/ (the programme 2032-2035 as a PDF, an OCR text, a DOCX;
#     fourteen); eval/unseen/xc/answers.jsonl.
# xd: those fourteen plus the three of eval/unseen/xd/ (a two-column PDF, a company's letter as a DOCX, a
#     nämnd's second response, to a later version; seventeen); eval/unseen/xd/answers.jsonl.
# xe: those seventeen plus the three of eval/unseen/xe/ (a PDF whose synpunkter are a table, a protokollsutdrag
#     as a DOCX with a reservation and a särskilt uttalande, a short yttrande that declines to comment on most;
#     twenty); eval/unseen/xe/answers.jsonl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
set_name="xa"
if [[ "${1:-}" =~ ^x[abcde]$ ]]; then set_name="$1"; shift; fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
cp "$repo"/corpus/*.txt "$here"/00*.txt "$work/corpus/"
{ cat "$repo/corpus/metadata.yaml"; echo; cat "$here/metadata_new.yaml"; } > "$work/corpus/metadata.yaml"
answers="$here/answers.jsonl"
for extra in xb xc xd xe; do  # each set holds the documents of the sets before it
  [[ "$set_name" < "$extra" ]] && break
  cp "$here"/$extra/0[0-9][0-9]_* "$work/corpus/"
  { echo; cat "$here/$extra/metadata.yaml"; } >> "$work/corpus/metadata.yaml"
  answers="$here/$extra/answers.jsonl"
done
export YTTRA_CORPUS_DIR="$work/corpus" YTTRA_INDEX_DIR="$work/index"
"$repo/.venv/bin/yttra" ingest >/dev/null
"$repo/.venv/bin/yttra" eval --answers --split all --answer-set "$answers" "$@"
