"""What the bridge costs the rtl's simulation thread, in instructions (issue 2): the co-simulation
ratio's ceiling set by our own code, measured so that the machine's load cannot move it.

bench_cosim.py measures the ratio in wall time, which on a shared 2-CPU machine swings with
whatever else the host runs. Here valgrind's callgrind counts the instructions of the rtl's
simulation thread per simulated cycle, with the model role across the bridge (ipc, the model in
its own process, not counted) and in the bare design (RX = TX delayed by L, no bridge). Counts
repeat exactly for the same binary and inputs. Two run lengths, and the difference between them,
take start-up out: what remains is the cost per cycle of a running co-simulation.

instruction_ceiling_ratio = bare / co-simulation instructions per cycle: the throughput ratio the
co-simulation would reach if instructions were all that differed (no waiting for the model, no
slowdown from the second CPU's activity).

usage: bench_cosim_instructions.py CPOEMU OUT_DIR [--cycles N]"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

TIMEOUT_MS = "600000"  # under callgrind the rtl runs ~50x slower: the model must not give up on it


def thread_instructions(out_prefix):
  """Instructions of thread 1 (the rtl's simulation thread) and of the whole process, from
    callgrind's per-thread output files (--separate-threads=yes)."""
  per_thread = {}
  for path in glob.glob(out_prefix + "-*"):  # PREFIX-01, PREFIX-02, ...: one file a thread
    with open(path) as f:
      fields = dict(
          l.split(":", 1) for l in f.read().splitlines() if ":" in l and not l.startswith(" "))
    per_thread[int(fields["thread"])] = int(fields["summary"])
  return per_thread[1], sum(per_thread.values())


def callgrind(cpoemu, workdir, name, cycles, bridged):
  prefix = os.path.join(workdir, f"{name}-{cycles}.cg")
  common = ["--cycles", str(cycles), "--quiet", "--cpu-placement", "off"]
  rtl = [
      "valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={prefix}",
      cpoemu, "rtl", "--no-host"
  ] + common
  if not bridged:
    p = subprocess.run(rtl + ["--direct"], capture_output=True, text=True, timeout=1200)
    if p.returncode != 0:
      sys.exit(f"bench_cosim_instructions: the bare run failed:\n{p.stdout}{p.stderr}")
    return thread_instructions(prefix)
  endpoint = f"ipc://{workdir}/bridge-{cycles}.sock"
  rtl_proc = subprocess.Popen(rtl + ["--endpoint", endpoint, "--timeout-ms", TIMEOUT_MS],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT,
                              text=True)
  model = subprocess.run([cpoemu, "model", "--endpoint", endpoint, "--timeout-ms", TIMEOUT_MS] +
                         common,
                         capture_output=True,
                         text=True,
                         timeout=1200)
  rtl_out = rtl_proc.communicate(timeout=1200)[0]
  if rtl_proc.returncode != 0 or model.returncode != 0:
    sys.exit(
        f"bench_cosim_instructions: the ipc run failed:\n{rtl_out}{model.stdout}{model.stderr}")
  return thread_instructions(prefix)


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("cpoemu")
  ap.add_argument("out_dir")
  ap.add_argument("--cycles",
                  type=int,
                  default=300_000,
                  help="the longer run; the shorter is a third")
  a = ap.parse_args()
  if not shutil.which("valgrind"):
    sys.exit(
        "bench_cosim_instructions: valgrind is not installed (scripts/install-deps installs it)")
  lengths = (a.cycles // 3, a.cycles)
  metrics = []

  def add(name, value, unit):
    metrics.append({"name": name, "value": value, "unit": unit, "target": None, "better": "lower"})
    print(f"  {name:44s} {value:14.6g} {unit}", flush=True)

  print(
      f"bench_cosim_instructions: callgrind, runs of {lengths[0]} and {lengths[1]} cycles, default "
      f"scenario, ipc (the model in its own process, not counted)",
      flush=True)
  per_cycle = {}
  with tempfile.TemporaryDirectory() as d:
    for name, bridged in (("bare", False), ("ipc", True)):
      short, long = (callgrind(a.cpoemu, d, name, n, bridged) for n in lengths)
      span = lengths[1] - lengths[0]
      per_cycle[name] = (long[0] - short[0]) / span
      add(f"{name}_sim_thread_instructions_per_cycle", per_cycle[name], "instr/cycle")
      if bridged:  # ZeroMQ's I/O thread, which runs on another CPU
        add(f"{name}_other_rtl_threads_instructions_per_cycle",
            ((long[1] - long[0]) - (short[1] - short[0])) / span, "instr/cycle")
  ratio = per_cycle["bare"] / per_cycle["ipc"]
  metrics.append({
      "name": "instruction_ceiling_ratio",
      "value": ratio,
      "unit": "ratio",
      "target": None,
      "better": "higher"
  })
  print(
      f"  {'instruction_ceiling_ratio':44s} {ratio:14.4f} ratio   (bare / co-simulation, sim thread)"
  )
  with open(os.path.join(a.out_dir, "cosim_instructions.json"), "w") as f:
    json.dump({"benchmark": "cosim_instructions", "metrics": metrics}, f, indent=2)
  print(f"wrote {os.path.join(a.out_dir, 'cosim_instructions.json')}")


if __name__ == "__main__":
  main()
