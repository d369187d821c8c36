#!/usr/bin/env python3
"""
clean_data: "Clean and validate the data"

Reads data/example_pipeline/raw.json, drops duplicates, missing values
and impossible temperatures, and writes the rest sorted to
data/example_pipeline/clean.csv.
"""
import csv
import json
import os
import sys

IN_PATH = os.path.join("data", "example_pipeline", "raw.json")
OUTPUT = os.path.join("data", "example_pipeline", "clean.csv")


def main():
    try:
        print("Cleaning data...")
        with open(IN_PATH) as f:
            readings = json.load(f)["readings"]

        seen, clean = set(), []
        dropped = {"duplicate": 0, "missing": 0, "out_of_range": 0}
        for r in readings:
            key = (r["station"], r["date"])
            if key in seen:
                dropped["duplicate"] += 1
                continue
            seen.add(key)
            if r.get("temp_c") is None:
                dropped["missing"] += 1
            elif not -60 <= r["temp_c"] <= 60:
                dropped["out_of_range"] += 1
            else:
                clean.append(r)
        clean.sort(key=lambda r: (r["station"], r["date"]))

        tmp = OUTPUT + ".tmp"
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["station", "date", "temp_c",
                                              "humidity"])
            w.writeheader()
            w.writerows(clean)
        os.replace(tmp, OUTPUT)

        print(f"Kept {len(clean)} of {len(readings)} readings; dropped "
              + ", ".join(f"{n} {why}" for why, n in dropped.items()))
        print(f"Clean data -> {OUTPUT}")
        return 0
    except Exception as e:
        print(f"Clean failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
