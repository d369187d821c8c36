#!/usr/bin/env python3
"""Facebook Ads transform: insights rows -> the shared schema.

Reads the Graph API insights response (the output of the extract or
extract_demo http step: {"data": [...], "paging": ...}) from
$BATON_INPUT, keeps it as data/raw/facebook/DATE.json, maps each row to
{platform, campaign_id, date, impressions, clicks, spend} and writes
data/normalized/facebook/DATE.json (under a TENANT/ folder in a
tenant's run).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

PLATFORM = "facebook"


def normalize(row):
    if row["date_start"] != row["date_stop"]:
        raise ValueError(f"campaign {row['campaign_id']}: not a daily row")
    out = {
        "platform": PLATFORM,
        "campaign_id": row["campaign_id"],
        "date": row["date_start"],
        "impressions": int(row["impressions"]),
        "clicks": int(row["clicks"]),
        "spend": round(float(row["spend"]), 2),
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
        rows = [normalize(r) for r in response["data"]]
    except (KeyError, TypeError, ValueError) as e:
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
