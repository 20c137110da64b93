#!/usr/bin/env python3
"""Turns what run.sh measured (in its work folder) into the table and results JSON."""

import argparse
import json
import os
import platform
import re
import statistics


def read(path, default=""):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return default


def load_json(path):
    try:
        return json.loads(read(path, "{}") or "{}")
    except ValueError:
        return {}


def peak_rss_mb(work, name):
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", read(os.path.join(work, name + ".time")))
    return int(match.group(1)) / 1024 if match else None


def rss_samples(work, name):
    samples = []
    for line in read(os.path.join(work, name + ".rss")).splitlines():
        parts = line.split()
        if len(parts) == 2:
            samples.append((float(parts[0]), int(parts[1]) / 1024))
    return samples


def wrk_rate(work, name):
    match = re.search(r"Requests/sec:\s+([\d.]+)", read(os.path.join(work, name)))
    return float(match.group(1)) if match else None


def rate(count, seconds):
    return count / seconds if seconds else None


def fmt(value, unit="", digits=0):
    if value is None:
        return "-"
    return ("{:,.%df}" % digits).format(value) + unit


def main():
    p = argparse.ArgumentParser()
    for name in ("work", "commit", "json"):
        p.add_argument("--" + name, required=True)
    for name in ("count", "queued", "sent", "paced-count", "emails", "email-sent"):
        p.add_argument("--" + name, type=int, required=True)
    for name in ("import-s", "arrange-s", "dispatch-s", "paced-s", "email-s", "email-fast-s"):
        p.add_argument("--" + name, type=float, required=True)
    a = p.parse_args()
    w = a.work

    sink = load_json(os.path.join(w, "sink-dispatch.json"))
    paced = load_json(os.path.join(w, "sink-paced.json"))
    wrk = load_json(os.path.join(w, "sink-wrk.json"))
    c2 = wrk_rate(w, "wrk-c2.txt")
    # Rounds: the campaign dispatched from the same queued outbox, each followed by the sink's capacity at 32
    # connections. Delivery and capacity are each the median of the rounds; their ratio is the share.
    rounds = []
    for line in read(os.path.join(w, "dispatch-rounds.txt")).splitlines():
        number, sent, seconds = line.split()
        capacity_round = wrk_rate(w, "wrk-c32-round{}.txt".format(number))
        rounds.append({"round": int(number), "sent": int(sent), "seconds": float(seconds),
                       "per_second": rate(int(sent), float(seconds)), "sink_capacity": capacity_round})
    c32 = statistics.median([r["sink_capacity"] for r in rounds if r["sink_capacity"]] or [0]) or None
    capacity = c32
    delivery = statistics.median([r["per_second"] for r in rounds if r["per_second"]] or [0]) or None
    sink_side = rate(sink.get("requests", 0), sink.get("span_seconds"))
    paced_rate = rate(paced.get("requests", 0), a.paced_s) if a.paced_count else None
    queue_rate = rate(a.queued, a.arrange_s)
    samples = rss_samples(w, "dispatch")
    peak = peak_rss_mb(w, "dispatch")
    steady = [mb for t, mb in samples if t >= 2] or [mb for _, mb in samples]
    quarter = max(1, len(steady) // 4)
    growth = (max(steady[-quarter:]) - max(steady[:quarter])) if steady else None
    timeline = []
    if samples:
        step = max(1, len(samples) // 10)
        timeline = [(t, round(mb, 1)) for t, mb in samples[::step]] + [(samples[-1][0], round(samples[-1][1], 1))]
    # Where the dispatcher's time goes, seen from the sink: requests arrive back to back while batches overlap;
    # a gap over 5 ms is the network waiting for the dispatcher (recording, claiming, rendering; no sends).
    arrivals = [float(x) for x in read(os.path.join(w, "arrivals-campaign.txt")).split()]
    breakdown = None
    if len(arrivals) > 1 and a.dispatch_s:
        gaps = [q - p for p, q in zip(arrivals, arrivals[1:])]
        between = [g for g in gaps if g > 0.005]
        within = sum(g for g in gaps if g <= 0.005)
        breakdown = {
            "wall_seconds": a.dispatch_s,
            "startup_and_exit_seconds": a.dispatch_s - (arrivals[-1] - arrivals[0]),
            "between_batches_seconds": sum(between),
            "between_batch_gaps": len(between),
            "sending_seconds": within,
            "sending_us_per_request": 1e6 * within / max(1, len(gaps) - len(between)),
        }
    smtp_load = load_json(os.path.join(w, "smtp-load.json"))
    ehlo = {}
    for run in ("default", "fast"):
        before, after = read(os.path.join(w, "ehlo-before-" + run), "0").strip(), read(
            os.path.join(w, "ehlo-after-" + run), "0").strip()
        ehlo[run] = int(after or 0) - int(before or 0)
    mails = int(read(os.path.join(w, "mails-after-fast"), "0").strip() or 0)

    results = {
        "commit": a.commit,
        "machine": "{} cores, {}".format(os.cpu_count(), platform.platform()),
        "campaign": a.count,
        "import_seconds": a.import_s,
        "import_per_second": rate(a.count, a.import_s),
        "arrange_seconds": a.arrange_s,
        "queued": a.queued,
        "queue_per_second": queue_rate,
        "arrange_peak_rss_mb": peak_rss_mb(w, "arrange"),
        "dispatch_seconds": a.dispatch_s,
        "sent": a.sent,
        "delivery_per_second": delivery,
        "delivery_per_second_sink_side": sink_side,
        "sink_requests": sink.get("requests"),
        "sink_distinct_ids": sink.get("distinct_ids"),
        "sink_duplicates": sink.get("duplicates"),
        "sink_verified_sample": sink.get("verified"),
        "sink_verify_failed": sink.get("verify_failed"),
        "sink_peak_per_second": sink.get("peak_per_second"),
        "sink_capacity_c2": c2,
        "sink_capacity_c32": c32,
        "sink_capacity": capacity,
        "delivery_share_of_capacity": (delivery / capacity) if delivery and capacity else None,
        "rounds": rounds,
        "dispatch_breakdown": breakdown,
        "paced_count": a.paced_count,
        "paced_seconds": a.paced_s,
        "paced_per_second": paced_rate,
        "paced_sink_peak_per_second": paced.get("peak_per_second"),
        "paced_peak_rss_mb": peak_rss_mb(w, "paced"),
        "dispatch_peak_rss_mb": peak,
        "dispatch_rss_growth_mb": growth,
        "dispatch_rss_timeline": timeline,
        "emails": a.emails,
        "emails_sent": a.email_sent,
        "email_seconds": a.email_s,
        "email_per_second": rate(a.emails, a.email_s),
        "email_connections": ehlo.get("default"),
        "email_fast_seconds": a.email_fast_s,
        "email_fast_per_second": rate(a.emails, a.email_fast_s),
        "email_fast_connections": ehlo.get("fast"),
        "email_peak_rss_mb": peak_rss_mb(w, "email-default"),
        "smtp_sink_messages_stored": mails,
        "smtp_sink_capacity": smtp_load.get("per_second"),
    }
    with open(a.json, "w") as out:
        json.dump(results, out, indent=2)

    r = results
    ok = lambda cond: "met" if cond else "MISSED"
    rows = [
        ("residents import", fmt(a.count), fmt(a.import_s, " s", 2), fmt(r["import_per_second"], "/s"), "", ""),
        ("arrange (queueing)", fmt(a.queued), fmt(a.arrange_s, " s", 2), fmt(queue_rate, "/s"),
         "≥ 20,000/s", ok(queue_rate and queue_rate >= 20000)),
        ("SMS dispatch, rate lifted", fmt(a.sent), "median of {}".format(len(rounds)), fmt(delivery, "/s"),
         "≥ 50 % of sink", ok(r["delivery_share_of_capacity"] and r["delivery_share_of_capacity"] >= 0.5)),
        ("  same, at the sink", fmt(sink.get("requests")), fmt(sink.get("span_seconds"), " s", 2),
         fmt(sink_side, "/s"), "peak {}/s".format(fmt(sink.get("peak_per_second"))), ""),
        ("sink capacity, wrk 2 conns", "", "5 s", fmt(c2, "/s"), "", ""),
        ("sink capacity, wrk 32 conns", "", "median of {} × 5 s".format(len(rounds)), fmt(c32, "/s"),
         "after each dispatch", ""),
        ("delivery / sink capacity", "", "", fmt((r["delivery_share_of_capacity"] or 0) * 100, " %", 1), "", ""),
        ("SMS dispatch, default config", fmt(paced.get("requests")), fmt(a.paced_s, " s", 2), fmt(paced_rate, "/s"),
         "dispatch.sms_rate 1,000/s; sink peak {}/s".format(fmt(paced.get("peak_per_second"))),
         ok(paced_rate and paced.get("peak_per_second", 0) <= 1100) if a.paced_count else ""),
        ("dispatcher peak RSS", "", "", fmt(peak, " MB", 1), "< 100 MB, flat",
         ok(peak and peak < 100 and (growth or 0) < 10)),
        ("dispatcher RSS growth", "", "", fmt(growth, " MB", 1), "last vs first quarter", ""),
        ("email, default config", fmt(a.emails), fmt(a.email_s, " s", 2), fmt(r["email_per_second"], "/s"),
         "{} connection(s)".format(ehlo.get("default")), ""),
        ("email, rate lifted", "", fmt(a.email_fast_s, " s", 2), fmt(r["email_fast_per_second"], "/s"),
         "{} connection(s)".format(ehlo.get("fast")), ""),
        ("aiosmtpd capacity (smtplib, 2 conns)", "", fmt(smtp_load.get("seconds"), " s", 2),
         fmt(smtp_load.get("per_second"), "/s"), "", ""),
    ]
    headers = ("measure", "count", "time", "rate", "target / note", "")
    widths = [max(len(str(row[i])) for row in rows + [headers]) for i in range(6)]
    line = lambda row: "| " + " | ".join(str(c).ljust(widths[i]) for i, c in enumerate(row)) + " |"
    print("Neuvo gateway benchmark — {} (tree at {}), {}".format(
        read(os.path.join(w, "version.txt")).strip(), a.commit, results["machine"]))
    print(line(headers))
    print("|" + "|".join("-" * (wd + 2) for wd in widths) + "|")
    for row in rows:
        print(line(row))
    print("rounds (dispatch, then the sink's capacity): " + "; ".join(
        "{}: {} in {:.2f} s = {}/s, sink {}/s, {} %".format(
            r["round"], fmt(r["sent"]), r["seconds"], fmt(r["per_second"]), fmt(r["sink_capacity"]),
            fmt(100 * r["per_second"] / r["sink_capacity"], "", 1) if r["per_second"] and r["sink_capacity"] else "-")
        for r in rounds))
    print("dispatcher RSS over time (s, MB): " + ", ".join("{:.0f}:{}".format(t, mb) for t, mb in timeline))
    if breakdown:
        print("campaign dispatch, {:.2f} s wall: {:.2f} s start-up and exit, {:.2f} s in gaps over 5 ms ({} gaps: "
              "the network waiting for the dispatcher), {:.2f} s sending ({:.0f} us per request)".format(
                  breakdown["wall_seconds"], breakdown["startup_and_exit_seconds"],
                  breakdown["between_batches_seconds"], breakdown["between_batch_gaps"],
                  breakdown["sending_seconds"], breakdown["sending_us_per_request"]))
    print("sink: {} distinct webhook-ids, {} duplicates, signatures verified on a 1/100 sample: {} ok, {} failed"
          .format(sink.get("distinct_ids"), sink.get("duplicates"), sink.get("verified"), sink.get("verify_failed")))
    if a.emails and a.email_sent != 2 * a.emails:
        print("WARNING: {} of {} emails sent".format(a.email_sent, 2 * a.emails))
    if sink.get("distinct_ids") != a.queued or a.sent != a.queued:
        print("WARNING: {} queued, {} sent, {} distinct ids at the sink".format(a.queued, a.sent, sink.get("distinct_ids")))
    print("results: " + a.json)


if __name__ == "__main__":
    main()
