"""scikit-learn peer for the NLU benchmark: TF-IDF (char_wb 1-4 + word 1-2) + LinearSVC(C=0.5).

Prints one JSON object with the keys of Neuvo's EvaluationReport that both can fill.
Usage: sklearn_peer.py TRAIN.jsonl TEST.jsonl
"""
import json
import statistics
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC


def load(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r["text"] for r in rows], [r["intent"] for r in rows]


def main():
    train_x, train_y = load(sys.argv[1])
    test_x, test_y = load(sys.argv[2])
    pipeline = make_pipeline(
        FeatureUnion([
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4))),
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2))),
        ]),
        LinearSVC(C=0.5),
    )
    start = time.perf_counter()
    pipeline.fit(train_x, train_y)
    fit_seconds = time.perf_counter() - start

    predicted = []
    micros = []
    for text in test_x:  # one message at a time, as a chatbot sees them
        begin = time.perf_counter()
        predicted.append(pipeline.predict([text])[0])
        micros.append((time.perf_counter() - begin) * 1e6)
    print(json.dumps({
        "accuracy": accuracy_score(test_y, predicted),
        "macro_f1": f1_score(test_y, predicted, average="macro"),
        "train_seconds": fit_seconds,
        "us_per_message": statistics.median(micros),
    }))


if __name__ == "__main__":
    main()
