#!/usr/bin/env bash
# Language identification benchmark: `neuvo nlu detect` against lingua (high-accuracy mode, restricted to
# fi/sv/en) on the MASSIVE dev utterances, side by side in the same run.
#   NEUVO_BIN=path         the neuvo binary (default: release build)
#   NEUVO_SHARED_DATA=dir  data folder (default ../shared/data from the project root)
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${NEUVO_SHARED_DATA:-../shared/data}/massive"
venv=benchmarks/langid/.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet lingua-language-detector
fi
if [ -z "${NEUVO_BIN:-}" ]; then
    swift build -c release --product neuvo >&2
    NEUVO_BIN=.build/release/neuvo
fi
"$venv/bin/python" benchmarks/langid/compare.py "$NEUVO_BIN" "$data"
