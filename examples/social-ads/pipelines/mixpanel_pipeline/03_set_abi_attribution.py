#!/usr/bin/env python3
"""
Step 3 - Set ABI Attribution

A user has ABI attribution when any of abi_campaign, abi_adset or abi_ad
arrived with their events (ingest copies them onto fact_mixpanel_user).
Sets has_abi_attribution to TRUE for those users and FALSE for the rest,
so re-running always gives the same answer.
"""
import json
import os
import sqlite3
import sys

DB_PATH = os.path.join("database", "mixpanel_data.db")

HAS_DATA = """(COALESCE(abi_campaign, '') != ''
               OR COALESCE(abi_adset, '') != ''
               OR COALESCE(abi_ad, '') != '')"""


def main():
    try:
        print(f"Analyzing attribution data in {DB_PATH}...")
        db = sqlite3.connect(DB_PATH, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE fact_mixpanel_user SET has_abi_attribution = "
                   f"{HAS_DATA}")
        total, attributed, full = db.execute("""
            SELECT COUNT(*), SUM(has_abi_attribution),
                   SUM(abi_campaign IS NOT NULL AND abi_adset IS NOT NULL
                       AND abi_ad IS NOT NULL)
            FROM fact_mixpanel_user""").fetchone()
        db.execute("COMMIT")
        print(f"  {attributed} of {total} users have ABI attribution "
              f"({full} with campaign, adset and ad; "
              f"{attributed - full} campaign only)")
        for campaign, n in db.execute("""
                SELECT abi_campaign, COUNT(*) FROM fact_mixpanel_user
                WHERE has_abi_attribution GROUP BY abi_campaign
                ORDER BY abi_campaign"""):
            print(f"    {campaign}: {n} users")
        db.close()
        print("ABI attribution set")

        if os.environ.get("BATON_OUTPUT"):      # optional, for baton
            with open(os.environ["BATON_OUTPUT"], "w") as f:
                json.dump({"metrics": {"users_attributed": attributed}}, f)
        return 0
    except Exception as e:
        print(f"Setting ABI attribution failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
