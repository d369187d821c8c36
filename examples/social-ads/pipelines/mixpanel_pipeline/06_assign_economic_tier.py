#!/usr/bin/env python3
"""
Step 6 - Assign Economic Tier

Classifies every valid user from revenue, engagement (event count) and
product usage (products with a valid lifecycle):
  premium   revenue >= 50, or revenue >= 20 with 2+ products
  standard  revenue >= 10
  basic     any revenue, or 20+ events
  free      everyone else
Invalid users get no tier (NULL).
"""
import json
import os
import sqlite3
import sys

DB_PATH = os.path.join("database", "mixpanel_data.db")

USERS = """
SELECT u.distinct_id,
       COALESCE((SELECT SUM(revenue) FROM fact_mixpanel_event e
                 WHERE e.distinct_id = u.distinct_id AND revenue > 0), 0),
       (SELECT COUNT(*) FROM fact_mixpanel_event e
        WHERE e.distinct_id = u.distinct_id),
       (SELECT COUNT(*) FROM fact_user_products p
        WHERE p.distinct_id = u.distinct_id AND p.valid_lifecycle)
FROM fact_mixpanel_user u
WHERE u.valid_user
"""


def tier(revenue, events, products):
    if revenue >= 50 or (revenue >= 20 and products >= 2):
        return "premium"
    if revenue >= 10:
        return "standard"
    if revenue > 0 or events >= 20:
        return "basic"
    return "free"


def main():
    try:
        print(f"Assigning economic tiers in {DB_PATH}...")
        db = sqlite3.connect(DB_PATH, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        assigned = [(tier(rev, n, p), uid)
                    for uid, rev, n, p in db.execute(USERS).fetchall()]
        db.execute("UPDATE fact_mixpanel_user SET economic_tier = NULL")
        db.executemany("UPDATE fact_mixpanel_user SET economic_tier = ? "
                       "WHERE distinct_id = ?", assigned)
        counts = dict(db.execute("""
            SELECT COALESCE(economic_tier, '(invalid user)'), COUNT(*)
            FROM fact_mixpanel_user GROUP BY 1""").fetchall())
        db.execute("COMMIT")
        db.close()
        for name in ["premium", "standard", "basic", "free",
                     "(invalid user)"]:
            print(f"  {name:<15} {counts.get(name, 0):>5} users")
        print(f"Economic tiers assigned to {len(assigned)} users")

        if os.environ.get("BATON_OUTPUT"):      # optional, for baton
            with open(os.environ["BATON_OUTPUT"], "w") as f:
                json.dump({"tiers": counts,
                           "metrics": {"users_tiered": len(assigned)}}, f)
        return 0
    except Exception as e:
        print(f"Assigning economic tiers failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
