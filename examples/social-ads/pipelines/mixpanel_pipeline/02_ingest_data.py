#!/usr/bin/env python3
"""
Step 2 - Ingest Data

1. Migrates database/mixpanel_data.db (creating it, with the original
   tables, when it does not exist yet):
     - adds fact_mixpanel_user.valid_user BOOLEAN DEFAULT TRUE
     - adds fact_mixpanel_user.economic_tier TEXT
     - creates fact_user_products
   Each change is applied only if it is missing, so the step can run
   any number of times.
2. Ingests every cached day of data_cache/mixpanel/ into
   fact_mixpanel_event without duplicates (keyed by Mixpanel's
   $insert_id) and rebuilds fact_mixpanel_user from the events.
3. Sets every user valid_user=TRUE; step 4 decides who is not.
"""
import glob
import json
import os
import sqlite3
import sys

DB_PATH = os.path.join("database", "mixpanel_data.db")
CACHE_DIR = os.path.join("data_cache", "mixpanel")

# The tables as they were before this pipeline existed.
BASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS fact_mixpanel_user (
    distinct_id TEXT PRIMARY KEY,
    first_seen TEXT,
    last_seen TEXT,
    country TEXT,
    platform TEXT,
    abi_campaign TEXT,
    abi_adset TEXT,
    abi_ad TEXT,
    has_abi_attribution BOOLEAN DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS fact_mixpanel_event (
    insert_id TEXT PRIMARY KEY,
    distinct_id TEXT NOT NULL,
    event TEXT NOT NULL,
    time INTEGER NOT NULL,
    day TEXT NOT NULL,
    country TEXT,
    platform TEXT,
    product_id TEXT,
    revenue REAL,
    abi_campaign TEXT,
    abi_adset TEXT,
    abi_ad TEXT
);
CREATE INDEX IF NOT EXISTS idx_event_user ON fact_mixpanel_event(distinct_id);
"""

# The migration, as specified.
NEW_USER_COLUMNS = {
    "valid_user": "ALTER TABLE fact_mixpanel_user "
                  "ADD COLUMN valid_user BOOLEAN DEFAULT TRUE",
    "economic_tier": "ALTER TABLE fact_mixpanel_user "
                     "ADD COLUMN economic_tier TEXT",
}
CREATE_USER_PRODUCTS = """
CREATE TABLE fact_user_products (
    user_product_id INTEGER PRIMARY KEY AUTOINCREMENT,
    distinct_id TEXT NOT NULL REFERENCES fact_mixpanel_user(distinct_id),
    product_id TEXT NOT NULL,
    valid_lifecycle BOOLEAN DEFAULT FALSE,
    UNIQUE (distinct_id, product_id)
);
"""

INSERT_EVENT = """
INSERT OR IGNORE INTO fact_mixpanel_event
    (insert_id, distinct_id, event, time, day, country, platform,
     product_id, revenue, abi_campaign, abi_adset, abi_ad)
VALUES (:insert_id, :distinct_id, :event, :time, :day, :country, :platform,
        :product_id, :revenue, :abi_campaign, :abi_adset, :abi_ad)
"""

UPSERT_USERS = """
INSERT INTO fact_mixpanel_user
    (distinct_id, first_seen, last_seen, country, platform,
     abi_campaign, abi_adset, abi_ad)
SELECT distinct_id,
       datetime(MIN(time), 'unixepoch'), datetime(MAX(time), 'unixepoch'),
       MAX(country), MAX(platform),
       MAX(abi_campaign), MAX(abi_adset), MAX(abi_ad)
FROM fact_mixpanel_event
WHERE true
GROUP BY distinct_id
ON CONFLICT (distinct_id) DO UPDATE SET
    first_seen = excluded.first_seen,
    last_seen = excluded.last_seen,
    country = excluded.country,
    platform = excluded.platform,
    abi_campaign = excluded.abi_campaign,
    abi_adset = excluded.abi_adset,
    abi_ad = excluded.abi_ad
"""


def migrate(db):
    for statement in BASE_SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    columns = {row[1] for row in
               db.execute("PRAGMA table_info(fact_mixpanel_user)")}
    for name, sql in NEW_USER_COLUMNS.items():
        if name in columns:
            print(f"  fact_mixpanel_user.{name}: already present")
        else:
            db.execute(sql)
            print(f"  fact_mixpanel_user.{name}: added")
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'fact_user_products'").fetchone()
    if exists:
        print("  fact_user_products: already present")
    else:
        db.execute(CREATE_USER_PRODUCTS)
        print("  fact_user_products: created")


def read_events(path):
    day = os.path.basename(path)[:-len(".jsonl")]
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            p = e["properties"]
            yield {
                "insert_id": p["$insert_id"],
                "distinct_id": p["distinct_id"],
                "event": e["event"],
                "time": p["time"],
                "day": day,
                "country": p.get("mp_country_code"),
                "platform": p.get("$os"),
                "product_id": p.get("product_id"),
                "revenue": p.get("revenue"),
                "abi_campaign": p.get("abi_campaign"),
                "abi_adset": p.get("abi_adset"),
                "abi_ad": p.get("abi_ad"),
            }


def main():
    try:
        files = sorted(glob.glob(os.path.join(CACHE_DIR, "*.jsonl")))
        if not files:
            raise RuntimeError(f"no data in {CACHE_DIR}/: run step 1 "
                               f"(download_update_data) first")
        os.makedirs(os.path.dirname(DB_PATH), exist_ok=True)
        db = sqlite3.connect(DB_PATH, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")

        print(f"Migrating {DB_PATH}...")
        migrate(db)

        print(f"Ingesting {len(files)} days from {CACHE_DIR}/...")
        before = db.execute("SELECT COUNT(*) FROM fact_mixpanel_event")\
            .fetchone()[0]
        read = 0
        for path in files:
            rows = list(read_events(path))
            db.executemany(INSERT_EVENT, rows)
            read += len(rows)
        after = db.execute("SELECT COUNT(*) FROM fact_mixpanel_event")\
            .fetchone()[0]
        print(f"  read {read:,} events: {after - before:,} new, "
              f"{read - (after - before):,} already ingested")

        db.execute(UPSERT_USERS)
        db.execute("UPDATE fact_mixpanel_user SET valid_user = TRUE")
        users = db.execute("SELECT COUNT(*) FROM fact_mixpanel_user")\
            .fetchone()[0]
        db.execute("COMMIT")

        print("Verification:")
        print(f"  fact_mixpanel_event: {after:,} rows")
        print(f"  fact_mixpanel_user:  {users:,} rows, all valid_user=TRUE")
        db.close()

        if os.environ.get("BATON_OUTPUT"):      # optional, for baton
            with open(os.environ["BATON_OUTPUT"], "w") as f:
                json.dump({"database": DB_PATH, "users": users,
                           "metrics": {"rows_processed": read,
                                       "events_inserted": after - before}},
                          f)
        return 0
    except Exception as e:
        print(f"Ingest failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
