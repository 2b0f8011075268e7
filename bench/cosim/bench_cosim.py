"""Co-simulation throughput (issue 2): cycles/s of the lane design with the model role
across the bridge, divided by cycles/s of the same verilated design alone (RX = TX delayed
by L in-process: no bridge, no physics). Target >= 0.9 for ipc (separate processes) and
inproc, at the default L and Q. Also the sweep over L and Q. Runs alternate; the ratio is the
median over rounds of each round's cosim / bare.

All runs use cpoemu's default CPU placement (--cpu-placement auto: the rtl's simulation thread
alone on one CPU, model and ZeroMQ threads on the others) unless --cpu-placement says otherwise.

With --waker (bench/cosim/cpu_waker.c), each round also runs the bare design beside a process on
the other CPU that only wakes every 500 us and spins 25 us, about what the model role's thread
does: bare_beside_waker_over_bare_ratio is what a co-simulation pays on this machine merely for
using the second CPU, with no bridge and no contact between the two, the ceiling the machine
sets for the co-simulation ratio.

usage: bench_cosim.py CPOEMU OUT_DIR [--cycles N] [--rounds N] [--cpu-placement auto|off|N]
                      [--waker CPU_WAKER]"""
import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile

TARGET = 0.9


EXTRA = []  # options given to every run


def result(cpoemu, args):
    """The JSON result of one run without a host."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "r.json")
        p = subprocess.run([cpoemu] + args + EXTRA + ["--quiet", "--no-host", "--json", path],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            sys.exit(f"bench_cosim: {' '.join(args)} failed:\n{p.stdout}{p.stderr}")
        with open(path) as f:
            return json.load(f)


def speed(r):
    """Cycles per second of the rtl's synchroniser loop (start-up excluded)."""
    return r["cycles"] / r["wall_s"]


def wall(cpoemu, args):
    return speed(result(cpoemu, args))


def cosim(cpoemu, transport, n):
    """One co-simulation run: its result, cycles/s, and the fraction of it spent waiting for RX."""
    r = result(cpoemu, ["run", "--transport", transport] + n)
    return r, speed(r), r["model_wait_s"] / r["wall_s"]


@contextlib.contextmanager
def waker_beside(waker):
    """cpu_waker on every CPU but the lowest (where placement auto puts the simulation)."""
    others = sorted(os.sched_getaffinity(0))[1:]
    p = subprocess.Popen([waker, "600", "500", "25"], preexec_fn=lambda: os.sched_setaffinity(0, others))
    try:
        yield
    finally:
        p.kill()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cpoemu")
    ap.add_argument("out_dir")
    ap.add_argument("--cycles", type=int, default=4_000_000)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--cpu-placement", help="passed to every run (default: cpoemu's own, auto)")
    ap.add_argument("--no-sweep", action="store_true", help="only the default L and Q")
    ap.add_argument("--waker", help="bench/cosim's cpu_waker: also measure the machine's own ceiling")
    a = ap.parse_args()
    if a.waker and len(os.sched_getaffinity(0)) < 2:
        a.waker = None  # one CPU: nothing beside the simulation to measure
    if a.cpu_placement:
        EXTRA.extend(["--cpu-placement", a.cpu_placement])
    n = ["--cycles", str(a.cycles)]
    metrics = []

    def add(name, value, unit, target=None, better="higher"):
        metrics.append({"name": name, "value": value, "unit": unit, "target": target, "better": better})
        t = f"target >= {target}: {'MET' if value >= target else 'NOT MET'}" if target else ""
        print(f"  {name:44s} {value:14.4g} {unit:10s} {t}", flush=True)

    bare, ipc, inproc, ipc_wait, inproc_wait, beside = [], [], [], [], [], []
    for k in range(a.rounds):
        bare.append(wall(a.cpoemu, ["rtl", "--direct"] + n))
        if a.waker:
            with waker_beside(a.waker):
                beside.append(wall(a.cpoemu, ["rtl", "--direct"] + n))
        r, s, w = cosim(a.cpoemu, "ipc", n)
        ipc.append(s)
        ipc_wait.append(w)
        if k == 0:
            c = r["config"]
            print(f"bench_cosim: {a.cycles} cycles per run, {a.rounds} alternating rounds, default "
                  f"L={c['latency_cycles']} Q={c['quantum_cycles']}, profile {c['profile']}, "
                  f"CPU placement {a.cpu_placement or 'default (auto)'}", flush=True)
        _, s, w = cosim(a.cpoemu, "inproc", n)
        inproc.append(s)
        inproc_wait.append(w)
    b, i, p = statistics.median(bare), statistics.median(ipc), statistics.median(inproc)
    add("bare_design_cycles_per_s", b, "cycles/s")
    add("ipc_cosim_cycles_per_s", i, "cycles/s")
    add("inproc_cosim_cycles_per_s", p, "cycles/s")
    # Each round's ratio is to the bare run of the same round (seconds apart), so a load that
    # comes and goes on a shared machine hits numerator and denominator alike; median of rounds.
    add("ipc_cosim_over_bare_ratio", statistics.median(x / y for x, y in zip(ipc, bare)), "ratio", TARGET)
    add("inproc_cosim_over_bare_ratio", statistics.median(x / y for x, y in zip(inproc, bare)), "ratio", TARGET)
    if beside:
        add("bare_beside_waker_over_bare_ratio", statistics.median(x / y for x, y in zip(beside, bare)), "ratio")
    # What the co-simulation lost to waiting for the model's RX (the rest is the rtl's own work
    # for the bridge, and whatever the second CPU's activity costs the first).
    add("ipc_model_wait_fraction", statistics.median(ipc_wait), "fraction", better="lower")
    add("inproc_model_wait_fraction", statistics.median(inproc_wait), "fraction", better="lower")
    print("  per round (bare, ipc, inproc Mcycles/s): " +
          "; ".join(f"{x * 1e-6:.2f} {y * 1e-6:.2f} {z * 1e-6:.2f}" for x, y, z in zip(bare, ipc, inproc)))

    if not a.no_sweep:
        print("sweep over L and Q (ipc), ratio to a bare run measured just before each point:")
        sweep_cycles = ["--cycles", str(a.cycles // 2)]
        for latency in (256, 1024, 3264):  # L up to the optical path's latency (3264 cycles)
            for q in (latency // 8, latency // 4, latency // 2, latency):
                lq = ["--latency", str(latency), "--quantum", str(q)]
                base = wall(a.cpoemu, ["rtl", "--direct"] + sweep_cycles + lq)
                co = wall(a.cpoemu, ["run", "--transport", "ipc"] + sweep_cycles + lq)
                add(f"ipc_ratio_L{latency}_Q{q}", co / base, "ratio")

    with open(os.path.join(a.out_dir, "cosim_throughput.json"), "w") as f:
        json.dump({"benchmark": "cosim_throughput", "metrics": metrics}, f, indent=2)
    print(f"wrote {os.path.join(a.out_dir, 'cosim_throughput.json')}")


if __name__ == "__main__":
    main()
