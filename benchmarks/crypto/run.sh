#!/usr/bin/env bash
# ID-token signature verification speed: Neuvo's RS256/ES256 (NeuvoCrypto, release build) against PyJWT on
# `cryptography` (OpenSSL) in its own venv, same tokens, same run.
#   benchmarks/crypto/run.sh [tokens per algorithm, default 50] [rounds, default 20]
set -euo pipefail
cd "$(dirname "$0")"
venv=.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pyjwt cryptography
fi
swift build -c release --product jws-bench --scratch-path .build >&2
"$venv/bin/python" compare.py .build/release/jws-bench "${1:-50}" "${2:-20}"
