#!/usr/bin/env python3
"""
Step 4 - Check Broken Users

Sets valid_user=FALSE for users that must be left out of analysis:
  - internal test accounts (distinct_id starting with "test_")
  - users with no country or no platform on their events
  - users with a purchase of negative revenue (corrupted events)
  - users whose first_seen is after their last_seen
Everyone else keeps the valid_user=TRUE that ingest gave them.
"""
import json
import os
import sqlite3
import sys

DB_PATH = os.path.join("database", "mixpanel_data.db")

CHECKS = {
    "test account": "distinct_id LIKE 'test\\_%' ESCAPE '\\'",
    "missing country": "country IS NULL OR country = ''",
    "missing platform": "platform IS NULL OR platform = ''",
    "negative revenue": "distinct_id IN (SELECT distinct_id FROM "
                        "fact_mixpanel_event WHERE revenue < 0)",
    "seen before first seen": "first_seen > last_seen",
}


def main():
    try:
        print(f"Checking users in {DB_PATH}...")
        db = sqlite3.connect(DB_PATH, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        for reason, condition in CHECKS.items():
            n = db.execute(f"SELECT COUNT(*) FROM fact_mixpanel_user "
                           f"WHERE {condition}").fetchone()[0]
            print(f"  {reason}: {n} users")
        where = " OR ".join(f"({c})" for c in CHECKS.values())
        db.execute(f"UPDATE fact_mixpanel_user SET valid_user = FALSE "
                   f"WHERE {where}")
        total, invalid = db.execute(
            "SELECT COUNT(*), SUM(NOT valid_user) FROM fact_mixpanel_user")\
            .fetchone()
        db.execute("COMMIT")
        db.close()
        print(f"Marked {invalid} of {total} users valid_user=FALSE; "
              f"{total - invalid} remain valid")

        if os.environ.get("BATON_OUTPUT"):      # optional, for baton
            with open(os.environ["BATON_OUTPUT"], "w") as f:
                json.dump({"metrics": {"users_invalid": invalid,
                                       "users_valid": total - invalid}}, f)
        return 0
    except Exception as e:
        print(f"Checking users failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
