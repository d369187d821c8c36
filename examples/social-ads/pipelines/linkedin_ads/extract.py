#!/usr/bin/env python3
"""LinkedIn Ads extract: one day of campaign analytics.

Writes the platform's own response shape (the REST adAnalytics finder:
campaign URNs in pivotValues, the day as a dateRange object, cost as a
string in costInLocalCurrency) to data/raw/linkedin/DATE.json;
transform.py maps it to the shared schema.

LINKEDIN_ADS_BASE_URL is the switch to a real API.  When it is unset
(the default) the response is generated locally: deterministic stats
seeded with platform + date, so the example runs offline and every run
of the same day yields the same rows.  When it is set, the response is
fetched from
$LINKEDIN_ADS_BASE_URL/adAnalytics?q=analytics&pivot=CAMPAIGN&date=DATE
and must have the same shape.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

PLATFORM = "linkedin"


def generate(date):
    rng = random.Random(f"{PLATFORM}:{date}")
    year, month, day = (int(x) for x in date.split("-"))
    day_range = {"year": year, "month": month, "day": day}
    elements = []
    for i in range(rng.randint(12, 24)):
        impressions = rng.randint(500, 20000)
        clicks = int(impressions * rng.uniform(0.003, 0.015))
        elements.append({
            "pivotValues": [f"urn:li:sponsoredCampaign:{612000400 + i * 11}"],
            "dateRange": {"start": day_range, "end": day_range},
            "impressions": impressions,
            "clicks": clicks,
            "costInLocalCurrency": f"{clicks * rng.uniform(3.0, 9.0):.2f}",
        })
    return {"paging": {"start": 0, "count": len(elements), "links": []},
            "elements": elements}


def main():
    date = adslib.run_date()
    adslib.simulate_transient_failure(PLATFORM)
    base = os.environ.get("LINKEDIN_ADS_BASE_URL")
    if base:
        response = adslib.fetch_json(
            f"{base.rstrip('/')}/adAnalytics?q=analytics&pivot=CAMPAIGN"
            f"&date={date}")
        source = "api"
    else:
        response = generate(date)
        source = "generated"
    path = adslib.data_path("raw", PLATFORM, f"{date}.json")
    adslib.write_json_atomic(path, response)
    print(f"{PLATFORM} {date}: {len(response['elements'])} campaigns "
          f"({source}) -> {adslib.rel(path)}")
    adslib.write_output({"platform": PLATFORM, "date": date,
                         "source": source, "path": adslib.rel(path),
                         "records": len(response["elements"])})


if __name__ == "__main__":
    main()
