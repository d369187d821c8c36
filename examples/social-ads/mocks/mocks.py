#!/usr/bin/env python3
"""Local stand-ins for the APIs the social-ads example calls.

Standard library only.  Each API gets its own ThreadingHTTPServer bound to
127.0.0.1 on a free port, and answers in the real API's shapes, including
its error formats:

  graph      Facebook Graph API        GET  /v19.0/{page-id}/feed
                                       POST /v19.0/{page-id}/feed -> {"id"}
                                       GET  /v19.0/{page-id}/insights
                                       GET  /v19.0/act_{id}/insights  (ads)
                                       GET  /v19.0/{post-id}
             errors: {"error": {"message", "type": "OAuthException",
                      "code", "fbtrace_id"}}; 190 invalid token (400),
                      4 app rate limit (403), 613 rate limit (400)
  linkedin   LinkedIn Marketing API    GET  /rest/adAnalytics?q=analytics
             errors: {"status", "serviceErrorCode", "code", "message"};
                      401 invalid token, 429 throttled
  google     Google Ads API            POST /v{N}/customers/{id}/googleAds:searchStream
             errors: {"error": {"code", "message", "status", "details"}};
                      401 UNAUTHENTICATED, 429 RESOURCE_EXHAUSTED
  microsoft  Microsoft Advertising     POST /Reporting/v13/GenerateReport/Submit
             Reporting (REST)          POST /Reporting/v13/GenerateReport/Poll
                                       GET  /download/{id}.zip  (zipped CSV)
             errors: {"TrackingId", "Type": "AdApiFaultDetail",
                      "Errors": [{"Code", "ErrorCode", "Message"}]};
                      401 InvalidCredentials (105), 429 CallRateExceeded (117)
  agents     seed 003's four campaign agents (Azure Functions style):
             POST /api/segmentation, /api/content, /api/generation,
             /api/compliance, key in the x-functions-key header

Tokens decide the outcome, as users.yaml sets them: a missing token, or one
starting with "INVALID", gets the API's invalid-token error (Graph 190,
HTTP 401 elsewhere).  Data is generated deterministically from the account
and the day, so every run of the same day sees the same rows.

SOCIAL_ADS_FLAKY=microsoft,google,... (names above, or "facebook" for
graph) makes the first data request to each listed API fail with that API's
rate-limit error, to show retries.

Run it by hand to get all the APIs on free ports, printed as the variables
the pipelines read:

    python3 mocks/mocks.py                    # Ctrl-C to stop
    python3 mocks/mocks.py --apis graph,agents

The pipelines start and stop it themselves (lib/connect.py): detached with
--ready-file (the URLs, written once every port is bound), --watch-pid
(exit when that process, the baton that started it, is gone) and
--idle-exit (exit after that many seconds without a request).
"""
import argparse
import csv
import datetime
import hashlib
import io
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GRAPH_VERSION_RE = r"v\d+\.\d+"

# The variables that point the pipelines at an API (see lib/connect.py).
ENV_VARS = {
    "graph": "FACEBOOK_GRAPH_URL",
    "linkedin": "LINKEDIN_API_URL",
    "google": "GOOGLE_ADS_URL",
    "microsoft": "MICROSOFT_ADS_URL",
    "agents": "AGENT_1_URL..AGENT_4_URL",
}

STATE = {"last_request": time.monotonic(), "lock": threading.Lock(),
         "flaky_done": set(), "counter": 0}


def flaky(api):
    """True once, for the first data request, if SOCIAL_ADS_FLAKY names
    this API."""
    names = {n.strip() for n in os.environ.get("SOCIAL_ADS_FLAKY",
                                                "").split(",")}
    if api == "graph" and "facebook" in names:
        names.add("graph")
    with STATE["lock"]:
        if api in names and api not in STATE["flaky_done"]:
            STATE["flaky_done"].add(api)
            return True
    return False


def next_number():
    with STATE["lock"]:
        STATE["counter"] += 1
        return STATE["counter"]


