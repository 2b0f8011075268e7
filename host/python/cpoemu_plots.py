#!/usr/bin/python3
"""Plots of one cpoemu run, as PNG files: cpoemu_plots.py RUN.json OUTDIR.

From the run's JSON (`cpoemu run --json`, its "series": lane counters, the converters' codes,
the D2D link's states, decimated over the run) and, when the run wrote one (`--trace`, named in
the JSON's "trace"), its waveforms (read with fst2vcd, Debian's gtkwave): the model's quantities
per lane and the received media words. Writes:

  ber.png     BER against time per host lane (errors over bits between two points)
  ring.png    ring detuning (trace) and heater power (DAC, and the model's in the trace)
  laser.png   laser power and temperature (the monitor ADCs; the model's laser power)
  states.png  the D2D link's state, locked and streaming lanes against time
  cmis.png    CMIS's module state and each host lane's data-path state against time
  eye.png     histogram of the received symbol levels per media lane (trace: the media RX
              words as decided levels); without a trace, the received power monitors instead

Needs python3-matplotlib (the Agg backend: no display).
"""
import argparse
import json
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after the backend is chosen)

MAX_WORD_CHANGES = 400000  # received words read from a trace for the histogram


def read_trace(path, want_words):
  """The model's quantities {(lane, name): ([t_s], [v])} and, if want_words, the media RX words
    {lane: [int]} (with each word's width) from the FST at path, through fst2vcd."""
  proc = subprocess.Popen(["fst2vcd", path], stdout=subprocess.PIPE, text=True)
  scopes, ids, model, words, widths = [], {}, {}, {}, {}
  scale_fs = 1.0
  t_s = 0.0
  n_words = 0
  in_header, timescale = True, False
  for line in proc.stdout:
    if in_header:
      tok = line.split()
      if timescale and tok:
        scale_fs = {"fs": 1, "ps": 1e3, "ns": 1e6}.get(tok[0].lstrip("0123456789"), 1)
        scale_fs *= float(tok[0].rstrip("fpnsu") or 1)
        timescale = False
      elif tok[:1] == ["$timescale"]:
        timescale = True
      elif tok[:1] == ["$scope"]:
        scopes.append(tok[2])
      elif tok[:1] == ["$upscope"]:
        scopes.pop()
      elif tok[:1] == ["$var"]:
        code, name = tok[3], tok[4]
        if len(scopes) == 2 and scopes[0] == "model":
          ids[code] = ("model", int(scopes[1][4:]), name)
        elif (want_words and len(scopes) == 2 and scopes[0] == "lanes" and
              scopes[1].startswith("media") and name == "rx_word"):
          lane = int(scopes[1][5:])
          ids[code] = ("word", lane, name)
          widths[lane] = int(tok[2])
      elif tok[:1] == ["$enddefinitions"]:
        in_header = False
      continue
    c = line[0]
    if c == "#":
      t_s = int(line[1:]) * scale_fs * 1e-15
      continue
    if c in "rb":
      value, code = line[1:].split()
    else:
      value, code = line[0], line[1:].strip()
    sig = ids.get(code)
    if not sig:
      continue
    kind, lane, name = sig
    if kind == "model":
      ts, vs = model.setdefault((lane, name), ([], []))
      ts.append(t_s)
      vs.append(float(value))
    elif n_words < MAX_WORD_CHANGES and "x" not in value and "z" not in value:
      words.setdefault(lane, []).append(int(value, 2))
      n_words += 1
  proc.wait()
  if proc.returncode != 0:
    raise RuntimeError(f"fst2vcd {path} failed (exit {proc.returncode})")
  return model, words, widths


def _save(fig, outdir, name, made):
  path = os.path.join(outdir, name)
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)
  made.append(path)


def plot_ber(run, s, t, outdir, made):
  fig, ax = plt.subplots(figsize=(9, 5))
  floor = None
  for lane, (bits, errors) in enumerate(zip(s["bits"], s["errors"])):
    ts, ber = [], []
    for i in range(1, len(t)):
      db, de = bits[i] - bits[i - 1], errors[i] - errors[i - 1]
      if db > 0:
        ts.append(t[i] * 1e6)
        ber.append(de / db)
        floor = min(floor or 1.0, 1.0 / db)
    if ts:
      ax.plot(ts, [max(b, floor) for b in ber], label=f"lane {lane}", marker=".")
  ax.set_yscale("log")
  if floor:
    ax.axhline(floor, color="grey", lw=0.5, ls=":")
    ax.text(0.01,
            0.02,
            "points on the dotted line: no error in that span (BER below it)",
            transform=ax.transAxes,
            fontsize=8,
            color="grey")
  ax.axhline(2.4e-4, color="red", lw=0.8, ls="--", label="KP4 FEC threshold")
  ax.set_xlabel("simulated time (us)")
  ax.set_ylabel("BER (errors / bits between samples)")
  ax.set_title(f"BER per host lane, {run.get('scenario', '')}")
  ax.legend(fontsize=7, ncol=4)
  _save(fig, outdir, "ber.png", made)


