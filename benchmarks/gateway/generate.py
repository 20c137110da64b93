#!/usr/bin/env python3
"""Writes a campaign for the gateway benchmark and the drills: N residents and one arrangement each.

    generate.py --count N --channel sms|email --residents FILE --arrangements FILE [--prefix R] [--start 1]

Residents have quiet hours off ("none") so that a benchmark never waits for the morning, fi/sv/en in turn, valid
E.164 numbers and example.org addresses. Each arrangement is a preschool place offer with a unique idempotency key.
"""

import argparse
import json


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--channel", choices=["sms", "email"], default="sms")
    parser.add_argument("--residents", required=True)
    parser.add_argument("--arrangements", required=True)
    parser.add_argument("--prefix", default="R")
    parser.add_argument("--start", type=int, default=1)
    args = parser.parse_args()
    langs = ("fi", "sv", "en")
    units = ("Kallion päiväkoti", "Daghemmet Skatan", "Vuosaaren päiväkoti Meri", "Päiväkoti Kotikallio")
    with open(args.residents, "w", encoding="utf-8") as residents, \
            open(args.arrangements, "w", encoding="utf-8") as arrangements:
        for n in range(args.start, args.start + args.count):
            rid = "%s%07d" % (args.prefix, n)
            residents.write(json.dumps({
                "id": rid, "name": "Resident %d" % n, "lang": langs[n % 3],
                "email": "resident%d@example.org" % n, "phone": "+35840%07d" % n,
                "channel": args.channel, "consent": {"email": True, "sms": True}, "quiet_hours": "none",
            }, ensure_ascii=False) + "\n")
            arrangements.write(json.dumps({
                "resident": rid, "kind": "preschool_place",
                "details": {"unit": units[n % len(units)], "start_date": "2027-08-0%d" % (1 + n % 9),
                            "accept_by": "2027-05-15"},
                "idempotency_key": "bench-%s-%d" % (args.prefix, n),
            }, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
