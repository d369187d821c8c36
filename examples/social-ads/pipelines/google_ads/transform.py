#!/usr/bin/env python3
"""Google Ads transform: searchStream results -> the shared schema.

Reads the extract step's output from $BATON_INPUT, flattens the result
batches into {platform, campaign_id, date, impressions, clicks, spend}
rows and writes data/normalized/google/DATE.json.  Cost arrives in
micros (millionths of the account currency).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

PLATFORM = "google"


def normalize(result):
    metrics = result["metrics"]
    out = {
        "platform": PLATFORM,
        "campaign_id": result["campaign"]["id"],
        "date": result["segments"]["date"],
        "impressions": int(metrics.get("impressions", "0")),
        "clicks": int(metrics.get("clicks", "0")),
        "spend": round(int(metrics.get("costMicros", "0")) / 1_000_000, 2),
    }
    if out["impressions"] < 0 or not 0 <= out["clicks"] <= out["impressions"]:
        raise ValueError(f"campaign {out['campaign_id']}: impossible counts")
    return out


def main():
    extract = adslib.read_input("extract")
    raw = adslib.read_json(extract["path"])
    try:
        rows = [normalize(r) for batch in raw["batches"]
                for r in batch.get("results", [])]
    except (KeyError, ValueError) as e:
        adslib.fail(f"{extract['path']}: bad result: {e}")
    path = adslib.data_path("normalized", PLATFORM, f"{extract['date']}.json")
    adslib.write_json_atomic(path, {"platform": PLATFORM,
                                    "date": extract["date"], "rows": rows})
    print(f"{PLATFORM} {extract['date']}: normalized {len(rows)} rows "
          f"-> {adslib.rel(path)}")
    adslib.write_output({"platform": PLATFORM, "date": extract["date"],
                         "path": adslib.rel(path), "rows": len(rows)})


if __name__ == "__main__":
    main()
