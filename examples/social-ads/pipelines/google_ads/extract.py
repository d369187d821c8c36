#!/usr/bin/env python3
"""Google Ads extract: one day of campaign metrics.

Writes the platform's own response shape (GoogleAdsService.SearchStream
for a GAQL query over `campaign`: batches of results with nested
campaign / segments / metrics, int64 values as strings, cost in micros)
to data/raw/google/DATE.json; transform.py maps it to the shared schema.

GOOGLE_ADS_BASE_URL is the switch to a real API.  When it is unset (the
default) the response is generated locally: deterministic stats seeded
with platform + date, so the example runs offline and every run of the
same day yields the same rows.  When it is set, the response is fetched
from $GOOGLE_ADS_BASE_URL/customers/CUSTOMER/googleAds:searchStream?date=DATE
(CUSTOMER from GOOGLE_MANAGER_CUSTOMER_ID) and must have the same shape.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

PLATFORM = "google"
QUERY = ("SELECT campaign.id, segments.date, metrics.impressions, "
         "metrics.clicks, metrics.cost_micros FROM campaign "
         "WHERE segments.date = '{date}'")


def generate(customer, date):
    rng = random.Random(f"{PLATFORM}:{date}")
    results = []
    for i in range(rng.randint(40, 60)):
        impressions = rng.randint(1000, 120000)
        clicks = int(impressions * rng.uniform(0.01, 0.06))
        campaign_id = str(20871000 + i * 101)
        results.append({
            "campaign": {
                "resourceName":
                    f"customers/{customer}/campaigns/{campaign_id}",
                "id": campaign_id,
            },
            "segments": {"date": date},
            "metrics": {
                "impressions": str(impressions),
                "clicks": str(clicks),
                "costMicros": str(int(clicks * rng.uniform(0.5, 3.0) * 1e4)
                                  * 100),
            },
        })
    # searchStream answers with batches of at most 10,000 rows; split in
    # two here so transform has to handle more than one.
    half = len(results) // 2
    return [{"results": results[:half], "fieldMask": "campaign.id,"
             "segments.date,metrics.impressions,metrics.clicks,"
             "metrics.costMicros"},
            {"results": results[half:]}]


def main():
    date = adslib.run_date()
    adslib.simulate_transient_failure(PLATFORM)
    customer = os.environ.get("GOOGLE_MANAGER_CUSTOMER_ID", "9474097201")
    base = os.environ.get("GOOGLE_ADS_BASE_URL")
    if base:
        batches = adslib.fetch_json(
            f"{base.rstrip('/')}/customers/{customer}/googleAds:searchStream"
            f"?date={date}")
        source = "api"
    else:
        batches = generate(customer, date)
        source = "generated"
    count = sum(len(b.get("results", [])) for b in batches)
    path = adslib.data_path("raw", PLATFORM, f"{date}.json")
    adslib.write_json_atomic(path, {"query": QUERY.format(date=date),
                                    "batches": batches})
    print(f"{PLATFORM} {date}: {count} campaigns ({source}) "
          f"-> {adslib.rel(path)}")
    adslib.write_output({"platform": PLATFORM, "date": date,
                         "source": source, "path": adslib.rel(path),
                         "records": count})


if __name__ == "__main__":
    main()
