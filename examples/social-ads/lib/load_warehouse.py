#!/usr/bin/env python3
"""Loads one normalized file into the SQLite warehouse.

usage: python3 lib/load_warehouse.py data/normalized/PLATFORM/DATE.json

Every platform pipeline ends with this step.  Rows are upserted into
data/warehouse.db, table ad_stats, keyed by (platform, campaign_id,
date): loading the same day again updates those rows in place and never
adds duplicates, so any run can be repeated safely.

The step's output carries the metrics baton adds up in the run summary:
  {"metrics": {"rows_processed": N, "tables_processed": 1}, ...}
"""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adslib  # noqa: E402

SCHEMA = """
CREATE TABLE IF NOT EXISTS ad_stats (
    platform     TEXT    NOT NULL,
    campaign_id  TEXT    NOT NULL,
    date         TEXT    NOT NULL,   -- YYYY-MM-DD
    impressions  INTEGER NOT NULL,
    clicks       INTEGER NOT NULL,
    spend        REAL    NOT NULL,   -- in the account currency
    run_id       TEXT,               -- the baton run that last wrote it
    PRIMARY KEY (platform, campaign_id, date)
)
"""

UPSERT = """
INSERT INTO ad_stats (platform, campaign_id, date, impressions, clicks,
                      spend, run_id)
VALUES (:platform, :campaign_id, :date, :impressions, :clicks, :spend,
        :run_id)
ON CONFLICT (platform, campaign_id, date) DO UPDATE SET
    impressions = excluded.impressions,
    clicks      = excluded.clicks,
    spend       = excluded.spend,
    run_id      = excluded.run_id
"""


def main():
    if len(sys.argv) != 2:
        adslib.fail("usage: load_warehouse.py NORMALIZED_FILE")
    doc = adslib.read_json(sys.argv[1])
    rows = doc["rows"]
    run_id = os.environ.get("BATON_RUN_ID")
    for row in rows:
        row["run_id"] = run_id

    path = adslib.data_path("warehouse.db")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Two platforms may load at the same time (max_parallel: 2): wait for
    # the other writer rather than failing on "database is locked".
    db = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("BEGIN IMMEDIATE")
        db.execute(SCHEMA)
        db.executemany(UPSERT, rows)
        db.execute("COMMIT")
        total = db.execute(
            "SELECT COUNT(*) FROM ad_stats WHERE platform = ? AND date = ?",
            (doc["platform"], doc["date"])).fetchone()[0]
    finally:
        db.close()

    print(f"{doc['platform']} {doc['date']}: upserted {len(rows)} rows into "
          f"{adslib.rel(path)} (ad_stats now holds {total} rows for that "
          f"platform and day)")
    adslib.write_output({
        "platform": doc["platform"],
        "date": doc["date"],
        "warehouse": adslib.rel(path),
        "table": "ad_stats",
        "metrics": {"rows_processed": len(rows), "tables_processed": 1},
    })


if __name__ == "__main__":
    main()
