#!/usr/bin/env python3
"""Plots the memory soak (e2e/bench/memory.js's CSV) to a PNG with matplotlib.

    python3 scripts/plot_soak.py bench/results/<date>/memory-soak.csv docs/memory-soak.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src: str, dst: str) -> None:
    with open(src, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{src}: no samples")
    t = [float(r["t_s"]) / 60 for r in rows]
    series = [
        ("pss_total_mib", "total (app + WebKit)", 2.0),
        ("web_mib", "WebKitWebProcess", 1.0),
        ("app_mib", "kickstand (Rust)", 1.0),
        ("network_mib", "WebKitNetworkProcess", 1.0),
    ]
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    for key, label, width in series:
        ax.plot(t, [float(r[key]) for r in rows], label=label, linewidth=width)
    total = [float(r["pss_total_mib"]) for r in rows]
    first = sum(total[:6]) / len(total[:6])
    last = sum(total[-6:]) / len(total[-6:])
    ax.set_title(
        f"Kickstand memory soak: chat at 100 msg/s, feed on (PSS; growth {last - first:+.1f} MiB)"
    )
    ax.set_xlabel("minutes")
    ax.set_ylabel("MiB (PSS)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="center right")
    fig.tight_layout()
    fig.savefig(dst)
    print(f"{dst}: {len(rows)} samples, growth {last - first:+.1f} MiB")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
