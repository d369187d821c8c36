#!/usr/bin/env python3
"""Microsoft Ads extract: one day of campaign performance.

Writes the platform's own report shape (a Bing Ads
CampaignPerformanceReport: PascalCase columns, every value a string) to
data/raw/microsoft/DATE.json; transform.py maps it to the shared schema.

MICROSOFT_ADS_BASE_URL is the switch to a real API.  When it is unset
(the default) the report is generated locally: deterministic stats
seeded with platform + date, so the example runs offline and every run
of the same day yields the same rows.  When it is set, the report is
fetched from $MICROSOFT_ADS_BASE_URL/reports/campaign-performance?date=DATE
and must have the same shape.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

PLATFORM = "microsoft"


def generate(date):
    rng = random.Random(f"{PLATFORM}:{date}")
    rows = []
    for i in range(rng.randint(25, 40)):
        impressions = rng.randint(800, 40000)
        clicks = int(impressions * rng.uniform(0.005, 0.04))
        rows.append({
            "AccountId": "180034567",
            "CampaignId": str(41000100 + i * 37),
            "CampaignName": f"Search - Brand {i + 1:02d}",
            "TimePeriod": date,
            "Impressions": str(impressions),
            "Clicks": str(clicks),
            "Spend": f"{clicks * rng.uniform(0.4, 2.2):.2f}",
            "CurrencyCode": "USD",
        })
    return {"ReportName": "CampaignPerformanceReport",
            "ReportAggregation": "Daily", "Rows": rows}


def main():
    date = adslib.run_date()
    adslib.simulate_transient_failure(PLATFORM)
    base = os.environ.get("MICROSOFT_ADS_BASE_URL")
    if base:
        report = adslib.fetch_json(
            f"{base.rstrip('/')}/reports/campaign-performance?date={date}")
        source = "api"
    else:
        report = generate(date)
        source = "generated"
    path = adslib.data_path("raw", PLATFORM, f"{date}.json")
    adslib.write_json_atomic(path, report)
    print(f"{PLATFORM} {date}: {len(report['Rows'])} campaigns ({source}) "
          f"-> {adslib.rel(path)}")
    adslib.write_output({"platform": PLATFORM, "date": date,
                         "source": source, "path": adslib.rel(path),
                         "records": len(report["Rows"])})


if __name__ == "__main__":
    main()
