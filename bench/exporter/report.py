"""Prints the exporter benchmarks' results (the JSON lines bench/exporter/lib.sh's `bench`
writes): the table, per-node counters, and target checks. Imported by the scripts' report
steps (run.sh, modes.sh), which choose the checks."""
import json


def load(path):
    """The results by exporter name, in run order."""
    return {r["name"]: r for r in map(json.loads, open(path))}


def cost(r):
    """CPU per scrape of the exporter and of every Redis node it read, in ms."""
    return r["exporter_cpu_ms_per_scrape"] + r["redis_cpu_ms_per_scrape"]


def cmds_per_reading(r):
    return sum(n["cmds_per_reading"] for n in r["nodes"])


def reads_per_reading(r):
    return sum(n["reads_per_reading"] for n in r["nodes"])


def table(rows):
    """One line per exporter. "round trips/scrape" is what run.sh always printed (readings
    per scrape under load, from the marker command); the last three columns come from the
    sequential scrapes, one reading each, summed over the Redis nodes."""
    print(f"{'exporter':<24}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'peak RSS MiB':>14}{'RSS MiB':>9}"
          f"{'exp CPU ms/scrape':>19}{'Redis CPU ms/scrape':>21}{'round trips/scrape':>20}{'errors':>8}"
          f"{'cmds/reading':>14}{'reads/reading':>15}{'KiB in/reading':>16}")
    for r in rows.values():
        kib = sum(n["kib_in_per_reading"] for n in r["nodes"])
        print(f"{r['name']:<24}{r['rps']:>10.0f}{r['p50_ms']:>9.3f}{r['p99_ms']:>9.3f}{r['vmhwm_kib']/1024:>14.1f}"
              f"{r['vmrss_kib']/1024:>9.1f}{r['exporter_cpu_ms_per_scrape']:>19.4f}{r['redis_cpu_ms_per_scrape']:>21.4f}"
              f"{r['round_trips_per_scrape']:>20.3f}{r['non2xx']:>8}"
              f"{cmds_per_reading(r):>14.1f}{reads_per_reading(r):>15.2f}{kib:>16.2f}")


def nodes(r):
    """Per Redis node of one run: commands, read events (≈ round trips) and KiB per reading."""
    for n in r["nodes"]:
        print(f"  {r['name']} node :{n['port']:<6} {n['cmds_per_reading']:8.1f} cmds/reading "
              f"{n['reads_per_reading']:6.2f} reads/reading {n['kib_in_per_reading']:8.2f} KiB in/reading")


def checks(items):
    """items: (label, value, target text, predicate); prints one line each."""
    for label, value, target, ok in items:
        print(f"{label:<56}{value:>10.2f}   target {target:<9} {'ok' if ok(value) else 'MISSED'}")


def at_least(x):
    return lambda v: v >= x


def at_most(x):
    return lambda v: v <= x


def info(_):
    return True
