#!/usr/bin/env python3
"""Draws the app's RSS over a delivery benchmark run (target/bench-delivery/rss.csv) as a PNG.

    bench/plot-rss.py [rss.csv] [out.png] [title]

Needs matplotlib (Debian: apt-get install python3-matplotlib; this script installs it when it can).
"""
import csv
import os
import subprocess
import sys

try:
    import matplotlib
except ImportError:
    # Debian's package goes to Debian's python3, which may not be the one on PATH (pyenv).
    system = "/usr/bin/python3"
    if os.geteuid() == 0 and subprocess.run([system, "-c", "import matplotlib"], capture_output=True).returncode:
        subprocess.run(["apt-get", "install", "-y", "-q", "python3-matplotlib"], check=True,
                       stdout=subprocess.DEVNULL)
    if os.path.realpath(sys.executable) != os.path.realpath(system) and os.path.exists(system):
        os.execv(system, [system] + sys.argv)
    sys.exit("needs matplotlib: apt-get install python3-matplotlib")

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

source = sys.argv[1] if len(sys.argv) > 1 else "target/bench-delivery/rss.csv"
target = sys.argv[2] if len(sys.argv) > 2 else "docs/bench-rss.png"
title = sys.argv[3] if len(sys.argv) > 3 else "Tidings app RSS during delivery"
with open(source) as f:
    rows = [(float(r["seconds"]), int(r["rss_mib"])) for r in csv.DictReader(f) if r["rss_mib"]]
if not rows:
    sys.exit(f"no samples in {source}")
xs, ys = zip(*rows)
fig, ax = plt.subplots(figsize=(8, 3.6), dpi=100)
ax.plot(xs, ys, linewidth=1.2, color="#1f6feb", label="RSS (sampled every second)")
ax.axhline(512, color="#cf222e", linestyle="--", linewidth=1, label="512 MiB target")
ax.set_xlabel("seconds since publish")
ax.set_ylabel("MiB")
ax.set_ylim(0, max(600, max(ys) * 1.1))
ax.set_title(title)
ax.legend(loc="lower right")
ax.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(target)
print(f"{target}: {len(rows)} samples, min {min(ys)} MiB, max {max(ys)} MiB")
