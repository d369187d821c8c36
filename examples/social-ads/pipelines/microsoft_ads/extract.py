#!/usr/bin/env python3
"""Microsoft Ads extract: one day of campaign performance.

The Reporting service is asynchronous, which one HTTP request cannot
express, so this step is a script that calls the API itself:

  1. POST {API}/Reporting/v13/GenerateReport/Submit  a
     CampaignPerformanceReportRequest for the day -> ReportRequestId
  2. POST {API}/Reporting/v13/GenerateReport/Poll    until Status is
     Success -> ReportDownloadUrl
  3. GET the download URL (pre-signed, no credentials): a zip holding
     one CSV file, which becomes data/raw/microsoft/DATE.json
     {"ReportName", "Rows": [{column: value}, ...]}; every value is a
     string, as in the CSV.

Environment (mapped by microsoft_ads.yaml):
  API_URL                    base URL (the connect step's output)
  MSADS_ACCESS_TOKEN         OAuth access token (Authorization: Bearer)
  MSADS_DEVELOPER_TOKEN      DeveloperToken header
  MSADS_CUSTOMER_ID          CustomerId header
  MSADS_ACCOUNT_ID           CustomerAccountId header, and the report scope

Throttling (429), 5xx and network errors exit 75 (EX_TEMPFAIL), which
the pipeline retries; anything else (invalid credentials, a bad request)
exits 1 at once with the API's message.
"""
import csv
import io
import os
import sys
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import adslib  # noqa: E402

PLATFORM = "microsoft"
COLUMNS = ["TimePeriod", "AccountId", "CampaignId", "CampaignName",
           "Impressions", "Clicks", "Spend", "CurrencyCode"]
POLL_FOR = 600      # seconds to wait for the report to be built


def env(name):
    value = os.environ.get(name, "")
    if not value:
        adslib.fail(f"${name} is not set (see microsoft_ads.yaml)")
    return value


def main():
    date = adslib.run_date()
    year, month, day = (int(x) for x in date.split("-"))
    base = env("API_URL").rstrip("/")
    account = env("MSADS_ACCOUNT_ID")
    headers = {
        "Authorization": f"Bearer {env('MSADS_ACCESS_TOKEN')}",
        "DeveloperToken": env("MSADS_DEVELOPER_TOKEN"),
        "CustomerId": env("MSADS_CUSTOMER_ID"),
        "CustomerAccountId": account,
    }
    when = {"Day": day, "Month": month, "Year": year}
    request = {"ReportRequest": {
        "Type": "CampaignPerformanceReportRequest",
        "ReportName": "CampaignPerformanceReport",
        "Format": "Csv", "FormatVersion": "2.0",
        "ExcludeColumnHeaders": False, "ExcludeReportHeader": True,
        "ExcludeReportFooter": True, "ReturnOnlyCompleteData": False,
        "Aggregation": "Daily", "Columns": COLUMNS,
        "Scope": {"AccountIds": [int(account) if account.isdigit()
                                 else account]},
        "Time": {"CustomDateRangeStart": when, "CustomDateRangeEnd": when},
    }}
    service = f"{base}/Reporting/v13/GenerateReport"
    try:
        submitted = adslib.request("POST", f"{service}/Submit", request,
                                   headers)
        rid = submitted["ReportRequestId"]
        delay, deadline = 0.5, time.monotonic() + POLL_FOR
        while True:
            status = adslib.request("POST", f"{service}/Poll",
                                    {"ReportRequestId": rid},
                                    headers)["ReportRequestStatus"]
            if status["Status"] == "Success":
                break
            if status["Status"] != "Pending":
                adslib.fail(f"report {rid}: status {status['Status']}")
            if time.monotonic() > deadline:
                adslib.fail(f"report {rid} still pending after "
                            f"{POLL_FOR}s", adslib.EX_TEMPFAIL)
            print(f"report {rid}: pending; polling again in {delay:g}s")
            time.sleep(delay)
            delay = min(delay * 2, 30)
        url = status["ReportDownloadUrl"]
        rows = []
        if url:     # no URL: the report has no rows
            archive = adslib.request("GET", url, raw=True)
            with zipfile.ZipFile(io.BytesIO(archive)) as z:
                text = z.read(z.namelist()[0]).decode("utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(text)))
    except adslib.ApiError as e:
        who = f" for tenant {adslib.tenant()}" if adslib.tenant() else ""
        adslib.fail(f"Microsoft Advertising{who}: {e}",
                    adslib.EX_TEMPFAIL if e.transient else 1)
    except (KeyError, TypeError, zipfile.BadZipFile, csv.Error) as e:
        adslib.fail(f"unexpected response from the Reporting service: {e!r}")

    path = adslib.day_path("raw", PLATFORM, date)
    adslib.write_json_atomic(path, {"ReportName": "CampaignPerformanceReport",
                                    "ReportAggregation": "Daily",
                                    "Rows": rows})
    print(f"{PLATFORM} {date}: {len(rows)} campaigns -> {adslib.rel(path)}")
    adslib.write_output({"platform": PLATFORM, "date": date,
                         "path": adslib.rel(path), "records": len(rows)})


if __name__ == "__main__":
    main()
