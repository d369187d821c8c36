#!/usr/bin/env python3
"""
Step 1 - Download/Update Data

Checks which days of the last 90 are already in the data cache
(data_cache/mixpanel/YYYY-MM-DD.jsonl, one Mixpanel export event per
line) and downloads only the missing ones.

This example never calls Mixpanel: "downloading" a day means generating
it locally from a fixed seed, in the shape of Mixpanel's raw export API
({"event": ..., "properties": {"distinct_id", "time", "$insert_id", ...}}).
The same day always yields the same events, so runs are repeatable and
need no network or API secret.

The 90-day window ends on MIXPANEL_END_DATE (default 2026-01-22) rather
than today, for the same reason.
"""
import datetime
import json
import os
import random
import sys

CACHE_DIR = os.path.join("data_cache", "mixpanel")
WINDOW_DAYS = 90
DEFAULT_END = "2026-01-22"

PRODUCTS = {"pro_monthly": 9.99, "pro_annual": 79.99, "photo_pack": 4.99,
            "ai_credits": 14.99}
COUNTRIES = ["US", "US", "US", "GB", "DE", "NO", "BR", "IN", "JP", "FR"]
PLATFORMS = ["iOS", "iOS", "Android", "Android", "Web"]
FIRST_SIGNUP = datetime.date(2025, 10, 1)
SIGNUP_SPAN_DAYS = 110
NUM_USERS = 400
NUM_TEST_USERS = 8


def event(uid, n, name, day, rng, props):
    t = datetime.datetime.combine(day, datetime.time(
        rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)),
        tzinfo=datetime.timezone.utc)
    p = {"distinct_id": uid, "time": int(t.timestamp()),
         "$insert_id": f"{uid}-{n:04d}"}
    p.update(props)
    return {"event": name, "properties": p}


def user_journey(uid, test_user=False):
    """All events of one user, generated from a seed of the user id."""
    rng = random.Random(f"mixpanel:user:{uid}")
    signup = FIRST_SIGNUP + datetime.timedelta(
        days=rng.randrange(SIGNUP_SPAN_DAYS))
    base = {"$os": rng.choice(PLATFORMS)}
    if test_user or rng.random() > 0.02:        # 2% lose their country
        base["mp_country_code"] = rng.choice(COUNTRIES)
    events, n = [], 0

    def add(name, day, **props):
        nonlocal n
        n += 1
        events.append(event(uid, n, name, day, rng, {**base, **props}))

    install = {}
    if rng.random() < 0.35:                     # attributed installs
        c = rng.randint(1, 6)
        install["abi_campaign"] = f"abi_campaign_{c}"
        if rng.random() < 0.8:
            install["abi_adset"] = f"abi_adset_{c}_{rng.randint(1, 3)}"
            install["abi_ad"] = f"abi_ad_{c}_{rng.randint(1, 9)}"
    add("app_install", signup, **install)

    level = rng.choices(["dormant", "casual", "active"], [3, 5, 2])[0]
    opens = {"dormant": (0, 3), "casual": (5, 15), "active": (20, 60)}[level]
    for _ in range(rng.randint(*opens)):
        add("app_open", signup + datetime.timedelta(days=rng.randint(0, 80)))

    for product in rng.sample(sorted(PRODUCTS), rng.choice([0, 1, 1, 2, 3])):
        price = PRODUCTS[product]
        day = signup + datetime.timedelta(days=rng.randint(0, 30))
        if rng.random() < 0.05:
            # a broken lifecycle: a renewal that no purchase preceded
            add("subscription_renewed", day, product_id=product,
                revenue=price)
            continue
        add("product_viewed", day, product_id=product)
        if rng.random() < 0.6:
            day += datetime.timedelta(days=rng.randint(1, 3))
            add("trial_started", day, product_id=product)
        if rng.random() < 0.5:
            day += datetime.timedelta(days=7)
            # 1% of purchases arrive corrupted, with a negative amount
            add("subscription_purchased", day, product_id=product,
                revenue=-price if rng.random() < 0.01 else price)
            while rng.random() < 0.6:
                day += datetime.timedelta(days=30)
                add("subscription_renewed", day, product_id=product,
                    revenue=price)
    return events


def all_events():
    uids = [f"user_{i:04d}" for i in range(1, NUM_USERS + 1)]
    events = [e for uid in uids for e in user_journey(uid)]
    events += [e for i in range(1, NUM_TEST_USERS + 1)
               for e in user_journey(f"test_{i:02d}", test_user=True)]
    return events


def day_of(e):
    return datetime.datetime.fromtimestamp(
        e["properties"]["time"], datetime.timezone.utc).date().isoformat()


def main():
    try:
        end = datetime.date.fromisoformat(
            os.environ.get("MIXPANEL_END_DATE", DEFAULT_END))
        window = [(end - datetime.timedelta(days=k)).isoformat()
                  for k in range(WINDOW_DAYS - 1, -1, -1)]
        print(f"Checking coverage of {window[0]} .. {window[-1]} "
              f"({WINDOW_DAYS} days) in {CACHE_DIR}/")
        os.makedirs(CACHE_DIR, exist_ok=True)
        os.makedirs("database", exist_ok=True)

        missing = [d for d in window if not os.path.exists(
            os.path.join(CACHE_DIR, f"{d}.jsonl"))]
        print(f"Coverage: {WINDOW_DAYS - len(missing)}/{WINDOW_DAYS} days "
              f"cached, {len(missing)} to download")

        downloaded = 0
        if missing:
            by_day = {}
            for e in all_events():
                by_day.setdefault(day_of(e), []).append(e)
            for d in missing:
                events = sorted(by_day.get(d, []),
                                key=lambda e: (e["properties"]["time"],
                                               e["properties"]["$insert_id"]))
                path = os.path.join(CACHE_DIR, f"{d}.jsonl")
                with open(path + ".tmp", "w") as f:
                    for e in events:
                        f.write(json.dumps(e, sort_keys=True) + "\n")
                os.replace(path + ".tmp", path)
                downloaded += len(events)
            print(f"Downloaded {len(missing)} days, {downloaded:,} events")
        else:
            print("All days present, nothing to download")

        if os.environ.get("BATON_OUTPUT"):      # optional, for baton
            with open(os.environ["BATON_OUTPUT"], "w") as f:
                json.dump({"window": [window[0], window[-1]],
                           "cache_dir": CACHE_DIR,
                           "metrics": {"days_downloaded": len(missing),
                                       "events_downloaded": downloaded}}, f)
        return 0
    except Exception as e:
        print(f"Download failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
