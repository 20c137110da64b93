"""Accuracy and speed of Neuvo's language identification against lingua on MASSIVE dev (a benchmark peer only)."""
import json
import subprocess
import sys
import time

from lingua import Language, LanguageDetectorBuilder

neuvo, data = sys.argv[1], sys.argv[2]
rows = []
for lang in ("fi", "sv", "en"):
    with open(f"{data}/{lang}.dev.jsonl", encoding="utf-8") as handle:
        rows += [(json.loads(line)["text"], lang) for line in handle if line.strip()]

# Neuvo: one process, one line per message, each judged on its own text (--independent: no fallback to the
# previous line's language), as lingua judges them.
texts = "".join(text.replace("\n", " ") + "\n" for text, _ in rows)
start = time.perf_counter()
output = subprocess.run(
    [neuvo, "nlu", "detect", "--independent"], input=texts.encode(), capture_output=True, check=True
).stdout
neuvo_seconds = time.perf_counter() - start
ours = [line.split()[0] for line in output.decode().splitlines()]

codes = {Language.FINNISH: "fi", Language.SWEDISH: "sv", Language.ENGLISH: "en"}
detector = LanguageDetectorBuilder.from_languages(*codes).with_preloaded_language_models().build()
start = time.perf_counter()
theirs = [codes.get(detector.detect_language_of(text), "?") for text, _ in rows]
lingua_seconds = time.perf_counter() - start

print("| lang | neuvo % | lingua % | messages |")
print("|---|---|---|---|")
for lang in ("fi", "sv", "en"):
    idx = [i for i, (_, gold) in enumerate(rows) if gold == lang]
    a = sum(ours[i] == lang for i in idx) / len(idx)
    b = sum(theirs[i] == lang for i in idx) / len(idx)
    print(f"| {lang} | {100 * a:.2f} | {100 * b:.2f} | {len(idx)} |")
print()
print(f"neuvo: {1e6 * neuvo_seconds / len(rows):.1f} µs per message including process start and I/O; "
      f"lingua: {1e6 * lingua_seconds / len(rows):.1f} µs per message in-process")
