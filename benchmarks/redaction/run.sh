#!/usr/bin/env bash
# Redaction against its peer in one process: Neuvo's Redactor (RedactionPattern, a backtracking matcher over UTF-8)
# and the same rules through ICU's NSRegularExpression, on a unit's answer, a resident's message, and 2,000-character chat
# messages shaped to make a backtracking matcher work hardest. Compiled with -O from the sources themselves.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/neuvo-redaction.XXXXXX)
trap 'rm -rf "$work"' EXIT
swiftc -O -module-name RedactionBenchmark Sources/NeuvoSupport/Privacy/RedactionPattern.swift \
    Sources/NeuvoSupport/Privacy/Redactor.swift benchmarks/redaction/ICUPeer.swift benchmarks/redaction/main.swift \
    -o "$work/redaction"
"$work/redaction"
