#!/usr/bin/env python3
"""
fetch_data: "Download data from external API"

This example stays offline: instead of calling a weather API it produces
the same kind of answer locally - a fixed, seeded set of daily readings
from five stations, including the glitches real feeds have (missing
values, sensor errors, repeated records) for clean_data to deal with.

Writes data/example_pipeline/raw.json.
"""
import datetime
import json
import os
import random
import sys

OUT_DIR = os.path.join("data", "example_pipeline")
OUTPUT = os.path.join(OUT_DIR, "raw.json")
STATIONS = {"OSL": -4.0, "BER": 1.0, "MAD": 9.0, "LIS": 12.0, "REK": -1.0}
DAYS = 30
FIRST_DAY = datetime.date(2026, 1, 1)


def fake_api_response():
    rng = random.Random("example_pipeline:2026-01")
    readings = []
    for station, base in STATIONS.items():
        for d in range(DAYS):
            day = (FIRST_DAY + datetime.timedelta(days=d)).isoformat()
            temp = round(base + rng.gauss(0, 3) + d * 0.05, 1)
            glitch = rng.random()
            if glitch < 0.04:
                temp = None                 # missing value
            elif glitch < 0.06:
                temp = 999.9                # sensor error code
            reading = {"station": station, "date": day, "temp_c": temp,
                       "humidity": rng.randint(40, 100)}
            readings.append(reading)
            if rng.random() < 0.03:
                readings.append(dict(reading))  # duplicate delivery
    return {"source": "offline sample (stands in for a weather API)",
            "readings": readings}


def main():
    try:
        print("Fetching data...")
        os.makedirs(OUT_DIR, exist_ok=True)
        data = fake_api_response()
        tmp = OUTPUT + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, OUTPUT)
        print(f"Fetched {len(data['readings'])} readings from "
              f"{len(STATIONS)} stations -> {OUTPUT}")

        # Optional: when run by baton, $BATON_OUTPUT receives this step's
        # output and its metrics appear in the run summary.  Under any
        # other runner the variable is unset and nothing changes.
        if os.environ.get("BATON_OUTPUT"):
            with open(os.environ["BATON_OUTPUT"], "w") as f:
                json.dump({"path": OUTPUT, "metrics": {
                    "rows_processed": len(data["readings"])}}, f)
        return 0
    except Exception as e:
        print(f"Fetch failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
