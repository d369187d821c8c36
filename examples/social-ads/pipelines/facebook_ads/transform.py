#!/usr/bin/env python3
"""Facebook Ads transform: insights rows -> the shared schema.

Reads the extract step's output from $BATON_INPUT, flattens the insights
of every ad account into {platform, campaign_id, date, impressions,
clicks, spend} rows and writes data/normalized/facebook/DATE.json.
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
    extract = adslib.read_input("extract")
    raw = adslib.read_json(extract["path"])
    try:
        rows = [normalize(r) for page in raw["accounts"].values()
                for r in page["data"]]
    except (KeyError, ValueError) as e:
        adslib.fail(f"{extract['path']}: bad insights row: {e}")
    path = adslib.data_path("normalized", PLATFORM, f"{extract['date']}.json")
    adslib.write_json_atomic(path, {"platform": PLATFORM,
                                    "date": extract["date"], "rows": rows})
    print(f"{PLATFORM} {extract['date']}: normalized {len(rows)} rows "
          f"-> {adslib.rel(path)}")
    adslib.write_output({"platform": PLATFORM, "date": extract["date"],
                         "path": adslib.rel(path), "rows": len(rows)})


if __name__ == "__main__":
    main()
