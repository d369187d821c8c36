#!/usr/bin/env python3
"""
generate_report: "Create analysis report"

Renders data/example_pipeline/analysis.json as a Markdown table in
data/example_pipeline/report.md.
"""
import json
import os
import sys

IN_PATH = os.path.join("data", "example_pipeline", "analysis.json")
OUTPUT = os.path.join("data", "example_pipeline", "report.md")


def main():
    try:
        print("Generating report...")
        with open(IN_PATH) as f:
            stations = json.load(f)["stations"]

        lines = ["# Station temperatures, January 2026", "",
                 "| station | days | min C | mean C | max C | humidity % "
                 "| trend C/day |",
                 "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, s in sorted(stations.items()):
            lines.append(f"| {name} | {s['days']} | {s['min_c']} | "
                         f"{s['mean_c']} | {s['max_c']} | "
                         f"{s['mean_humidity']} | {s['trend_c_per_day']:+} |")
        warmest = max(stations, key=lambda k: stations[k]["mean_c"])
        lines += ["", f"Warmest on average: {warmest} "
                      f"({stations[warmest]['mean_c']} C)."]

        with open(OUTPUT, "w") as f:
            f.write("\n".join(lines) + "\n")
        print("\n".join(lines))
        print(f"Report -> {OUTPUT}")
        return 0
    except Exception as e:
        print(f"Report failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
