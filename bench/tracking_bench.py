"""Prepares and checks bench/tracking.sh: an issue with tracking sent to N readers, their links, the report."""
import email, http.cookiejar, json, os, re, sys, time, urllib.parse, urllib.request

opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def call(base, method, path, body=None, ctype="application/json"):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    with opener.open(req, timeout=600) as r:
        return r.status, r.headers, r.read()


def login(base):
    call(base, "POST", "/api/auth/login", {"email": "demo@example.com", "password": "tidings-demo-password"})


def prepare(base, mailapi, work):
    n = int(os.environ.get("READERS", "1000"))
    login(base)
    slug = "trackbench-%d" % int(time.time())
    _, _, body = call(base, "POST", "/api/newsletters", {"slug": slug, "name": "Tracking Bench", "fromName": "Bench",
                                                         "fromEmail": "demo@example.com", "doubleOptIn": False,
                                                         "trackOpens": True, "trackClicks": True})
    nl = json.loads(body)["id"]
    csv = "email,name\n" + "".join("r%d@track.example.com,Reader %d\n" % (i, i) for i in range(n))
    _, headers, _ = call(base, "POST", "/api/newsletters/%s/subscribers/import" % nl, csv.encode(), "text/csv")
    location = urllib.parse.urlparse(headers["Location"]).path
    while json.loads(call(base, "GET", location)[2])["status"] == "running":
        time.sleep(0.5)
    html = "<p>Hello {subscriber.name}</p>" + "".join(
        '<p><a href="https://example.com/article/%d">Article %d</a></p>' % (i, i) for i in range(3))
    _, _, body = call(base, "POST", "/api/newsletters/%s/issues" % nl, {"subject": "Bench", "bodyHtml": html})
    issue = json.loads(body)["id"]
    call(base, "POST", "/api/newsletters/%s/issues/%s/publish" % (nl, issue), b"")
    while json.loads(call(base, "GET", "/api/newsletters/%s/issues/%s/delivery" % (nl, issue))[2])["status"] != "sent":
        time.sleep(0.5)
    urls = []
    for i in range(n):
        with urllib.request.urlopen("%s/api/user/r%d@track.example.com/messages/" % (mailapi, i)) as r:
            messages = json.loads(r.read())
        raw = messages[-1]["mimeMessage"]
        msg = email.message_from_string(raw)
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                text = part.get_payload(decode=True).decode("utf-8")
                for u in re.findall(r'"(https?://[^"]*/t/[co]/[^"]+)"', text):
                    urls.append(urllib.parse.urlparse(u).path)
    opens = [u for u in urls if "/t/o/" in u]
    clicks = [u for u in urls if "/t/c/" in u]
    mixed = []
    for i in range(max(len(opens), len(clicks))):
        if i < len(opens):
            mixed.append(opens[i])
        if i < len(clicks):
            mixed.append(clicks[i % len(clicks)])
    with open(os.path.join(work, "urls.txt"), "w") as f:
        f.write("\n".join(mixed) + "\n")
    with open(os.path.join(work, "issue.json"), "w") as f:
        json.dump({"newsletter": nl, "issue": issue}, f)
    print("sent to %d readers; %d open and %d click URLs" % (n, len(opens), len(clicks)), file=sys.stderr)


def verify(base, work, commit):
    login(base)
    with open(os.path.join(work, "issue.json")) as f:
        ids = json.load(f)
    answered = 0
    for name in ("warmup.txt", "wrk.txt"):
        text = open(os.path.join(work, name)).read()
        answered += int(re.search(r"(\d+) requests in", text).group(1))
        if "Non-2xx or 3xx responses" in text:
            sys.exit("some requests failed:\n" + text)
    started = time.time()
    counted = 0
    while time.time() - started < 300:
        _, _, body = call(base, "GET", "/api/newsletters/%s/issues/%s/report" % (ids["newsletter"], ids["issue"]))
        r = json.loads(body)
        counted = sum(r[k]["total"] + r[k]["machine"] for k in ("opens", "clicks"))
        if counted >= answered:
            time.sleep(2)
            _, _, body = call(base, "GET", "/api/newsletters/%s/issues/%s/report" % (ids["newsletter"], ids["issue"]))
            r = json.loads(body)
            counted = sum(r[k]["total"] + r[k]["machine"] for k in ("opens", "clicks"))
            break
        time.sleep(1)
    caught_up = time.time() - started
    # wrk does not count the requests still open when it stops (at most one per connection and run),
    # though the app answered them: the report may count up to that many more.
    slack = 2 * int(os.environ.get("CONNECTIONS", "32"))
    ok = answered <= counted <= answered + slack
    print("answered %d requests; the report counts %d events (%s), %.0f s after the load ended; commit %s; %s" % (
        answered, counted, "all" if ok else "MISMATCH", caught_up, commit, time.strftime("%Y-%m-%d")))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        verify(sys.argv[2], sys.argv[3], sys.argv[4])
