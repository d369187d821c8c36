#!/usr/bin/env python3
"""LinkedIn Ads transform: adAnalytics elements -> the shared schema.

Reads the adAnalytics response (the output of the extract or
extract_demo http step) from $BATON_INPUT, keeps it as
data/raw/linkedin/DATE.json, maps each element to {platform,
campaign_id, date, impressions, clicks, spend} and writes
data/normalized/linkedin/DATE.json (under a TENANT/ folder in a
tenant's run).  The campaign id is the number at
the end of the sponsoredCampaign URN; the date comes from dateRange.
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

PLATFORM = "linkedin"
URN_PREFIX = "urn:li:sponsoredCampaign:"


def normalize(element):
    urn = element["pivotValues"][0]
    if not urn.startswith(URN_PREFIX):
        raise ValueError(f"not a campaign URN: {urn}")
    start = element["dateRange"]["start"]
    out = {
        "platform": PLATFORM,
        "campaign_id": urn[len(URN_PREFIX):],
        "date": datetime.date(start["year"], start["month"],
                              start["day"]).isoformat(),
        "impressions": int(element["impressions"]),
        "clicks": int(element["clicks"]),
        "spend": round(float(element["costInLocalCurrency"]), 2),
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
        rows = [normalize(e) for e in response["elements"]]
    except (KeyError, IndexError, TypeError, ValueError) as e:
        adslib.fail(f"{adslib.rel(raw)}: bad element: {e}")
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
