"""Times segments/count for common rule shapes; run by bench/segment-count.sh against a running local platform."""
import http.cookiejar, json, os, sys, time, urllib.parse, urllib.request

base, n, commit = sys.argv[1], int(sys.argv[2]), sys.argv[3]
requests = int(os.environ.get("REQUESTS", "50"))
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def call(method, path, body=None, ctype="application/json"):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    with opener.open(req, timeout=600) as r:
        return r.status, r.headers, r.read()


call("POST", "/api/auth/login", {"email": "demo@example.com", "password": "tidings-demo-password"})
slug = "segbench-%d" % int(time.time())
_, _, body = call("POST", "/api/newsletters", {"slug": slug, "name": "Segment Bench", "fromName": "Bench",
                                               "fromEmail": "demo@example.com", "doubleOptIn": False})
nl = json.loads(body)["id"]


def tags(i):
    t = []
    if i % 10 == 0:
        t.append("vip")          # 10 %
    if i % 1000 == 0:
        t.append("rare")         # 0.1 %
    if i % 2 == 0:
        t.append("even")         # 50 %
    t.append("cohort-%d" % (i % 20))
    return ";".join(t)


csv = "email,name,tags,plan,city,renews\n" + "".join(
    "reader%d@bench.example.com,Reader %d,%s,%s,Town %d,2027-%02d-01\n"
    % (i, i, tags(i), "pro" if i % 7 == 0 else "free", i % 50, 1 + i % 12) for i in range(n))
t0 = time.time()
_, headers, _ = call("POST", "/api/newsletters/%s/subscribers/import" % nl, csv.encode(), "text/csv")
location = urllib.parse.urlparse(headers["Location"]).path
while True:
    _, _, body = call("GET", location)
    job = json.loads(body)
    if job["status"] != "running":
        break
    time.sleep(1)
print("imported %d subscribers in %.1f s (%s)" % (job["created"], time.time() - t0, job["status"]), file=sys.stderr)

rules = [
    ("tag (10 %)", {"all": [{"tag": "vip"}]}),
    ("tag (0.1 %)", {"all": [{"tag": "rare"}]}),
    ("two tags", {"all": [{"tag": "vip"}, {"tag": "even"}]}),
    ("notTag (50 %)", {"all": [{"notTag": "even"}]}),
    ("attribute eq", {"all": [{"attribute": "plan", "op": "eq", "value": "pro"}]}),
    ("attribute contains", {"all": [{"attribute": "city", "op": "contains", "value": "own 4"}]}),
    ("attribute exists", {"all": [{"attribute": "city", "op": "exists"}]}),
    ("attribute after (date)", {"all": [{"attribute": "renews", "op": "after", "value": "2027-06-15"}]}),
    ("subscribedAfter", {"all": [{"subscribedAfter": "2020-01-01T00:00:00Z"}]}),
    ("opened within 30 days", {"all": [{"opened": {"withinDays": 30}}]}),
    ("notOpened last 3 issues", {"all": [{"notOpened": {"lastIssues": 3}}]}),
    ("nested any/all (5 conditions)", {"any": [
        {"all": [{"tag": "vip"}, {"attribute": "plan", "op": "eq", "value": "pro"}]},
        {"all": [{"notTag": "even"}, {"attribute": "city", "op": "contains", "value": "7"},
                 {"subscribedAfter": "2020-01-01"}]}]}),
]
print("\n| rule | matches | p50 ms | p95 ms | max ms |")
print("| --- | ---: | ---: | ---: | ---: |")
worst = 0.0
for name, rule in rules:
    durations = []
    for i in range(5 + requests):
        t = time.perf_counter()
        status, _, body = call("POST", "/api/newsletters/%s/segments/count" % nl, {"rule": rule})
        elapsed = (time.perf_counter() - t) * 1000
        if status != 200:
            sys.exit("%s answered %d" % (name, status))
        if i >= 5:
            durations.append(elapsed)
    durations.sort()
    p50 = durations[len(durations) // 2]
    p95 = durations[max(0, int(len(durations) * 0.95) - 1)]
    worst = max(worst, p95)
    print("| %s | %d | %.1f | %.1f | %.1f |" % (name, json.loads(body)["active"], p50, p95, durations[-1]))
print("\nworst p95: %.1f ms (target < 200 ms); %d requests per rule; %d subscribers; commit %s; %s" % (
    worst, requests, n, commit, time.strftime("%Y-%m-%d")))
