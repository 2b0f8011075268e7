"""Regressions (issue 15): the wall time of a matrix on this machine's 2 cores, and the speed-up
of `cpoemu regress -j 2` over `-j 1` on the same matrix (target >= 1.7).

How: a small matrix (the default scenario, --seeds runs of --cycles cycles each) is run whole
with -j 1 and with -j 2 in each round, the order shuffled per round (no variant always first),
and the speed-up is the median over rounds of each round's wall(-j 1) / wall(-j 2), with a 95 %
bootstrap interval: a shared machine's speed swings from one second to the next, and a ratio of
two runs side by side in one round cancels most of that. The wall time is regress's own (the
summary's wall_s: from the first run's start to the last one's end). -j 1 runs each with
--cpu-placement auto (the simulation thread on a CPU of its own), -j 2 with off (regress's
defaults). A run alone keeps more than one CPU busy (the rtl's simulation thread, the model's,
the host's), so on 2 CPUs the speed-up is bounded by 2 / (CPUs one run keeps busy), which the
benchmark measures (the CPU time of the runs over the wall time, at -j 1) and prints beside it.
Then, unless --no-nightly, the whole scenario library (every *.ini at its own cycles,
seed 1) once with -j 2: the nightly matrix's wall time.

usage: bench_regress.py CPOEMU OUT_DIR [--rounds N] [--seeds N] [--cycles N] [--no-nightly]"""
import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cosim"))
from bench_cosim import Metrics, median_with_ci  # noqa: E402  (bench/cosim's paired-rounds tools)

TARGET = 1.7
SEED = 1  # the rounds' orders and the bootstrap: the same every time


def cpu_s():
  """CPU seconds (user + system) of the children reaped so far, and theirs."""
  r = resource.getrusage(resource.RUSAGE_CHILDREN)
  return r.ru_utime + r.ru_stime


def regress(cpoemu, args, tmp):
  """Run `cpoemu regress ARGS --out a new dir`; return its summary (every run must pass), with
  the CPU seconds it and its runs took as cpu_s."""
  out = tempfile.mkdtemp(dir=tmp)
  before = cpu_s()
  p = subprocess.run([cpoemu, "regress", "--out", out] + args,
                     capture_output=True,
                     text=True,
                     timeout=7200)
  if p.returncode != 0:
    sys.exit(f"bench_regress: regress {' '.join(args)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
  with open(os.path.join(out, "summary.json")) as f:
    summary = json.load(f)
  summary["cpu_s"] = cpu_s() - before
  return summary


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("cpoemu")
  ap.add_argument("out_dir")
  ap.add_argument("--rounds", type=int, default=8)
  ap.add_argument("--seeds", type=int, default=4)
  ap.add_argument("--cycles", type=int, default=200000)
  ap.add_argument("--no-nightly", action="store_true")
  a = ap.parse_args()
  rng = random.Random(SEED)
  metrics = Metrics()
  add = metrics.add

  with tempfile.TemporaryDirectory(prefix="bench-regress-") as tmp:
    lst = os.path.join(tmp, "bench.lst")
    with open(lst, "w") as f:
      f.write(f"default seeds=1-{a.seeds} --cycles {a.cycles}\n")
    print(
        f"bench_regress: {a.rounds} rounds of {a.seeds} runs x {a.cycles} cycles, "
        f"-j 1 and -j 2 in shuffled order; {os.cpu_count()} CPUs",
        flush=True)
    walls = {1: [], 2: []}
    busy = []  # CPUs a run keeps busy on average (-j 1): -j 2 on 2 CPUs gains at most 2 / busy
    ratios = []
    for r in range(a.rounds):
      order = [1, 2]
      rng.shuffle(order)
      got = {}
      for j in order:
        s = regress(a.cpoemu, [lst, "-j", str(j)], tmp)
        got[j] = s["wall_s"]
        walls[j].append(got[j])
        if j == 1:
          busy.append(s["cpu_s"] / s["wall_s"])
      ratios.append(got[1] / got[2])
      print(
          f"  round {r + 1}: -j 1 {got[1]:.2f} s, -j 2 {got[2]:.2f} s, "
          f"speed-up {ratios[-1]:.3f}",
          flush=True)
    med, lo, hi = median_with_ci(ratios, rng)
    print(f"speed-up of -j 2 over -j 1: median {med:.3f} (95 % interval {lo:.3f} .. {hi:.3f})")
    add("regress_j2_over_j1_speedup", med, "ratio", TARGET)
    add("regress_j2_over_j1_speedup_ci_low", lo, "ratio")
    add("regress_j2_over_j1_speedup_ci_high", hi, "ratio")
    add("small_matrix_wall_j1_median", statistics.median(walls[1]), "s", better="lower")
    add("small_matrix_wall_j2_median", statistics.median(walls[2]), "s", better="lower")
    add("cpus_busy_per_run_j1_median", statistics.median(busy), "CPUs", better="lower")
    print(f"a run alone keeps {statistics.median(busy):.2f} CPUs busy (rtl, model and host "
          f"threads): on 2 CPUs, -j 2 can gain at most {2 / statistics.median(busy):.2f}x")
    if not a.no_nightly:
      s = regress(a.cpoemu, ["-j", "2"], tmp)
      sim = sum(run.get("sim_time_s") or 0 for run in s["runs"])
      print(f"nightly matrix (the scenario library, seed 1): {len(s['runs'])} runs, "
            f"{sim * 1e3:.3f} ms simulated, in {s['wall_s']:.1f} s with -j 2")
      add("nightly_matrix_wall_j2", s["wall_s"], "s", better="lower")
      add("nightly_matrix_runs", len(s["runs"]), "runs")
  path = os.path.join(a.out_dir, "regress.json")
  with open(path, "w") as f:
    json.dump({"benchmark": "regress", "metrics": metrics}, f, indent=2)
  print(f"wrote {path}")


if __name__ == "__main__":
  main()
