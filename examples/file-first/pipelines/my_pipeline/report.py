#!/usr/bin/env python3
"""
Report step for My Pipeline

Turns output/processed.json into a small text report, output/report.txt.
"""
import json
import os
import sys

INPUT = os.path.join("output", "processed.json")
OUTPUT = os.path.join("output", "report.txt")


def main():
    try:
        print("Generating report...")

        with open(INPUT) as f:
            data = json.load(f)

        lines = ["My Pipeline report", "==================", "",
                 f"{'category':<10} {'orders':>6} {'quantity':>8} "
                 f"{'revenue':>9}"]
        total = 0.0
        for name, c in sorted(data["categories"].items()):
            lines.append(f"{name:<10} {c['orders']:>6} {c['quantity']:>8} "
                         f"{c['revenue']:>9.2f}")
            total += c["revenue"]
        lines += ["", f"{data['rows']} input rows, total revenue "
                      f"{total:.2f}"]

        with open(OUTPUT, "w") as f:
            f.write("\n".join(lines) + "\n")

        print("\n".join(lines))
        print(f"Report written to {OUTPUT}")
        return 0

    except Exception as e:
        print(f"Report failed: {e}", file=sys.stderr)
        return 1

if __name__ == "__main__":
    sys.exit(main())
