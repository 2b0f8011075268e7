#!/usr/bin/python3
"""A cold CMIS bring-up through cpoemu at the engine's advertised durations (not scaled) and the
profile's real datapath clock, from the calibrated snapshot (--start calibrated): the C tool
`cpoemu cmis bringup --then-low-power` as the host of `cpoemu rtl --with-host` + `cpoemu model`.
The engine is under CMIS management from cycle 0 (timeline event `cmis_managed`: OE
CMIS_CTRL.BYPASS off), as a module on a board: every lane parked until the host activates it,
instead of streaming by STREAM_EN while the host reads the module in low power.

Per profile (8 lanes: mrm-els-8x200g; 64 lanes: mzm-6.4t) it reports the simulated time of the
bring-up (the tool's own figure), the wall time from the roles' start to the host's exit, the
register accesses, and the cycles the rtl clocked against those it skipped (what limits the wall
time: every cycle clocked costs the engine's per-cycle rate; skipped ones cost their events).
Targets (issue 13): <= 10 s wall for 8 lanes, <= 60 s for 64. A run that has not finished within
--timeout-s is reported as such, with the wall time it was given.

usage: bench_cmis_bringup.py CPOEMU [--timeout-s S] [--profiles P,...] [--out DIR]
Writes cmis_bringup.json ({"benchmark", "metrics"}) into --out (default: $CPO_BENCH_DIR or .).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "cosim"))
import cpoemu_proc  # noqa: E402

# profile: (lanes, the engine design's symbols per cycle, wall target in s)
PROFILES = {"mrm-els-8x200g": (8, 8, 10.0), "mzm-6.4t": (64, 8, 60.0)}
RUN_S = 0.6  # simulated time the run covers: the bring-up (~0.25 s) and a parked tail


def bench_one(cpoemu, profile, timeout_s):
  lanes, spc, target = PROFILES[profile]
  out = tempfile.mkdtemp(prefix="cpo_bench_cmis_")
  try:
    json_path = os.path.join(out, "rtl.json")
    scenario = os.path.join(out, "managed.ini")
    with open(scenario, "w") as f:
      f.write("[event.board]\nat = 0 cycles\nwhat = cmis_managed\n")
    run = [
        scenario, "--profile", profile, "--quiet", "--cycles",
        str(int(RUN_S * 106.25e9 / spc)), "--expect-min-locked-lanes", "0", "--expect-min-bits",
        "0", "--expect-max-ber", "1"
    ]
    t0 = time.monotonic()
    roles = cpoemu_proc.Roles(cpoemu)
    try:
      roles.spawn("rtl", "--with-host", "--json", json_path, *run)
      roles.spawn("model", *run)
      try:
        p = subprocess.run([
            cpoemu, "cmis", "bringup", "--then-low-power", "--hold-to-end", "--endpoint",
            roles.endpoint
        ],
                           capture_output=True,
                           text=True,
                           timeout=timeout_s)
      except subprocess.TimeoutExpired:
        return {
            "profile": profile,
            "lanes": lanes,
            "finished": False,
            "wall_s": timeout_s,
            "target_s": target
        }
      wall = time.monotonic() - t0
      if p.returncode != 0:
        raise SystemExit(f"{profile}: cpoemu cmis bringup exited {p.returncode}: {p.stderr}"
                         f"\n{roles.log_text()}")
      sim_ms = float(re.search(r"DPActivated on AppSel \d+ in ([\d.]+) ms", p.stdout).group(1))
      roles.wait(timeout_s=timeout_s)
      with open(json_path) as f:
        j = json.load(f)
    finally:
      roles.close()
    return {
        "profile": profile,
        "lanes": lanes,
        "finished": True,
        "wall_s": wall,
        "sim_bringup_ms": sim_ms,
        "reg_accesses": j.get("reg_accesses"),
        "cycles": j.get("cycles"),
        "skipped_cycles": j.get("skipped_cycles"),
        "target_s": target
    }
  finally:
    shutil.rmtree(out, True)


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("cpoemu")
  ap.add_argument("--timeout-s", type=float, default=900)
  ap.add_argument("--profiles", default=",".join(PROFILES))
  ap.add_argument("--out", default=os.environ.get("CPO_BENCH_DIR", "."))
  a = ap.parse_args()
  metrics = []
  for profile in a.profiles.split(","):
    r = bench_one(a.cpoemu, profile, a.timeout_s)
    n = r["lanes"]
    if r["finished"]:
      clocked = (r["cycles"] or 0) - (r["skipped_cycles"] or 0)
      print(f"{profile} ({n} lanes): bring-up {r['sim_bringup_ms']:.1f} ms simulated, "
            f"{r['wall_s']:.1f} s wall (target <= {r['target_s']:.0f} s), "
            f"{r['reg_accesses']} register accesses, {clocked} cycles clocked, "
            f"{r['skipped_cycles']} skipped")
      metrics.append({
          "name": f"bringup_{n}_lanes_sim_ms",
          "value": r["sim_bringup_ms"],
          "unit": "ms",
          "target": None,
          "better": "lower"
      })
      metrics.append({
          "name": f"bringup_{n}_lanes_clocked_cycles",
          "value": clocked,
          "unit": "cycles",
          "target": None,
          "better": "lower"
      })
    else:
      print(f"{profile} ({n} lanes): NOT finished within {a.timeout_s:.0f} s wall "
            f"(target <= {r['target_s']:.0f} s)")
    metrics.append({
        "name": f"bringup_{n}_lanes_wall_s",
        "value": r["wall_s"],
        "unit": "s",
        "target": r["target_s"],
        "better": "lower",
        "finished": r["finished"]
    })
  with open(os.path.join(a.out, "cmis_bringup.json"), "w") as f:
    json.dump({"benchmark": "cmis_bringup", "metrics": metrics}, f, indent=1)


if __name__ == "__main__":
  main()
