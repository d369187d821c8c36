#!/usr/bin/env python3
"""
Process step for My Pipeline

Reads the sample input (creating it on first use), computes per-category
totals and writes them to output/processed.json.
"""
import csv
import json
import os
import sys

INPUT = os.path.join("output", "input.csv")
OUTPUT = os.path.join("output", "processed.json")

SAMPLE = [
    ("2026-01-20", "books", 3, 12.50),
    ("2026-01-20", "games", 1, 59.99),
    ("2026-01-21", "books", 2, 8.00),
    ("2026-01-21", "music", 5, 1.29),
    ("2026-01-22", "games", 2, 19.99),
    ("2026-01-22", "books", 1, 24.00),
    ("2026-01-22", "music", 10, 0.99),
]


def write_sample_input():
    with open(INPUT, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["date", "category", "quantity", "unit_price"])
        writer.writerows(SAMPLE)


def main():
    try:
        print("Starting processing...")

        if not os.path.isdir("output"):
            raise RuntimeError("output/ is missing: "
                               "run the 'setup' step first")
        if not os.path.exists(INPUT):
            write_sample_input()
            print(f"Wrote sample input to {INPUT}")

        totals = {}
        with open(INPUT, newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            amount = int(row["quantity"]) * float(row["unit_price"])
            entry = totals.setdefault(row["category"],
                                      {"orders": 0, "quantity": 0,
                                       "revenue": 0.0})
            entry["orders"] += 1
            entry["quantity"] += int(row["quantity"])
            entry["revenue"] = round(entry["revenue"] + amount, 2)

        with open(OUTPUT, "w") as f:
            json.dump({"rows": len(rows), "categories": totals}, f,
                      indent=2, sort_keys=True)

        print(f"Processed {len(rows)} rows into {len(totals)} categories "
              f"-> {OUTPUT}")
        return 0

    except Exception as e:
        print(f"Processing failed: {e}", file=sys.stderr)
        return 1

if __name__ == "__main__":
    sys.exit(main())
