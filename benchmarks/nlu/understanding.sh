#!/usr/bin/env bash
# Understanding residents: the project's catalog (intents/) against resident messages it never saw, beside a
# scikit-learn peer trained on the same catalog (TF-IDF char_wb 1-4 + word 1-2, LinearSVC, out_of_scope as a
# class), in the same run. Sets: Tests/NeuvoCatalogTests/Fixtures/residents.jsonl (the evaluation set, written
# from the intents' descriptions alone) and heldout.jsonl (the earlier, plainer set). Lines the catalog holds
# verbatim are left out of both models' scores. Then the catalog's own 5-fold cross-validation with the
# calibration and the out-of-scope rejection curve.
#   NEUVO_BIN=path   the binary (default: a release build of this checkout)
set -euo pipefail
cd "$(dirname "$0")/../.."
. benchmarks/nlu/setup.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for set in residents heldout; do
    "$NEUVO_BIN" nlu eval --catalog --catalog-folder . --test "Tests/NeuvoCatalogTests/Fixtures/$set.jsonl" --json \
        >"$work/$set.neuvo.json"
done
"$NEUVO_BIN" nlu eval --catalog --catalog-folder . >"$work/cv.txt"
"$venv/bin/python" - "$work" <<'PY'
import glob, json, re, sys, unicodedata
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

work = sys.argv[1]
def norm(text):  # as Neuvo's TextNormalizer.normalize compares lines: NFC, case-folded, spaces collapsed
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(re.findall(r"\w+", text))
train_x, train_y = [], []
for path in sorted(glob.glob("intents/*.json")):
    intent = json.load(open(path, encoding="utf-8"))
    for lang, examples in intent["examples"].items():
        train_x += examples
        train_y += [intent["id"]] * len(examples)
peer = make_pipeline(FeatureUnion([
    ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4))),
    ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2)))]), LinearSVC(C=0.5))
peer.fit(train_x, train_y)
known = {norm(t) for t in train_x}
print("| set | lang | Neuvo in scope right % | refused % | out of scope refused % | calibration error | scikit-learn in scope right % | out of scope refused % |")
print("|---|---|---|---|---|---|---|---|")
for name in ("residents", "heldout"):
    neuvo = {f["lang"]: f for f in json.load(open(f"{work}/{name}.neuvo.json"))["languages"]}
    rows = [json.loads(l) for l in open(f"Tests/NeuvoCatalogTests/Fixtures/{name}.jsonl", encoding="utf-8") if l.strip()]
    for lang in ("fi", "sv", "en"):
        subset = [r for r in rows if r["lang"] == lang and norm(r["text"]) not in known]
        predicted = peer.predict([r["text"] for r in subset])
        inside = [(r, p) for r, p in zip(subset, predicted) if r["intent"] not in (None, "out_of_scope")]
        outside = [(r, p) for r, p in zip(subset, predicted) if r["intent"] in (None, "out_of_scope")]
        right = sum(p == r["intent"] for r, p in inside) / max(len(inside), 1)
        refused = sum(p == "out_of_scope" for r, p in outside) / max(len(outside), 1)
        f = neuvo[lang]
        print(f"| {name} | {lang} | {100 * f['accuracy']:.1f} ({f['in_scope']}) | {100 * f['in_scope_rejected']:.1f} | "
              f"{100 * f['out_of_scope_rejected']:.1f} ({f['out_of_scope']}) | {f['expected_calibration_error']:.3f} | "
              f"{100 * right:.1f} | {100 * refused:.1f} |")
print()
print("```")
print(open(f"{work}/cv.txt").read().split("\nintent ")[0].rstrip())
print("```")
PY