def _channel(s, kind, name):
  return s.get(kind, {}).get(name)


def plot_ring(s, t, model, outdir, made):
  fig, (a1, a2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
  det = sorted(k for k in model if k[1] == "detuning_pm")
  for k in det:
    a1.plot([x * 1e6 for x in model[k][0]], model[k][1], label=f"lane {k[0]}")
  if not det:
    a1.text(0.5,
            0.5,
            "ring detuning: in the model's trace (run with --trace)",
            ha="center",
            transform=a1.transAxes)
  a1.set_ylabel("ring detuning (pm)")
  heater = _channel(s, "dac", "heater")
  if heater:
    for i, v in enumerate(heater["values"]):
      a2.step([x * 1e6 for x in t], [x * 1e3 for x in v], where="post", label=f"lane {i} (DAC)")
  for k in sorted(k for k in model if k[1] == "heater_w"):
    a2.plot([x * 1e6 for x in model[k][0]], [x * 1e3 for x in model[k][1]],
            ls="--",
            label=f"lane {k[0]} (model)")
  a2.set_ylabel("heater power (mW)")
  a2.set_xlabel("simulated time (us)")
  for a in (a1, a2):
    if a.get_legend_handles_labels()[0]:
      a.legend(fontsize=7, ncol=4)
  a1.set_title("Ring tuning")
  _save(fig, outdir, "ring.png", made)


def plot_laser(s, t, model, outdir, made):
  fig, (a1, a2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
  power, temp = _channel(s, "adc", "laser_power"), _channel(s, "adc", "laser_temp")
  if power:
    for i, v in enumerate(power["values"]):
      a1.step([x * 1e6 for x in t], [x * 1e3 for x in v],
              where="post",
              label=f"laser {i} (monitor)")
  for k in sorted(k for k in model if k[1] == "laser_power_w" and k[0] == 0):
    a1.plot([x * 1e6 for x in model[k][0]], [x * 1e3 for x in model[k][1]],
            ls="--",
            label="lane 0's laser (model)")
  if temp:
    for i, v in enumerate(temp["values"]):
      a2.step([x * 1e6 for x in t], v, where="post", label=f"laser {i} (monitor)")
  a1.set_ylabel(f"laser power (m{power['unit'] if power else 'W'})")
  a2.set_ylabel(f"laser temperature ({temp['unit'] if temp else 'K'})")
  a2.set_xlabel("simulated time (us)")
  for a in (a1, a2):
    if a.get_legend_handles_labels()[0]:
      a.legend(fontsize=7)
    else:
      a.text(0.5, 0.5, "no monitor conversions in this run", ha="center", transform=a.transAxes)
  a1.set_title("Laser")
  _save(fig, outdir, "laser.png", made)


def plot_states(run, s, t, outdir, made):
  fig, (a1, a2) = plt.subplots(2,
                               1,
                               figsize=(9, 6),
                               sharex=True,
                               gridspec_kw={"height_ratios": [2, 1]})
  cycle_s = s["cycle_s"]
  states = s.get("d2d_states", [])
  end_s = run.get("cycles", 0) * cycle_s
  if states:
    names = []
    for st in states:
      if st["state"] not in names:
        names.append(st["state"])
    xs = [st["cycle"] * cycle_s * 1e6 for st in states] + [end_s * 1e6]
    ys = [names.index(st["state"]) for st in states]
    a1.step(xs, ys + ys[-1:], where="post")
    a1.set_yticks(range(len(names)))
    a1.set_yticklabels(names, fontsize=7)
    a1.set_title("D2D link state (the ASIC end's LTSM)")
  else:
    a1.text(0.5, 0.5, "this design has no D2D link", ha="center", transform=a1.transAxes)
  a2.step([x * 1e6 for x in t], s["locked_lanes"], where="post", label="locked host lanes")
  a2.step([x * 1e6 for x in t],
          s["streaming_lanes"],
          where="post",
          ls="--",
          label="streaming media lanes")
  a2.set_ylabel("lanes")
  a2.set_xlabel("simulated time (us)")
  a2.legend(fontsize=7)
  _save(fig, outdir, "states.png", made)


# CMIS 5.2's states in their order of bring-up (a lane's colour goes up as it comes up).
MODULE_STATES = ["ModuleLowPwr", "ModulePwrUp", "ModuleReady", "ModulePwrDn", "ModuleFault"]
DP_STATES = [
    "DPDeactivated", "DPDeinit", "DPInit", "DPInitialized", "DPTxTurnOff", "DPTxTurnOn",
    "DPActivated"
]


def plot_cmis(run, s, outdir, made):
  """The module state as a step line, and a lane x time map of the data-path states."""
  changes = s.get("cmis_states", [])
  fig, (a1, a2) = plt.subplots(2,
                               1,
                               figsize=(9, 6),
                               sharex=True,
                               gridspec_kw={"height_ratios": [1, 2]})
  if not changes:
    a1.text(0.5, 0.5, "this design has no CMIS block", ha="center", transform=a1.transAxes)
    _save(fig, outdir, "cmis.png", made)
    return
  cycle_s = s["cycle_s"]
  end_us = run.get("cycles", 0) * cycle_s * 1e6
  xs = [c["cycle"] * cycle_s * 1e6 for c in changes] + [end_us]
  known = lambda names, n: names.index(n) if n in names else -1  # noqa: E731
  ys = [known(MODULE_STATES, c["module"]) for c in changes]
  a1.step(xs, ys + ys[-1:], where="post")
  a1.set_yticks(range(len(MODULE_STATES)))
  a1.set_yticklabels(MODULE_STATES, fontsize=7)
  a1.set_ylim(-0.5, len(MODULE_STATES) - 0.5)
  a1.set_title("CMIS module state")
  lanes = len(changes[0]["dp"])
  grid = [[known(DP_STATES, c["dp"][lane]) for c in changes] for lane in range(lanes)]
  cmap = plt.get_cmap("viridis", len(DP_STATES))
  mesh = a2.pcolormesh(xs,
                       list(range(lanes + 1)),
                       grid,
                       cmap=cmap,
                       vmin=-0.5,
                       vmax=len(DP_STATES) - 0.5,
                       shading="flat")
  bar = fig.colorbar(mesh, ax=a2, ticks=range(len(DP_STATES)))
  bar.ax.set_yticklabels(DP_STATES, fontsize=7)
  a2.set_ylabel("host lane (CMIS)")
  a2.set_xlabel("simulated time (us)")
  a2.set_title("data-path state per lane" +
               (f" (first {len(changes)} changes)" if s.get("cmis_states_dropped") else ""))
  _save(fig, outdir, "cmis.png", made)


def plot_eye(s, t, words, widths, bits_per_symbol, outdir, made):
  fig, ax = plt.subplots(figsize=(9, 5))
  if words:
    levels = 1 << bits_per_symbol
    mask = levels - 1
    lanes = sorted(words)
    width = 0.8 / len(lanes)
    for n, lane in enumerate(lanes):
      counts = [0] * levels
      for w in words[lane]:
        for k in range(widths[lane] // bits_per_symbol):
          counts[(w >> (k * bits_per_symbol)) & mask] += 1
      total = sum(counts) or 1
      ax.bar([lv + n * width for lv in range(levels)], [c / total for c in counts],
             width=width,
             label=f"lane {lane}")
    ax.set_xticks([lv + 0.4 - width / 2 for lv in range(levels)])
    ax.set_xticklabels([f"level {lv}" for lv in range(levels)])
    ax.set_ylabel("fraction of received symbols")
    ax.set_title("Received symbol levels per media lane (decided, from the trace)")
    ax.legend(fontsize=7, ncol=4)
  else:
    rx = _channel(s, "adc", "rx_power")
    if rx:
      ax.hist([[x * 1e3 for x in v] for v in rx["values"]],
              bins=20,
              label=[f"lane {i}" for i in range(len(rx["values"]))])
      ax.legend(fontsize=7, ncol=4)
    ax.set_xlabel("received power (mW), monitor ADC")
    ax.set_title("Received power per lane (run with --trace for the symbol levels)")
  _save(fig, outdir, "eye.png", made)


def make_plots(json_path, outdir, trace=None):
  """Write the PNG files for the run at json_path into outdir; returns their paths."""
  with open(json_path) as f:
    run = json.load(f)
  s = run.get("series")
  if not s or not s.get("cycles"):
    raise ValueError(f"{json_path} has no series (a run of this cpoemu writes one)")
  os.makedirs(outdir, exist_ok=True)
  t = [c * s["cycle_s"] for c in s["cycles"]]
  trace = trace or run.get("trace")
  if trace and not os.path.isabs(trace):
    trace = os.path.join(os.path.dirname(os.path.abspath(json_path)), trace)
  model, words, widths = {}, {}, {}
  if trace and os.path.exists(trace):
    model, words, widths = read_trace(trace, True)
  made = []
  plot_ber(run, s, t, outdir, made)
  plot_ring(s, t, model, outdir, made)
  plot_laser(s, t, model, outdir, made)
  plot_states(run, s, t, outdir, made)
  plot_cmis(run, s, outdir, made)
  bps = run.get("config", {}).get("bits_per_symbol", 2)
  plot_eye(s, t, words, widths, bps, outdir, made)
  return made


def main(argv=None):
  ap = argparse.ArgumentParser(description="PNG plots of one cpoemu run")
  ap.add_argument("json", help="the run's JSON (cpoemu run --json)")
  ap.add_argument("outdir", help="where the PNG files go")
  ap.add_argument("--trace", help="the run's FST (default: the JSON's \"trace\")")
  a = ap.parse_args(argv)
  try:
    for p in make_plots(a.json, a.outdir, a.trace):
      print(p)
  except (OSError, ValueError, RuntimeError) as e:
    print(f"cpoemu-plots: {e}", file=sys.stderr)
    return 2
  return 0


if __name__ == "__main__":
  sys.exit(main())
