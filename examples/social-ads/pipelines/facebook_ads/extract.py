#!/usr/bin/env python3
"""Facebook Ads extract: one day of campaign insights.

Writes the platform's own response shape (Graph API /insights at
level=campaign: a "data" list per ad account, every metric a string) to
data/raw/facebook/DATE.json; transform.py maps it to the shared schema.

FACEBOOK_ADS_BASE_URL is the switch to a real API.  When it is unset
(the default) the insights are generated locally: deterministic stats
seeded with platform + date, so the example runs offline and every run
of the same day yields the same rows.  When it is set, each account in
FACEBOOK_AD_ACCOUNT_IDS (default act_123,act_456) is fetched from
$FACEBOOK_ADS_BASE_URL/ACCOUNT/insights?level=campaign&time_range=DATE
and must have the same shape.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

PLATFORM = "facebook"


def generate(account, date):
    rng = random.Random(f"{PLATFORM}:{account}:{date}")
    data = []
    for i in range(rng.randint(10, 20)):
        impressions = rng.randint(2000, 90000)
        clicks = int(impressions * rng.uniform(0.004, 0.02))
        data.append({
            "account_id": account.removeprefix("act_"),
            "campaign_id": f"2385{account[-3:]}{i:05d}",
            "campaign_name": f"Prospecting {i + 1:02d}",
            "date_start": date,
            "date_stop": date,
            "impressions": str(impressions),
            "clicks": str(clicks),
            "spend": f"{clicks * rng.uniform(0.3, 1.6):.2f}",
        })
    return {"data": data, "paging": {"cursors": {"before": "MAZDZD",
                                                 "after": "MjQZD"}}}


def main():
    date = adslib.run_date()
    adslib.simulate_transient_failure(PLATFORM)
    accounts = [a.strip() for a in os.environ.get(
        "FACEBOOK_AD_ACCOUNT_IDS", "act_123,act_456").split(",") if a.strip()]
    base = os.environ.get("FACEBOOK_ADS_BASE_URL")
    pages = {}
    for account in accounts:
        if base:
            pages[account] = adslib.fetch_json(
                f"{base.rstrip('/')}/{account}/insights?level=campaign"
                f"&time_increment=1&time_range={date}")
        else:
            pages[account] = generate(account, date)
    source = "api" if base else "generated"
    count = sum(len(p["data"]) for p in pages.values())
    path = adslib.data_path("raw", PLATFORM, f"{date}.json")
    adslib.write_json_atomic(path, {"accounts": pages})
    print(f"{PLATFORM} {date}: {count} campaigns in {len(pages)} ad accounts "
          f"({source}) -> {adslib.rel(path)}")
    adslib.write_output({"platform": PLATFORM, "date": date,
                         "source": source, "path": adslib.rel(path),
                         "records": count})


if __name__ == "__main__":
    main()
