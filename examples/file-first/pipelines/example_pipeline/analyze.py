#!/usr/bin/env python3
"""
analyze_data: "Perform data analysis"

Per station: number of days, min / mean / max temperature, mean
humidity and the warming trend (least-squares slope in degrees per day).
Writes data/example_pipeline/analysis.json.
"""
import csv
import datetime
import json
import os
import sys

IN_PATH = os.path.join("data", "example_pipeline", "clean.csv")
OUTPUT = os.path.join("data", "example_pipeline", "analysis.json")


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    if not var:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var


def main():
    try:
        print("Analyzing data...")
        by_station = {}
        with open(IN_PATH, newline="") as f:
            for row in csv.DictReader(f):
                by_station.setdefault(row["station"], []).append(row)

        stats = {}
        for station, rows in sorted(by_station.items()):
            temps = [float(r["temp_c"]) for r in rows]
            days = [datetime.date.fromisoformat(r["date"]).toordinal()
                    for r in rows]
            stats[station] = {
                "days": len(rows),
                "min_c": min(temps),
                "mean_c": round(sum(temps) / len(temps), 2),
                "max_c": max(temps),
                "mean_humidity": round(
                    sum(int(r["humidity"]) for r in rows) / len(rows), 1),
                "trend_c_per_day": round(slope(days, temps), 3),
            }
            print(f"  {station}: {stats[station]['days']} days, "
                  f"mean {stats[station]['mean_c']} C")

        tmp = OUTPUT + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"stations": stats}, f, indent=2, sort_keys=True)
        os.replace(tmp, OUTPUT)
        print(f"Analysis of {len(stats)} stations -> {OUTPUT}")
        return 0
    except Exception as e:
        print(f"Analysis failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
