#!/usr/bin/env python3
"""
Step 5 - Count User Events

For every valid user:
  - counts events and reports activity levels (dormant < 5 events,
    casual < 20, active otherwise);
  - records each product the user touched in fact_user_products;
  - validates the lifecycle of each user-product pair: it must start
    with product_viewed, trials must come before the first purchase,
    and renewals only after a purchase.  The verdict goes into
    fact_user_products.valid_lifecycle.
Pairs of users that are no longer valid are removed, so the table always
matches the current data.
"""
import json
import os
import sqlite3
import sys

DB_PATH = os.path.join("database", "mixpanel_data.db")


def activity_level(events):
    return "dormant" if events < 5 else "casual" if events < 20 else "active"


def lifecycle_ok(events):
    """events: the event names for one user and product, oldest first."""
    if not events or events[0] != "product_viewed":
        return False
    purchased = False
    for name in events:
        if name == "subscription_purchased":
            purchased = True
        elif name == "trial_started" and purchased:
            return False
        elif name == "subscription_renewed" and not purchased:
            return False
    return True


def main():
    try:
        print(f"Counting events of valid users in {DB_PATH}...")
        db = sqlite3.connect(DB_PATH, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")

        levels = {"dormant": 0, "casual": 0, "active": 0}
        for _, n in db.execute("""
                SELECT u.distinct_id, COUNT(e.insert_id)
                FROM fact_mixpanel_user u
                LEFT JOIN fact_mixpanel_event e USING (distinct_id)
                WHERE u.valid_user GROUP BY u.distinct_id"""):
            levels[activity_level(n)] += 1
        print("  activity: " + ", ".join(f"{n} {lvl}"
                                         for lvl, n in levels.items()))

        pairs = {}
        for uid, product, name in db.execute("""
                SELECT e.distinct_id, e.product_id, e.event
                FROM fact_mixpanel_event e
                JOIN fact_mixpanel_user u USING (distinct_id)
                WHERE u.valid_user AND e.product_id IS NOT NULL
                ORDER BY e.distinct_id, e.product_id, e.time, e.insert_id"""):
            pairs.setdefault((uid, product), []).append(name)

        db.execute("""DELETE FROM fact_user_products WHERE distinct_id IN
                      (SELECT distinct_id FROM fact_mixpanel_user
                       WHERE NOT valid_user)""")
        valid = 0
        for (uid, product), events in pairs.items():
            ok = lifecycle_ok(events)
            valid += ok
            db.execute("""
                INSERT INTO fact_user_products
                    (distinct_id, product_id, valid_lifecycle)
                VALUES (?, ?, ?)
                ON CONFLICT (distinct_id, product_id)
                DO UPDATE SET valid_lifecycle = excluded.valid_lifecycle""",
                       (uid, product, ok))
        rows = db.execute("SELECT COUNT(*) FROM fact_user_products")\
            .fetchone()[0]
        db.execute("COMMIT")
        db.close()
        print(f"  fact_user_products: {rows} user-product pairs, "
              f"{valid} with a valid lifecycle, {rows - valid} without")
        print("User events counted")

        if os.environ.get("BATON_OUTPUT"):      # optional, for baton
            with open(os.environ["BATON_OUTPUT"], "w") as f:
                json.dump({"activity": levels, "metrics": {
                    "user_products": rows,
                    "invalid_lifecycles": rows - valid}}, f)
        return 0
    except Exception as e:
        print(f"Counting user events failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
