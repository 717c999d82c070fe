"""Measures the web admin's pages; run by bench/admin-pages.sh against a running local platform."""
import http.cookiejar, json, os, re, statistics, sys, time, urllib.parse, urllib.request

base, n, commit = sys.argv[1], int(sys.argv[2]), sys.argv[3]
requests = int(os.environ.get("REQUESTS", "200"))
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def call(method, path, body=None, ctype="application/json", headers=None):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with opener.open(req, timeout=600) as r:
        return r.status, r.headers, r.read()


call("POST", "/api/auth/login", {"email": "demo@example.com", "password": "tidings-demo-password"})
slug = "bench-%d" % int(time.time())
_, _, body = call("POST", "/api/newsletters", {"slug": slug, "name": "Bench Weekly", "fromName": "Bench",
                                               "fromEmail": "demo@example.com", "doubleOptIn": False})
nl = json.loads(body)["id"]
csv = "email,name,city\n" + "".join("reader%d@bench.example.com,Reader %d,Town %d\n" % (i, i, i % 50) for i in range(n))
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

issue_body = {"subject": "Hello {subscriber.name}", "bodyMarkdown": "Hi **{subscriber.name}** of {subscriber.attributes.city}.\n\n" * 20 + "[Unsubscribe]({unsubscribeUrl})"}
_, _, body = call("POST", "/api/newsletters/%s/issues" % nl, issue_body)
draft = json.loads(body)["id"]
_, _, body = call("POST", "/api/newsletters/%s/issues" % nl, issue_body)
sent = json.loads(body)["id"]
call("POST", "/api/newsletters/%s/issues/%s/publish" % (nl, sent), b"")
time.sleep(3)
call("POST", "/api/newsletters/%s/issues/%s/pause" % (nl, sent), b"")
_, _, body = call("GET", "/api/newsletters/%s/issues/%s/delivery" % (nl, sent))
progress = json.loads(body)
print("published to %d, paused after %d sent" % (progress["recipients"], progress["sent"]), file=sys.stderr)
_, _, body = call("GET", "/api/newsletters/%s/subscribers?limit=1" % nl)
page = json.loads(body)
sid, cursor = page["items"][0]["id"], page["nextCursor"]
_, _, body = call("GET", "/api/newsletters/%s/subscribers?limit=50" % nl)
cursor = json.loads(body)["nextCursor"]

q = urllib.parse.quote
pages = [
    ("dashboard", "/app"),
    ("newsletter settings", "/app/newsletters/%s" % nl),
    ("subscribers, first page", "/app/newsletters/%s/subscribers" % nl),
    ("subscribers, active tab", "/app/newsletters/%s/subscribers?status=active" % nl),
    ("subscribers, next page", "/app/newsletters/%s/subscribers?cursor=%s" % (nl, q(cursor))),
    ("search by address", "/app/newsletters/%s/subscribers/rows?q=reader77777" % nl),
    ("search by name", "/app/newsletters/%s/subscribers/rows?q=%s" % (nl, q("Reader 4242"))),
    ("subscriber", "/app/newsletters/%s/subscribers/%s" % (nl, sid)),
    ("import", "/app/newsletters/%s/import" % nl),
    ("issues", "/app/newsletters/%s/issues" % nl),
    ("issue editor", "/app/newsletters/%s/issues/%s" % (nl, draft)),
    ("preview block", "/app/newsletters/%s/issues/%s/preview?subscriberId=%s" % (nl, draft, sid)),
    ("preview frame", "/app/newsletters/%s/issues/%s/preview/frame?subscriberId=%s" % (nl, draft, sid)),
    ("delivery (%d recipients)" % progress["recipients"], "/app/newsletters/%s/issues/%s/delivery" % (nl, sent)),
    ("delivery, sent filter", "/app/newsletters/%s/issues/%s/delivery?status=sent" % (nl, sent)),
    ("API tokens", "/app/tokens"),
]
assets = {}
print("\n| page | p50 ms | p95 ms | max ms | HTML KiB | page + assets KiB |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
worst = 0.0
for name, path in pages:
    durations = []
    for i in range(20 + requests):
        status, headers, html = call("GET", path)
        if status != 200:
            sys.exit("%s answered %d" % (path, status))
        timing = re.search(r"dur=([0-9.]+)", headers.get("Server-Timing", ""))
        if i >= 20:
            durations.append(float(timing.group(1)))
    durations.sort()
    p50 = durations[len(durations) // 2]
    p95 = durations[int(len(durations) * 0.95) - 1]
    worst = max(worst, p95)
    text = html.decode("utf-8", "replace")
    weight = len(html)
    for src in re.findall(r'(?:src|href)="(/(?:app/assets|webjars)/[^"]+)"', text):
        if src not in assets:
            assets[src] = len(call("GET", src)[2])
        weight += assets[src]
    print("| %s | %.1f | %.1f | %.1f | %.1f | %.1f |" % (name, p50, p95, durations[-1], len(html) / 1024, weight / 1024))
call("POST", "/api/newsletters/%s/issues/%s/cancel" % (nl, sent), b"")
print("\nworst p95: %.1f ms; %d requests per page; %d subscribers; commit %s; %s" % (
    worst, requests, n, commit, time.strftime("%Y-%m-%d")))