def bad_token(token):
    return not token or token.startswith("INVALID")


def stable_int(*parts, digits=6):
    """A number derived from parts, the same on every run."""
    h = hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()
    return int(h[:12], 16) % (10 ** digits)


def parse_day(text):
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


class Handler(BaseHTTPRequestHandler):
    """Common plumbing: JSON replies, request bodies, logging."""
    protocol_version = "HTTP/1.1"
    server_version = "social-ads-mock/1.0"
    api = "?"

    def log_message(self, fmt, *args):
        # Tokens in query strings stay out of the log.
        line = re.sub(r"(access_token|code)=[^&\s]*", r"\1=***", fmt % args)
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {self.api} {line}\n")

    # -- request helpers
    @property
    def route(self):
        return urllib.parse.urlsplit(self.path).path

    @property
    def query(self):
        return {k: v[-1] for k, v in urllib.parse.parse_qs(
            urllib.parse.urlsplit(self.path).query,
            keep_blank_values=True).items()}

    def body_bytes(self):
        if not hasattr(self, "_body"):
            n = int(self.headers.get("Content-Length") or 0)
            self._body = self.rfile.read(n) if n else b""
        return self._body

    def body_json(self):
        try:
            return json.loads(self.body_bytes() or b"null")
        except ValueError:
            return None

    def body_params(self):
        """A POST's parameters, sent as JSON or as a form."""
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype:
            data = self.body_json()
            return data if isinstance(data, dict) else {}
        return {k: v[-1] for k, v in urllib.parse.parse_qs(
            self.body_bytes().decode("utf-8", "replace")).items()}

    def bearer(self):
        auth = self.headers.get("Authorization", "")
        for scheme in ("Bearer ", "OAuth "):
            if auth.startswith(scheme):
                return auth[len(scheme):].strip()
        return None

    # -- replies
    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_bytes(status, data, "application/json", headers)

    def send_bytes(self, status, data, ctype, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's
        # algorithm and delayed ACKs add 40 ms to every keep-alive reply.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle_request(self, method):
        # One handler serves every request of a keep-alive connection:
        # forget the previous request's body.
        self.__dict__.pop("_body", None)
        STATE["last_request"] = time.monotonic()
        self.body_bytes()
        self.dispatch(method)

    def do_GET(self):
        self.handle_request("GET")

    def do_POST(self):
        self.handle_request("POST")

    def dispatch(self, method):
        raise NotImplementedError


# --- Facebook Graph API ---------------------------------------------------

FEED_TOPICS = [
    ("hydration", "Drinking water before every meal helps digestion and "
     "keeps energy steady through the afternoon."),
    ("sleep", "Seven hours of sleep does more for focus than a third "
     "coffee. Keep the phone out of the bedroom."),
    ("walking", "A ten minute walk after lunch lowers blood sugar and "
     "clears the head. Try it this week."),
    ("budgeting", "Pay yourself first: move savings the day the salary "
     "lands, then budget what is left."),
    ("index funds", "Index funds keep fees low and beat most stock pickers "
     "over ten years. Time in the market wins."),
    ("emergency fund", "Three months of expenses in an emergency fund turns "
     "a crisis into an inconvenience."),
]


class GraphHandler(Handler):
    api = "graph"

    def graph_error(self, status, code, message, subcode=None,
                    etype="OAuthException"):
        err = {"message": message, "type": etype, "code": code,
               "fbtrace_id": "A" + uuid.uuid4().hex[:22]}
        if subcode:
            err["error_subcode"] = subcode
        self.send_json(status, {"error": err})

    def token(self):
        return (self.query.get("access_token")
                or self.body_params().get("access_token") or self.bearer())

    def dispatch(self, method):
        m = re.fullmatch(rf"/({GRAPH_VERSION_RE})/([^/]+)(?:/([a-z_]+))?",
                         self.route)
        if not m:
            return self.graph_error(
                400, 2500, f"Unknown path components: {self.route}")
        _, node, edge = m.groups()
        token = self.token()
        if bad_token(token):
            # What Graph says for a malformed, expired or revoked token.
            return self.graph_error(
                400, 190, "Invalid OAuth access token - Cannot parse "
                "access token", subcode=None)
        ads = node.startswith("act_")
        if (edge in ("feed", "insights")) and flaky("graph"):
            if ads:
                return self.graph_error(
                    400, 613, "Calls to this api have exceeded the rate "
                    "limit.")
            return self.graph_error(
                403, 4, "Application request limit reached")
        if edge == "feed" and method == "GET":
            return self.send_json(200, self.feed(node))
        if edge == "feed" and method == "POST":
            return self.publish(node)
        if edge == "insights" and method == "GET":
            if ads:
                return self.ads_insights(node)
            return self.send_json(200, self.page_insights(node))
        if edge is None and method == "GET":
            return self.send_json(200, self.node(node))
        return self.graph_error(
            400, 100, f"Unsupported {method.lower()} request. Object with "
            f"ID '{node}' does not exist, cannot be loaded due to missing "
            "permissions, or does not support this operation",
            etype="GraphMethodException")

    def feed(self, page):
        rng = random.Random(f"feed:{page}")
        topics = rng.sample(FEED_TOPICS, 4)
        limit = int(self.query.get("limit") or 10)
        start = datetime.datetime(2026, 1, 21, 18, 0,
                                  tzinfo=datetime.timezone.utc)
        data = []
        for i, (_, text) in enumerate(topics[:limit]):
            created = start - datetime.timedelta(hours=9 * i + rng.randint(
                0, 5))
            data.append({
                "id": f"{page}_{1000 + stable_int(page, i, digits=4)}",
                "message": text,
                "created_time": created.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "reactions": {"summary": {"total_count":
                                          rng.randint(3, 400)}},
            })
        return {"data": data, "paging": {"cursors": {
            "before": "QVFIUmFiY2Rl", "after": "QVFIUnh5ejEy"}}}

    def publish(self, page):
        params = dict(self.body_params())
        params.update(self.query)
        message = (params.get("message") or "").strip()
        if not message:
            return self.graph_error(
                400, 100, "(#100) Invalid parameter",
                etype="OAuthException")
        post = f"{page}_{90000 + next_number()}"
        out = {"id": post}
        # Read-after-write: Graph returns the fields asked for.
        fields = params.get("fields", "")
        if "permalink_url" in fields:
            out["permalink_url"] = self.permalink(post)
        return self.send_json(200, out)

    @staticmethod
    def permalink(post):
        # Real permalinks use the page's vanity name and an opaque id, not
        # the page id.
        return ("https://www.facebook.com/mock.page/posts/pfbid0"
                + hashlib.sha1(post.encode()).hexdigest()[:20])

    def node(self, node):
        out = {"id": node}
        fields = self.query.get("fields", "")
        if "permalink_url" in fields:
            out["permalink_url"] = self.permalink(node)
        if "name" in fields or not fields:
            out["name"] = f"Mock Page {node}"
        return out

    def page_insights(self, page):
        rng = random.Random(f"insights:{page}")
        metrics = self.query.get("metric", "page_impressions").split(",")
        data = []
        for metric in metrics:
            data.append({
                "name": metric, "period": self.query.get("period", "day"),
                "values": [{"value": rng.randint(200, 9000),
                            "end_time": "2026-01-22T08:00:00+0000"}],
                "title": metric.replace("_", " ").title(),
                "id": f"{page}/insights/{metric}/day"})
        return {"data": data}

    def ads_insights(self, account):
        try:
            span = json.loads(self.query.get("time_range") or "{}")
        except ValueError:
            span = {}
        day = parse_day(span.get("since"))
        if not day or span.get("until") != span.get("since"):
            return self.graph_error(
                400, 100, "(#100) Param time_range must be a JSON object "
                "with since and until, both the same day in this mock")
        rng = random.Random(f"facebook:{account}:{day}")
        base = 23850000 + stable_int("facebook", account, digits=4) * 100
        data = []
        for i in range(rng.randint(10, 20)):
            impressions = rng.randint(2000, 90000)
            clicks = int(impressions * rng.uniform(0.004, 0.02))
            data.append({
                "account_id": account.removeprefix("act_"),
                "campaign_id": str(base + i),
                "campaign_name": f"Prospecting {i + 1:02d}",
                "date_start": day.isoformat(),
                "date_stop": day.isoformat(),
                "impressions": str(impressions),
                "clicks": str(clicks),
                "spend": f"{clicks * rng.uniform(0.3, 1.6):.2f}",
            })
        self.send_json(200, {"data": data, "paging": {"cursors": {
            "before": "MAZDZD", "after": "MjQZD"}}})


# --- LinkedIn Marketing API -----------------------------------------------

class LinkedInHandler(Handler):
    api = "linkedin"

    def li_error(self, status, service_code, code, message):
        self.send_json(status, {"status": status,
                                "serviceErrorCode": service_code,
                                "code": code, "message": message})

    def dispatch(self, method):
        if self.route != "/rest/adAnalytics" or method != "GET":
            return self.li_error(404, 0, "RESOURCE_NOT_FOUND",
                                 f"No virtual resource found: {self.route}")
        if bad_token(self.bearer()):
            return self.li_error(401, 65600, "INVALID_ACCESS_TOKEN",
                                 "Invalid access token")
        if not self.headers.get("LinkedIn-Version"):
            return self.li_error(400, 0, "VERSION_MISSING",
                                 "A version must be present. Please specify "
                                 "a version by adding the LinkedIn-Version "
                                 "header.")
        q = self.query
        if q.get("q") != "analytics":
            return self.li_error(400, 100, "ILLEGAL_ARGUMENT",
                                 "Invalid finder: expected q=analytics")
        start = re.search(r"start:\(year:(\d+),month:(\d+),day:(\d+)\)",
                          q.get("dateRange", ""))
        accounts = re.findall(r"urn:li:sponsoredAccount:(\d+)",
                              q.get("accounts", ""))
        if not start or not accounts:
            return self.li_error(400, 100, "ILLEGAL_ARGUMENT",
                                 "Invalid param. dateRange=(start:(year:,"
                                 "month:,day:)) and accounts=List(urn) are "
                                 "required.")
        try:
            day = datetime.date(*(int(x) for x in start.groups()))
        except ValueError:
            return self.li_error(400, 100, "ILLEGAL_ARGUMENT",
                                 "Invalid param. dateRange is not a date.")
        if flaky("linkedin"):
            return self.li_error(429, 101, "TOO_MANY_REQUESTS",
                                 "Resource level throttle APPLICATION DAY "
                                 "limit for calls to this resource is "
                                 "reached.")
        self.send_json(200, self.analytics(accounts[0], day))

    @staticmethod
    def analytics(account, day):
        rng = random.Random(f"linkedin:{account}:{day}")
        base = 612000000 + stable_int("linkedin", account, digits=3) * 1000
        day_range = {"year": day.year, "month": day.month, "day": day.day}
        elements = []
        for i in range(rng.randint(12, 24)):
            impressions = rng.randint(500, 20000)
            clicks = int(impressions * rng.uniform(0.003, 0.015))
            elements.append({
                "pivotValues": [f"urn:li:sponsoredCampaign:{base + i * 11}"],
                "dateRange": {"start": day_range, "end": day_range},
                "impressions": impressions,
                "clicks": clicks,
                "costInLocalCurrency": f"{clicks * rng.uniform(3, 9):.2f}",
            })
        return {"paging": {"start": 0, "count": len(elements), "links": []},
                "elements": elements}


# --- Google Ads API ---------------------------------------------------------

class GoogleAdsHandler(Handler):
    api = "google"

    def g_error(self, status, grpc_status, message, error_code=None):
        err = {"code": status, "message": message, "status": grpc_status}
        if error_code:
            err["details"] = [{
                "@type": "type.googleapis.com/google.ads.googleads.v18."
                         "errors.GoogleAdsFailure",
                "errors": [{"errorCode": error_code, "message": message}],
                "requestId": uuid.uuid4().hex[:22]}]
        self.send_json(status, {"error": err})

    def dispatch(self, method):
        m = re.fullmatch(r"/v(\d+)/customers/(\d+)/googleAds:searchStream",
                         self.route)
        if not m or method != "POST":
            return self.g_error(404, "NOT_FOUND",
                                f"Method not found: {method} {self.route}")
        customer = m.group(2)
        token = self.bearer()
        if bad_token(token):
            return self.g_error(
                401, "UNAUTHENTICATED", "Request had invalid authentication "
                "credentials. Expected OAuth 2 access token, login cookie or "
                "other valid authentication credential.")
        if not self.headers.get("developer-token"):
            return self.g_error(
                401, "UNAUTHENTICATED", "The developer token is not set.",
                {"authenticationError": "DEVELOPER_TOKEN_PARAMETER_MISSING"})
        body = self.body_json() or {}
        q = body.get("query", "") if isinstance(body, dict) else ""
        dm = re.search(r"segments\.date\s*=\s*'(\d{4}-\d{2}-\d{2})'", q)
        day = parse_day(dm.group(1)) if dm else None
        if not day or not re.search(r"\bFROM\s+campaign\b", q, re.I):
            return self.g_error(
                400, "INVALID_ARGUMENT", "Request contains an invalid "
                "argument: this mock answers SELECT ... FROM campaign WHERE "
                "segments.date = 'YYYY-MM-DD'.",
                {"queryError": "INVALID_ARGUMENT_VALUE"})
        if flaky("google"):
            return self.g_error(
                429, "RESOURCE_EXHAUSTED", "Resource has been exhausted "
                "(e.g. check quota).",
                {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"})
        self.send_json(200, self.stream(customer, day))

    @staticmethod
    def stream(customer, day):
        rng = random.Random(f"google:{customer}:{day}")
        base = 20870000 + stable_int("google", customer, digits=3) * 1000
        results = []
        for i in range(rng.randint(40, 60)):
            impressions = rng.randint(1000, 120000)
            clicks = int(impressions * rng.uniform(0.01, 0.06))
            campaign_id = str(base + i * 7)
            results.append({
                "campaign": {"resourceName":
                             f"customers/{customer}/campaigns/{campaign_id}",
                             "id": campaign_id},
                "segments": {"date": day.isoformat()},
                "metrics": {
                    "impressions": str(impressions),
                    "clicks": str(clicks),
                    "costMicros": str(int(clicks * rng.uniform(0.5, 3.0)
                                          * 1e4) * 100),
                },
            })
        mask = ("campaign.id,segments.date,metrics.impressions,"
                "metrics.clicks,metrics.costMicros")
        half = len(results) // 2   # searchStream answers in batches
        return [{"results": results[:half], "fieldMask": mask,
                 "requestId": uuid.uuid4().hex[:22]},
                {"results": results[half:], "fieldMask": mask,
                 "requestId": uuid.uuid4().hex[:22]}]


# --- Microsoft Advertising Reporting --------------------------------------

REPORTS = {}   # ReportRequestId -> {"csv": bytes, "polls": int}


class MicrosoftAdsHandler(Handler):
    api = "microsoft"

    def ms_error(self, status, code, error_code, message):
        self.send_json(status, {
            "TrackingId": str(uuid.uuid4()), "Type": "AdApiFaultDetail",
            "Errors": [{"Code": code, "Detail": None,
                        "ErrorCode": error_code, "Message": message}]})

    def dispatch(self, method):
        m = re.fullmatch(r"/download/([0-9a-f]+)\.zip", self.route)
        if m and method == "GET":
            return self.download(m.group(1))
        if method != "POST" or self.route not in (
                "/Reporting/v13/GenerateReport/Submit",
                "/Reporting/v13/GenerateReport/Poll"):
            return self.ms_error(404, 0, "NotFound",
                                 f"No such operation: {method} {self.route}")
        if bad_token(self.bearer()):
            return self.ms_error(401, 105, "InvalidCredentials",
                                 "Authentication failed. Either supplied "
                                 "credentials are invalid or the account is "
                                 "inactive.")
        if not self.headers.get("DeveloperToken"):
            return self.ms_error(400, 106, "UserIsNotAuthorized",
                                 "The user does not represent a authorized "
                                 "developer.")
        body = self.body_json() or {}
        if self.route.endswith("/Poll"):
            return self.poll(body.get("ReportRequestId"))
        return self.submit(body.get("ReportRequest") or {})

    def submit(self, req):
        if flaky("microsoft"):
            return self.ms_error(429, 117, "CallRateExceeded",
                                 "You have exceeded the number of calls that "
                                 "you are allowed to make in a minute. Please "
                                 "reduce the number of calls that you make "
                                 "per minute.")
        if req.get("Type") != "CampaignPerformanceReportRequest":
            return self.ms_error(400, 2001, "ReportingServiceInvalidReport"
                                 "Request", "The report request is not valid"
                                 ": this mock knows "
                                 "CampaignPerformanceReportRequest.")
        start = (req.get("Time") or {}).get("CustomDateRangeStart") or {}
        try:
            day = datetime.date(int(start["Year"]), int(start["Month"]),
                                int(start["Day"]))
        except (KeyError, TypeError, ValueError):
            return self.ms_error(400, 2015, "ReportingServiceInvalidCustom"
                                 "DateRangeStart", "The custom date range "
                                 "start is not valid.")
        accounts = (req.get("Scope") or {}).get("AccountIds") or [
            self.headers.get("CustomerAccountId")]
        columns = req.get("Columns") or ["TimePeriod", "CampaignId",
                                         "Impressions", "Clicks", "Spend"]
        rid = uuid.uuid4().hex
        REPORTS[rid] = {"csv": self.report_csv(
            [str(a) for a in accounts if a], day, columns, req), "polls": 0}
        self.send_json(200, {"ReportRequestId": rid})

    def poll(self, rid):
        report = REPORTS.get(rid or "")
        if not report:
            return self.ms_error(400, 2003, "ReportingServiceInvalidReport"
                                 "Id", "The specified report request "
                                 "identifier is not valid.")
        report["polls"] += 1
        host = self.headers.get("Host", "127.0.0.1")
        # The first poll finds the report still being built, as the real
        # service usually does.
        if report["polls"] == 1:
            status = {"ReportDownloadUrl": None, "Status": "Pending"}
        else:
            status = {"ReportDownloadUrl":
                      f"http://{host}/download/{rid}.zip?sv=2024&sig=mock",
                      "Status": "Success"}
        self.send_json(200, {"ReportRequestStatus": status})

    def download(self, rid):
        report = REPORTS.get(rid)
        if not report:
            return self.send_bytes(404, b"BlobNotFound", "text/plain")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"{rid}.csv", report["csv"])
        self.send_bytes(200, buf.getvalue(), "application/zip")

    @staticmethod
    def report_csv(accounts, day, columns, req):
        out = io.StringIO()
        w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        if not req.get("ExcludeReportHeader"):
            w.writerow(["Report Name: Campaign Performance"])
            w.writerow([f"Report Time: {day:%m/%d/%Y}"])
            w.writerow([])
        if not req.get("ExcludeColumnHeaders"):
            w.writerow(columns)
        for account in accounts:
            rng = random.Random(f"microsoft:{account}:{day}")
            base = 41000000 + stable_int("microsoft", account,
                                         digits=3) * 1000
            for i in range(rng.randint(25, 40)):
                impressions = rng.randint(800, 40000)
                clicks = int(impressions * rng.uniform(0.005, 0.04))
                row = {
                    "AccountId": account,
                    "CampaignId": str(base + i * 37),
                    "CampaignName": f"Search - Brand {i + 1:02d}",
                    "TimePeriod": day.isoformat(),
                    "Impressions": str(impressions),
                    "Clicks": str(clicks),
                    "Spend": f"{clicks * rng.uniform(0.4, 2.2):.2f}",
                    "CurrencyCode": "USD",
                }
                w.writerow([row.get(c, "") for c in columns])
        if not req.get("ExcludeReportFooter"):
            w.writerow([])
            w.writerow(["\u00a92026 Microsoft Corporation. All rights "
                        "reserved."])
        # Microsoft's CSV reports start with a UTF-8 byte order mark.
        return "\ufeff" + out.getvalue()


# --- seed 003's campaign agents -------------------------------------------

PROHIBITED = ["guaranteed", "risk-free", "miracle"]


class AgentsHandler(Handler):
    api = "agents"

    def agent_error(self, status, code, message, headers=None):
        self.send_json(status, {"error": {"code": code, "message": message}},
                       headers)

    def dispatch(self, method):
        m = re.fullmatch(r"/api/(segmentation|content|generation|"
                         r"compliance)", self.route)
        if not m or method != "POST":
            return self.agent_error(404, "NotFound",
                                    f"No function at {self.route}")
        key = self.headers.get("x-functions-key") or self.query.get("code")
        if bad_token(key):
            return self.agent_error(401, "Unauthorized",
                                    "Missing or invalid function key "
                                    "(x-functions-key)")
        if flaky("agents"):
            return self.agent_error(503, "ServiceUnavailable",
                                    "The function host is starting",
                                    {"Retry-After": "1"})
        data = self.body_json()
        if not isinstance(data, dict) or not data.get("customer_id"):
            return self.agent_error(400, "BadRequest",
                                    "The body must be a JSON object with a "
                                    "customer_id")
        try:
            out = getattr(self, m.group(1))(data)
        except (KeyError, TypeError, ValueError) as e:
            return self.agent_error(400, "BadRequest",
                                    f"{m.group(1)}: bad input: {e!r}")
        self.send_json(200, out)

    # Agent 1: customer_id -> segments and a profile
    @staticmethod
    def segmentation(d):
        rng = random.Random(f"segments:{d['customer_id']}")
        segments = [dict(s, size=s["size"] + rng.randint(-300, 300)) for s in [
            {"segment_id": "seg-young-urban", "name": "Young urban",
             "size": 1200},
            {"segment_id": "seg-families", "name": "Families", "size": 3400},
            {"segment_id": "seg-deal-seekers", "name": "Deal seekers",
             "size": 2100},
            {"segment_id": "seg-loyal", "name": "Loyal customers",
             "size": 900}]]
        return {"customer_id": d["customer_id"],
                "campaign_name": d.get("campaign_name", ""),
                "segments": segments,
                "profile": {"industry": "retail", "region": "EU",
                            "tone": "friendly"}}

    # Agent 2: segments -> content templates
    @staticmethod
    def content(d):
        templates = []
        for seg in d["segments"]:
            for channel in ("email", "sms"):
                templates.append({
                    "template_id": f"tpl-{seg['segment_id']}-{channel}",
                    "segment_id": seg["segment_id"], "channel": channel,
                    "template": "Hi {first_name}! " + {
                        "Young urban": "Our {campaign} picks are made for "
                                       "the city.",
                        "Families": "{campaign}: save on what the whole "
                                    "family needs.",
                        "Deal seekers": "{campaign}: guaranteed lowest "
                                        "prices, risk-free!",
                        "Loyal customers": "Thanks for sticking with us. "
                                           "{campaign} starts early for "
                                           "you.",
                    }[seg["name"]]})
        return {"customer_id": d["customer_id"],
                "campaign_name": d.get("campaign_name", ""),
                "tone": d.get("profile", {}).get("tone", "neutral"),
                "content_templates": templates}

    # Agent 3: templates -> message variants
    @staticmethod
    def generation(d):
        variants = []
        for t in d["content_templates"]:
            for n, name in enumerate(("Alex", "Sam"), 1):
                text = t["template"].format(
                    first_name=name,
                    campaign=d.get("campaign_name") or "Our sale")
                variants.append({
                    "message_id": f"msg-{t['template_id'][4:]}-{n}",
                    "segment_id": t["segment_id"], "channel": t["channel"],
                    "content": text[:160] if t["channel"] == "sms" else text})
        return {"customer_id": d["customer_id"],
                "message_variants": variants}

    # Agent 4: variants -> approved / rejected
    @staticmethod
    def compliance(d):
        approved, rejected = [], []
        for v in d["message_variants"]:
            issues = [f"word: {w}" for w in PROHIBITED
                      if w in v["content"].lower()]
            if issues:
                rejected.append({"message_id": v["message_id"],
                                 "content": v["content"],
                                 "rejection_reason": "Contains prohibited "
                                                     "words",
                                 "compliance_issues": issues})
            else:
                approved.append({"message_id": v["message_id"],
                                 "content": v["content"],
                                 "channel": v["channel"],
                                 "compliance_score": round(
                                     0.9 + stable_int(v["message_id"],
                                                      digits=2) / 1000, 3)})
        return {"customer_id": d["customer_id"],
                "approved_messages": approved,
                "rejected_messages": rejected,
                "message": "approved" if approved else "rejected"}


HANDLERS = {"graph": GraphHandler, "linkedin": LinkedInHandler,
            "google": GoogleAdsHandler, "microsoft": MicrosoftAdsHandler,
            "agents": AgentsHandler}


def proc_state(pid):
    """(state letter, start time) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[0], fields[19]


def still_there(pid, started):
    """True while pid is the same, living process (not a zombie, and not
    a new process that reused the pid)."""
    st = proc_state(pid)
    return st is not None and st[0] != "Z" and st[1] == started


def serve(apis, ready_file=None, watch_pid=None, idle_exit=None):
    servers = []
    urls = {}
    for name in apis:
        srv = ThreadingHTTPServer(("127.0.0.1", 0), HANDLERS[name])
        srv.daemon_threads = True
        servers.append(srv)
        urls[name] = f"http://127.0.0.1:{srv.server_address[1]}"
        threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True,
                         name=name).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    if ready_file:
        tmp = f"{ready_file}.tmp"
        with open(tmp, "w") as f:
            json.dump({"pid": os.getpid(), "urls": urls}, f)
        os.replace(tmp, ready_file)
    else:
        for name, url in urls.items():
            print(f"{ENV_VARS[name]:26} {url}" + (
                "/api/{segmentation,content,generation,compliance}"
                if name == "agents" else ""))
        sys.stdout.flush()
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} mocks pid {os.getpid()} "
                     f"serving {json.dumps(urls)}\n")
    sys.stderr.flush()
    why = "stopped"
    watched = proc_state(watch_pid) if watch_pid else None
    while not stop.wait(0.05):
        if watch_pid and not (watched and still_there(watch_pid,
                                                      watched[1])):
            why = f"process {watch_pid} is gone"
            break
        if idle_exit and time.monotonic() - STATE["last_request"] > idle_exit:
            why = f"idle for {idle_exit:g}s"
            break
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} mocks: {why}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--apis", default=",".join(HANDLERS),
                    help="comma-separated: " + ",".join(HANDLERS))
    ap.add_argument("--ready-file", help="write {pid, urls} here once "
                    "listening")
    ap.add_argument("--watch-pid", type=int,
                    help="exit when this process is gone")
    ap.add_argument("--idle-exit", type=float,
                    help="exit after this many seconds without a request")
    a = ap.parse_args()
    apis = [x.strip() for x in a.apis.split(",") if x.strip()]
    unknown = [x for x in apis if x not in HANDLERS]
    if unknown:
        ap.error(f"unknown API {unknown[0]!r}; known: {', '.join(HANDLERS)}")
    serve(apis, a.ready_file, a.watch_pid, a.idle_exit)


if __name__ == "__main__":
    main()
