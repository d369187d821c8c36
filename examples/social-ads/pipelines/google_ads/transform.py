#!/usr/bin/env python3
"""Google Ads transform: searchStream results -> the shared schema.

Reads the searchStream response (the output of the extract or
extract_demo http step: a list of result batches) from $BATON_INPUT,
keeps it as data/raw/google/DATE.json, flattens the batches into
{platform, campaign_id, date, impressions, clicks, spend} rows and
writes data/normalized/google/DATE.json (under a TENANT/ folder in a
tenant's run).  Cost arrives in
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
    date = adslib.run_date()
    response = adslib.read_extract()
    raw = adslib.day_path("raw", PLATFORM, date)
    adslib.write_json_atomic(raw, response)
    try:
        rows = [normalize(r) for batch in response
                for r in batch.get("results", [])]
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        adslib.fail(f"{adslib.rel(raw)}: bad result: {e}")
    path = adslib.day_path("normalized", PLATFORM, date)
    adslib.write_json_atomic(path, {"platform": PLATFORM, "date": date,
                                    "rows": rows})
    print(f"{PLATFORM} {date}: normalized {len(rows)} rows "
          f"-> {adslib.rel(path)}")
    adslib.write_output({"platform": PLATFORM, "date": date,
                         "raw": adslib.rel(raw), "path": adslib.rel(path),
                         "rows": len(rows)})


if __name__ == "__main__":
    main()
