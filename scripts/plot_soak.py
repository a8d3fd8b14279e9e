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
    col = lambda key: [float(r[key]) for r in rows]  # noqa: E731
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    ax.plot(t, col("pss_total_mib"), label="total (app + WebKit)", linewidth=2.0)
    ax.plot(t, col("app_mib"), label="kickstand (Rust)", linewidth=1.0)
    # Runs before the benchmark matched WebKit's cut process names had the
    # web and network processes under "other": plot them as one line then.
    if any(col("web_mib")):
        ax.plot(t, col("web_mib"), label="WebKitWebProcess", linewidth=1.0)
        ax.plot(t, col("network_mib"), label="WebKitNetworkProcess", linewidth=1.0)
    else:
        webkit = [a - b for a, b in zip(col("pss_total_mib"), col("app_mib"))]
        ax.plot(t, webkit, label="WebKit processes (web + network)", linewidth=1.0)
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
