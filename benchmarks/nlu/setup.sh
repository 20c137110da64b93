# Sourced by the NLU benchmarks from the project root: the scikit-learn peer's venv ($venv) and the binary
# measured ($NEUVO_BIN, a release build of this checkout unless set).
venv=benchmarks/nlu/.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet scikit-learn
fi
if [ -z "${NEUVO_BIN:-}" ]; then
    swift build -c release --product neuvo >&2
    NEUVO_BIN=.build/release/neuvo
fi
