#!/usr/bin/env python3
"""Microsoft Ads transform: the raw report -> the shared schema.

Reads the path of the downloaded report (the output of the extract or
extract_demo step) from $BATON_INPUT, maps each report row to
{platform, campaign_id, date, impressions, clicks, spend} and writes
data/normalized/microsoft/DATE.json (under a TENANT/ folder in a
tenant's run).  Bing reports carry every value as
a string, so this is mostly type conversion and checks.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

PLATFORM = "microsoft"


def normalize(row):
    out = {
        "platform": PLATFORM,
        "campaign_id": row["CampaignId"],
        "date": row["TimePeriod"],
        "impressions": int(row["Impressions"]),
        "clicks": int(row["Clicks"]),
        "spend": round(float(row["Spend"]), 2),
    }
    if out["impressions"] < 0 or not 0 <= out["clicks"] <= out["impressions"]:
        raise ValueError(f"campaign {out['campaign_id']}: impossible counts")
    return out


def main():
    extract = adslib.read_extract()
    report = adslib.read_json(extract["path"])
    try:
        rows = [normalize(r) for r in report["Rows"]]
    except (KeyError, ValueError) as e:
        adslib.fail(f"{extract['path']}: bad report row: {e}")
    path = adslib.day_path("normalized", PLATFORM, extract["date"])
    adslib.write_json_atomic(path, {"platform": PLATFORM,
                                    "date": extract["date"], "rows": rows})
    print(f"{PLATFORM} {extract['date']}: normalized {len(rows)} rows "
          f"-> {adslib.rel(path)}")
    adslib.write_output({"platform": PLATFORM, "date": extract["date"],
                         "raw": extract["path"], "path": adslib.rel(path),
                         "rows": len(rows)})


if __name__ == "__main__":
    main()
