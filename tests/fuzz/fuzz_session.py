#!/usr/bin/python3
"""Stateful protocol fuzzer: a live `cpoemu rtl` and `cpoemu model`, disturbed.

Beside the per-frame libFuzzer target (fuzz_decode.c), this drives a whole session. The model
connects to a man-in-the-middle here, which forwards its traffic to the rtl and back, and on
each case applies one seeded disturbance:

  * to one message of either direction: duplicate, drop, drop and renumber the rest, swap with
    the next, stamp ahead or behind, corrupt a header field, inject a forged HEARTBEAT;
  * from strangers connecting straight to the rtl: garbage, valid-looking frames, an oversized
    frame, a model HELLO (role taken), a host HELLO (the run has no host);
  * to the model process: frozen (SIGSTOP), with or without junk meanwhile, paused for half
    the timeout near the end (slow, not dead), or killed;
  * with a host: it idles between two requests for 1.5 x the timeout, with or without a
    stranger sending junk meanwhile.

The invariant that matters, checked for the rtl and the model alike: the session either ends
as the undisturbed run of the same scenario and seed does (exit 0, same event_hash) or ends
with a named error (exit 3, an `error:` line naming the cause) within 2 x the bridge timeout
of the disturbance (+ slack for a loaded machine). Never a hang (no progress for that long),
never a crash, never a PASS with another hash. A disturbance that only strangers cause, or
that a correct receiver discards without losing anything (a duplicate, a renumbered HEARTBEAT),
must not end the run at all.

Every case prints its disturbance and seed; `--op KIND --seed N` reproduces it (the seed picks
the message, the field, the moment). Without --op the kind is seed % number of kinds, so seeds
0..K-1 cover every kind once; --ops runs a named list.

  fuzz_session.py --cpoemu build/testbenches/cpoemu --seeds 0-27        # every kind once
  fuzz_session.py --cpoemu ... --cases 200 --first-seed 1000            # a longer run
  fuzz_session.py --cpoemu ... --ops drop_up,junk_frames --first-seed 1  # named kinds
  fuzz_session.py --cpoemu ... --op swap_down --seed 7 -v                # one case, verbose
"""

import argparse
import ctypes
import dataclasses
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from typing import List, Optional

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "host", "python"))
import cpoemu_client as cc  # noqa: E402  (the protocol codec, written from PROTOCOL.md)

HDR = struct.Struct("<IHHHHIQII")  # magic version type flags rsv seq cycle payload_len rsv
MAX_FRAME = cc.HEADER_BYTES + cc.MAX_PAYLOAD_BYTES
# Junk that must not hide anyone's silence: well inside the rtl's receive slice (timeout / 8),
# so a gap long enough to let a receive time out needs this process stalled for that long.
JUNK_EVERY_S = 0.02
PROGRESS_TYPES = (cc.MsgType.TX_QUANTUM, cc.MsgType.RX_QUANTUM)

# Disturbances. benign: the session must end exactly as the clean run (PASS, same hash);
# otherwise a named error in time is fine too. dir: which stream the message ops act on.
OPS = [
    # name, benign
    ("dup_up", True),  # a model message arrives twice: the copy is a replay
    ("dup_down", True),  # an rtl message arrives twice at the model
    ("drop_up", False),  # a model message lost, seq gap from then on
    ("drop_down", False),
    ("hb_inject_up", True),  # a HEARTBEAT injected in step (seq and cycle): nothing lost
    ("drop_renumber_up", False),  # content lost without a seq gap: only the cycles show it
    ("swap_up", False),  # two model messages exchanged
    ("swap_down", False),
    ("ahead_up", False),  # a model message stamped ahead
    ("behind_up", False),  # a model message stamped behind its predecessor
    ("ahead_down", False),
    ("hb_ahead_up", False),  # a forged HEARTBEAT stamped far ahead (seq in step)
    ("hb_behind_up", True),  # a forged HEARTBEAT stamped behind: rejected, costs nothing
    ("corrupt_up", False),  # one header field of a model message broken
    ("junk_bytes", True),  # strangers send garbage frames
    ("junk_frames", True),  # strangers send valid-looking frames (no HELLO)
    ("junk_oversize", True),  # a stranger sends a frame over the protocol's limit
    ("stranger_model_hello", True),  # a second model says HELLO: role taken
    ("stranger_host", True),  # a host HELLOs a run without a host, reads, says BYE
    ("stranger_host_silent", True),  # a host HELLOs a run without a host and stays silent
    ("freeze_model", False),  # the model stops (SIGSTOP)
    ("freeze_model_junk", False),  # the model stops while a stranger sends junk
    ("pause_model_end", True),  # the model pauses for timeout/2 near the end: slow, not dead
    ("kill_model", False),  # the model is SIGKILLed
    # Without the man in the middle (its prompt reads would hide a slow reader's trouble): the
    # model, connected straight to the rtl, pauses for timeout/2 at a random point of the run,
    # the end included. A slow peer is not a dead one: it must get every quantum and the BYE.
    ("pause_model_direct", True),
    ("stranger_bad_hellos", True),  # HELLOs as rtl, of version 1, with another configuration
    # With a host (Python, straight to the rtl): it reads, then idles 1.5 x the timeout between
    # two requests (its keep-alive thread heartbeating), simulated time standing still. The model
    # waits meanwhile and must keep hearing from the rtl: alone, and with a stranger sending junk
    # every 20 ms (the rtl heartbeated, and checked silence, only when a receive timed out).
    ("host_idle", True),
    ("host_idle_junk", True),
]
HOST_OPS = ("none_host", "host_idle", "host_idle_junk")
BENIGN = dict(OPS)
OP_NAMES = [n for n, _ in OPS]

_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
  """In a child before exec: SIGKILL when the fuzzer goes (a frozen model must not outlive it)."""
  _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def send(sock: zmq.Socket, frame: bytes) -> None:
  """Send without ever blocking: a DEALER whose peer is gone would block once its queue is full."""
  try:
    sock.send(frame, zmq.NOBLOCK)
  except zmq.Again:
    pass


def hdr(frame: bytes):
  """(type, seq, cycle) of a frame, or None if it has no readable header."""
  if len(frame) < cc.HEADER_BYTES:
    return None
  f = HDR.unpack_from(frame)
  return f[2], f[5], f[6]


def type_name(t: int) -> str:
  return cc._type_name(t)


def with_seq(frame: bytes, seq: int) -> bytes:
  return frame[:12] + struct.pack("<I", seq & 0xFFFFFFFF) + frame[16:]


def with_cycle(frame: bytes, cycle: int) -> bytes:
  return frame[:16] + struct.pack("<Q", cycle & 0xFFFFFFFFFFFFFFFF) + frame[24:]


def describe(frame: bytes) -> str:
  h = hdr(frame)
  if h is None:
    return f"{len(frame)}-byte frame"
  return f"{type_name(h[0])}(seq {h[1]}, cycle {h[2]})"


@dataclasses.dataclass
class Proc:
  role: str
  popen: subprocess.Popen
  log_path: str
  exit_t: Optional[float] = None
  text: Optional[str] = None  # the log, kept once the case is over (its directory is removed)

  def poll(self, now: float) -> Optional[int]:
    rc = self.popen.poll()
    if rc is not None and self.exit_t is None:
      self.exit_t = now
    return rc

  def log(self) -> str:
    if self.text is not None:
      return self.text
    with open(self.log_path, errors="replace") as f:
      return f.read()

  def error_line(self) -> Optional[str]:
    lines = re.findall(rf"^cpoemu\[{self.role}\] error: (.+)$", self.log(), re.M)
    return lines[-1].strip() if lines else None


class Stream:
  """One direction of the forwarded session, with the seq offset that injected or dropped
  messages leave for the ones after them."""

  def __init__(self, name: str):
    self.name = name
    self.n = 0  # messages seen from the sender
    self.seq_delta = 0  # added to the sender's seq numbers from here on
    self.last_seq = -1  # the last seq forwarded (after renumbering)
    self.last_cycle = 0  # the last cycle stamp forwarded
    self.held: Optional[bytes] = None  # swap: the message waiting for its successor
    self.last_t = 0.0  # when the sender's last message arrived here


class Case:

  def __init__(self, a, seed: int, clean: Optional[dict], op: Optional[str] = None):
    self.a = a
    self.seed = seed
    self.rng = random.Random(seed)
    self.op = op or ("none" if clean is None else OP_NAMES[seed % len(OP_NAMES)])
    self.direct = self.op.endswith("_direct")
    self.host_mode = self.op in HOST_OPS
    self.host_error: Optional[str] = None
    self.host_idle = threading.Event()
    self.host_idle_over = threading.Event()
    # direct: the disturbance starts at a random point of the clean run's wall time
    self.start_after_s = self.rng.uniform(0.1, 0.8) * clean["wall_s"] if clean else 0.0
    self.benign = BENIGN.get(self.op, True)
    self.clean = clean
    stream = "down" if self.op.endswith("_down") else "up"
    n = clean["n_" + stream] if clean else 1
    # The message (index in its stream) the disturbance starts at: past the HELLO, and mostly
    # well inside the run so there is something after it.
    self.at = (0 if stream == "down" else 1) + self.rng.randrange(max(1, n - 2))
    if self.op == "pause_model_end":
      self.at = max(1, n - 3 - self.rng.randrange(0, 6))  # among the last RX quanta
    self.resume_t: Optional[float] = None
    self.stream = stream
    self.applied: Optional[str] = None  # what was done, for the report
    self.disturb_t: Optional[float] = None
    self.dir = tempfile.mkdtemp(prefix="cpo_fz_")
    self.rtl_ep = f"ipc://{self.dir}/rtl.sock"
    self.mitm_ep = f"ipc://{self.dir}/mitm.sock"
    self.ctx = zmq.Context()
    self.strangers: List[zmq.Socket] = []
    self.stranger_host: Optional[zmq.Socket] = None
    self.host_state = ""
    self.junk_every_s = 0.0
    self.junk_next_t = 0.0
    self.model_hello: Optional[bytes] = None
    self.up = Stream("up")
    self.down = Stream("down")
    self.last_progress_t = 0.0
    self.verbose = a.verbose

  # -- processes ------------------------------------------------------------------------------

  def spawn(self, role: str, endpoint: str, extra: List[str]) -> Proc:
    log = os.path.join(self.dir, f"{role}.log")
    with open(log, "w") as f:
      p = subprocess.Popen(
          [
              self.a.cpoemu,
              role,
              "--endpoint",
              endpoint,
              self.a.scenario,
              "--cycles",
              str(self.a.cycles),
              "--seed",
              str(self.a.run_seed),
              "--timeout-ms",
              str(self.a.timeout_ms),
              "--quiet",
              # pinning changes speed, never results; on a shared machine it
              # crowds every run's peers onto the same CPUs
              "--cpu-placement",
              "off",
              *extra
          ],
          stdout=f,
          stderr=subprocess.STDOUT,
          stdin=subprocess.DEVNULL,
          preexec_fn=_die_with_parent)
    return Proc(role, p, log)

  def note(self, what: str) -> None:
    if self.applied is None:
      self.applied = what
      self.disturb_t = time.monotonic()
    if self.verbose:
      print(f"  [{time.monotonic() - self.t0:7.3f}] {what}", flush=True)

  # -- strangers ------------------------------------------------------------------------------

  def stranger(self) -> zmq.Socket:
    s = self.ctx.socket(zmq.DEALER)
    s.linger = 0
    s.rcvhwm = s.sndhwm = 1000
    s.connect(self.rtl_ep)
    self.strangers.append(s)
    return s

  def send_junk(self, s: zmq.Socket, kind: str) -> None:
    r = self.rng
    try:
      if kind == "bytes":
        s.send(bytes(r.getrandbits(8) for _ in range(r.randrange(0, 80))), zmq.NOBLOCK)
      elif kind == "frames":
        t = r.choice([
            cc.MsgType.HEARTBEAT, cc.MsgType.RX_QUANTUM, cc.MsgType.REG_WRITE, cc.MsgType.BYE,
            cc.MsgType.ADC_SAMPLE, cc.MsgType.ERROR
        ])
        m = cc.Message(type=t,
                       seq=r.choice([0, 1, r.getrandbits(32)]),
                       cycle=r.choice([0, self.up.last_cycle,
                                       r.getrandbits(40)]))
        if t == cc.MsgType.RX_QUANTUM:
          m.count, m.lanes, m.word_bytes = 4, 8, 4
          m.words = [r.getrandbits(32) for _ in range(32)]
        elif t == cc.MsgType.REG_WRITE:
          m.addr, m.data = 0x0, r.getrandbits(32)
        elif t == cc.MsgType.ADC_SAMPLE:
          m.entries = [(0, 0, r.getrandbits(16))]
        elif t == cc.MsgType.ERROR:
          m.code, m.ref_seq, m.text = 15, 0, "junk"
        elif t == cc.MsgType.BYE:
          m.text = "junk"
        s.send(cc.encode(m), zmq.NOBLOCK)
      elif kind == "oversize":
        frame = HDR.pack(cc.MAGIC, cc.VERSION, cc.MsgType.RX_QUANTUM, 0, 0, 0, 0,
                         MAX_FRAME - cc.HEADER_BYTES + 1, 0)
        s.send(frame + bytes(MAX_FRAME + 1 - len(frame)), zmq.NOBLOCK)
    except zmq.Again:
      pass

  def drain_strangers(self) -> None:
    for s in self.strangers:
      while True:
        try:
          frame = s.recv(zmq.NOBLOCK)
        except zmq.Again:
          break
        if s is self.stranger_host:
          self.host_step(frame)

  def host_step(self, frame: bytes) -> None:
    """The stranger host: HELLO -> (if let in) REG_READ -> BYE, or silence."""
    try:
      m = cc.decode(frame)
    except cc.ProtocolError:
      return
    if m.type == cc.MsgType.HELLO_ACK and self.host_state == "hello":
      self.note_extra(f"the rtl let the stranger host in (HELLO_ACK at cycle {m.cycle})")
      if self.op == "stranger_host":
        rd = cc.Message(type=cc.MsgType.REG_READ, seq=1, cycle=m.cycle, addr=0)
        send(self.stranger_host, cc.encode(rd))
        self.host_state = "read"
      else:
        self.host_state = "silent"
    elif m.type == cc.MsgType.REG_READ_RESP and self.host_state == "read":
      self.note_extra(f"the stranger host read register 0 at cycle {m.cycle}")
      bye = cc.Message(type=cc.MsgType.BYE, seq=2, cycle=m.cycle, text="stranger leaves")
      send(self.stranger_host, cc.encode(bye))
      self.host_state = "bye"
    elif m.type == cc.MsgType.ERROR and self.host_state == "hello":
      self.host_state = "refused"
    elif m.type == cc.MsgType.ERROR and self.host_state == "read":
      self.note_extra(f"the rtl refused the stranger host's REG_READ: {cc.printable(m.text)}")
      self.host_state = "refused"

  def note_extra(self, what: str) -> None:
    self.extra.append(what)
    if self.verbose:
      print(f"  [{time.monotonic() - self.t0:7.3f}] {what}", flush=True)

  def send_bad_hellos(self) -> None:
    """Strangers HELLO as the rtl, with version 1, and as a model of another configuration."""
    model = cc.decode(self.model_hello)
    other = cc.Config(**{
        **model.config.__dict__, "latency_cycles": model.config.latency_cycles * 2
    })
    frames = [
        cc.encode(
            cc.Message(type=cc.MsgType.HELLO,
                       role=cc.Role.RTL,
                       config=model.config,
                       config_hash=model.config.hash())),
        cc.encode(
            cc.Message(type=cc.MsgType.HELLO,
                       role=cc.Role.MODEL,
                       config=other,
                       config_hash=other.hash()))
    ]
    v1 = bytearray(self.model_hello)
    v1[4] = 1
    frames.append(bytes(v1))
    for f in frames:
      send(self.stranger(), f)
    self.note("strangers sent HELLOs: role rtl, version 1, a model with another latency")

  def send_host_hello(self) -> None:
    """A stranger says HELLO as a host; host_step takes it from the rtl's answer."""
    self.stranger_host = self.stranger()
    hello = cc.Message(type=cc.MsgType.HELLO, role=cc.Role.HOST, config=cc.Config(), config_hash=0)
    send(self.stranger_host, cc.encode(hello))
    self.host_state = "hello"
    self.note("a stranger sent a host HELLO to a run without a host")

  def stop_model(self, op: str) -> None:
    """Freeze, pause or kill the model process."""
    if op in ("freeze_model", "freeze_model_junk"):
      os.kill(self.model.popen.pid, signal.SIGSTOP)
      self.frozen = True
      if op == "freeze_model_junk":
        self.junk_kind, self.junk_every_s = "bytes", JUNK_EVERY_S
        self.stranger()
        self.note(f"the model was frozen (SIGSTOP); a stranger sends junk every "
                  f"{JUNK_EVERY_S * 1000:g} ms")
      else:
        self.note("the model was frozen (SIGSTOP)")
    elif op in ("pause_model_end", "pause_model_direct"):
      os.kill(self.model.popen.pid, signal.SIGSTOP)
      self.frozen = True
      self.resume_t = time.monotonic() + self.a.timeout_ms / 2000.0
      self.note(f"the model was paused for {self.a.timeout_ms // 2} ms")
    elif op == "kill_model":
      os.kill(self.model.popen.pid, signal.SIGKILL)
      self.note("the model was killed (SIGKILL)")

  def start_stranger_op(self) -> None:
    op = self.op
    if op == "junk_bytes" or op == "junk_frames":
      kind = op.split("_")[1]
      socks = [self.stranger() for _ in range(self.rng.randrange(1, 4))]
      for _ in range(self.rng.randrange(5, 40)):
        self.send_junk(self.rng.choice(socks), kind)
      self.note(f"{len(socks)} stranger(s) sent {kind} to the rtl")
      self.junk_kind, self.junk_every_s = kind, 0.05  # and keep at it for the rest of the run
    elif op == "junk_oversize":
      self.send_junk(self.stranger(), "oversize")
      self.note(f"a stranger sent a {MAX_FRAME + 1}-byte frame (limit {MAX_FRAME})")
    elif op == "stranger_model_hello":
      send(self.stranger(), self.model_hello)
      self.note("a stranger sent the model's HELLO again from another connection")
    elif op == "stranger_bad_hellos":
      self.send_bad_hellos()
    elif op in ("stranger_host", "stranger_host_silent"):
      self.send_host_hello()
    else:
      self.stop_model(op)

  # -- the host (host modes) ------------------------------------------------------------------

  def host_script(self) -> None:
    """read; sleep 2048 cycles; idle 1.5 x timeout (wall); read; BYE. Virtual time: the same
    register accesses at the same cycles in every run, so the clean hash holds."""
    try:
      with cc.Client(self.rtl_ep, timeout_ms=self.a.timeout_ms) as c:
        c.read(0)
        c.sleep_cycles(2048)
        self.host_idle.set()
        if self.op != "none_host":
          time.sleep(1.5 * self.a.timeout_ms / 1000.0)
        self.host_idle_over.set()
        c.read(0)
    except Exception as e:  # noqa: BLE001  (whatever it was, the report names it)
      self.host_error = f"{type(e).__name__}: {e}"
    finally:
      self.host_idle_over.set()

  # -- message ops ----------------------------------------------------------------------------

  def forward(self, st: Stream, frame: bytes, out) -> None:
    """Renumber @frame by the stream's offset and send it."""
    h = hdr(frame)
    if h is not None and st.seq_delta and not (h[0] == cc.MsgType.HELLO and h[1] == 0):
      frame = with_seq(frame, h[1] + st.seq_delta)
    h = hdr(frame)
    if h is not None:
      st.last_seq, st.last_cycle = h[1], max(st.last_cycle, h[2])
      if h[0] in PROGRESS_TYPES:
        self.last_progress_t = time.monotonic()
    out(frame)

  def forged_heartbeat(self, st: Stream, cycle: int) -> bytes:
    return cc.encode(
        cc.Message(type=cc.MsgType.HEARTBEAT, seq=(st.last_seq + 1) & 0xFFFFFFFF, cycle=cycle))

  def on_message(self, st: Stream, frame: bytes, out) -> None:
    idx = st.n
    st.n += 1
    st.last_t = time.monotonic()
    if st.held is not None:  # swap: this one goes first, then the one held back
      held, st.held = st.held, None
      self.forward(st, frame, out)
      self.forward(st, held, out)
      self.note(f"{st.name}: swapped {describe(held)} with {describe(frame)}")
      return
    op = self.op
    mine = op.endswith("_" + st.name) and idx >= self.at and self.applied is None
    h = hdr(frame)
    if not mine or h is None:
      self.forward(st, frame, out)
      return
    kind = op[:-len(st.name) - 1]
    if kind == "dup":
      self.forward(st, frame, out)
      out(with_seq(frame, st.last_seq))  # the very bytes again (after renumbering)
      self.note(f"{st.name}: duplicated {describe(frame)}")
    elif kind == "drop":
      self.note(f"{st.name}: dropped {describe(frame)}")
    elif kind == "drop_renumber":
      st.seq_delta -= 1
      self.note(f"{st.name}: dropped {describe(frame)} and renumbered the rest")
    elif kind == "swap":
      st.held = frame
    elif kind in ("ahead", "behind"):
      self.restamp(kind, st, frame, h, out)
    elif kind in ("hb_inject", "hb_ahead", "hb_behind"):
      self.inject_heartbeat(kind, st, frame, out)
    elif kind == "corrupt":
      self.corrupt(st, frame, out)
    else:
      raise AssertionError(f"unknown op {op}")

  def restamp(self, kind: str, st: Stream, frame: bytes, h, out) -> None:
    """ahead/behind: forward @frame with its cycle moved forward or back."""
    if kind == "behind" and h[2] == 0:
      self.forward(st, frame, out)  # nothing to go below yet: try the next one
      return
    delta = self.rng.choice([1, 7, 1000, 1 << 20
                            ]) if kind == "ahead" else -min(h[2], self.rng.choice([1, 7, 1000]))
    changed = with_cycle(frame, h[2] + delta)
    self.note(f"{st.name}: restamped {describe(frame)} to cycle {h[2] + delta}")
    self.forward(st, changed, out)

  def inject_heartbeat(self, kind: str, st: Stream, frame: bytes, out) -> None:
    """hb_*: a forged HEARTBEAT (seq in step, cycle per @kind) goes before @frame."""
    if kind == "hb_behind" and st.last_cycle == 0:
      self.forward(st, frame, out)
      return
    cyc = {
        "hb_inject": st.last_cycle,
        "hb_ahead": st.last_cycle + (1 << 24),
        "hb_behind": st.last_cycle - 1
    }[kind]
    hb = self.forged_heartbeat(st, cyc)
    self.note(f"{st.name}: injected {describe(hb)} before {describe(frame)}")
    st.seq_delta += 1
    out(hb)
    st.last_seq = (st.last_seq + 1) & 0xFFFFFFFF
    self.forward(st, frame, out)

  def corrupt(self, st: Stream, frame: bytes, out) -> None:
    """Forward @frame with one header field (or its length) broken."""
    field = self.rng.choice(
        ["magic", "version", "type", "flags", "reserved", "payload_len", "truncate", "extend"])
    b = bytearray(frame)
    if field == "magic":
      b[0] ^= 0x20
    elif field == "version":
      b[4] = 9
    elif field == "type":
      b[6:8] = struct.pack("<H", 250)
    elif field == "flags":
      b[8] = 1
    elif field == "reserved":
      b[28] = 1
    elif field == "payload_len":
      b[24:28] = struct.pack("<I", struct.unpack_from("<I", b, 24)[0] + 1)
    elif field == "truncate":
      del b[self.rng.randrange(0, len(b)):]
    else:
      b += b"\0" * self.rng.randrange(1, 9)
    self.note(f"{st.name}: corrupted the {field} of {describe(frame)}")
    self.forward(st, bytes(b), out)

  @staticmethod
  def cpu_ticks(pid: int) -> int:
    try:
      with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
      return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
      return -1

  # -- the case -------------------------------------------------------------------------------

  def run(self) -> dict:
    """Run the case; whatever happens, its processes, sockets and directory go with it."""
    self.rtl = self.model = None
    try:
      return self._run()
    finally:
      for p in (self.rtl, self.model):
        if p is not None and p.popen.poll() is None:
          p.popen.kill()
          p.popen.wait()
      self.ctx.destroy(linger=0)
      shutil.rmtree(self.dir, ignore_errors=True)

  def _run(self) -> dict:
    a = self.a
    self.t0 = time.monotonic()
    self.extra: List[str] = []
    self.frozen = False
    self.killed_model = self.op == "kill_model"
    self.junk_kind = ""
    T = a.timeout_ms / 1000.0
    bound = 2 * T + a.slack_s
    json_path = os.path.join(self.dir, "rtl.json")
    host = self.start_session(json_path)
    verdict = self.watch(bound)
    for p in (self.rtl, self.model):
      if p.popen.poll() is None:
        if self.frozen and p is self.model:
          os.kill(p.popen.pid, signal.SIGCONT)
        p.popen.kill()
        p.popen.wait()
    return self.result(json_path, host, verdict, bound)

  def start_session(self, json_path: str) -> Optional[threading.Thread]:
    """Start the rtl, then (once it has bound) the host thread if any and the model."""
    self.front = self.ctx.socket(zmq.ROUTER)
    self.front.linger = 0
    self.front.bind(self.mitm_ep)
    self.upstream = self.ctx.socket(zmq.DEALER)
    self.upstream.linger = 0
    self.rtl = self.spawn("rtl", self.rtl_ep,
                          ["--with-host" if self.host_mode else "--no-host", "--json", json_path])
    # Like `cpoemu run`: the model starts once the rtl has bound (its HELLO timer runs from its
    # start, and a loaded machine can take seconds to start the rtl).
    sock_path = self.rtl_ep[len("ipc://"):]
    bind_deadline = time.monotonic() + 60
    while not os.path.exists(sock_path) and self.rtl.popen.poll() is None:
      if time.monotonic() > bind_deadline:
        break
      time.sleep(0.01)
    host = None
    if self.host_mode:
      host = threading.Thread(target=self.host_script, name="fuzz-host", daemon=True)
      host.start()
    self.upstream.connect(self.rtl_ep)
    self.model = self.spawn("model", self.rtl_ep if self.direct else self.mitm_ep, [])
    self.t_session = time.monotonic()  # the session's clock: from the model's start
    self.rtl_cpu = -1
    self.model_ident = None
    self.poller = zmq.Poller()
    self.poller.register(self.front, zmq.POLLIN)
    self.poller.register(self.upstream, zmq.POLLIN)
    self.last_progress_t = time.monotonic()
    return host

  def to_rtl(self, frame: bytes) -> None:
    send(self.upstream, frame)

  def to_model(self, frame: bytes) -> None:
    if self.model_ident is not None:
      try:
        self.front.send_multipart([self.model_ident, frame])
      except zmq.ZMQError:
        pass

  def watch(self, bound: float) -> Optional[str]:
    """Forward and disturb until both processes exit (None) or one hangs (the verdict)."""
    stranger_op = not (self.op.endswith("_up") or self.op.endswith("_down") or
                       self.op.startswith("none") or self.direct or self.host_mode)
    while True:
      events = dict(self.poller.poll(20))
      self.relay(events, stranger_op)
      now = time.monotonic()
      self.tick(now)
      if self.settle_exits(now):
        return None
      verdict = self.hang_verdict(now, bound)
      if verdict:
        return verdict

  def relay(self, events: dict, stranger_op: bool) -> None:
    """Pass on what each side sent; a stranger op starts when the model's message number `at`
    passes (mid-run)."""
    if self.front in events:
      while True:
        try:
          ident, frame = self.front.recv_multipart(zmq.NOBLOCK)[:2]
        except zmq.Again:
          break
        self.model_ident = ident
        if self.model_hello is None:
          self.model_hello = frame
        self.on_message(self.up, frame, self.to_rtl)
        if stranger_op and self.applied is None and self.up.n > self.at:
          self.start_stranger_op()
    if self.upstream in events:
      while True:
        try:
          frame = self.upstream.recv(zmq.NOBLOCK)
        except zmq.Again:
          break
        self.on_message(self.down, frame, self.to_model)

  def tick(self, now: float) -> None:
    """The disturbances that go by time: the host's idle, direct ops, junk, the model's resume."""
    T = self.a.timeout_ms / 1000.0
    if self.host_mode and self.op != "none_host":
      if self.applied is None and self.host_idle.is_set():
        if self.op == "host_idle_junk":
          self.stranger()
          self.junk_kind, self.junk_every_s = "bytes", JUNK_EVERY_S
          self.note(f"the host idles {1.5 * T:g} s between requests; a stranger sends junk "
                    f"every {JUNK_EVERY_S * 1000:g} ms meanwhile")
        else:
          self.note(f"the host idles {1.5 * T:g} s between requests")
      if self.junk_every_s and self.host_idle_over.is_set():
        self.junk_every_s = 0.0
    if self.direct:
      if (self.applied is None and now - self.t_session >= self.start_after_s and
          self.op != "none_direct"):
        self.start_stranger_op()
      cpu = self.cpu_ticks(self.rtl.popen.pid)  # no messages to watch: the rtl's CPU time is
      if cpu != self.rtl_cpu:  # its progress
        self.rtl_cpu, self.last_progress_t = cpu, now
    if self.strangers:
      self.drain_strangers()
      if self.junk_every_s and now >= self.junk_next_t and self.rtl.poll(now) is None:
        self.send_junk(self.strangers[-1], self.junk_kind)
        self.junk_next_t = now + self.junk_every_s
    if self.resume_t is not None and now >= self.resume_t:
      os.kill(self.model.popen.pid, signal.SIGCONT)
      self.resume_t, self.frozen = None, False
      self.note_extra("the model resumed")

  def settle_exits(self, now: float) -> bool:
    """True once both processes exited; kills a model left with nothing to do."""
    rtl_rc, model_rc = self.rtl.poll(now), self.model.poll(now)
    if self.frozen and self.resume_t is None and rtl_rc is not None:  # the model is done
      self.model.popen.kill()
      self.frozen, self.killed_model = False, True
    if rtl_rc is not None and model_rc is not None:
      return True
    if rtl_rc is not None and self.model_ident is None and model_rc is None and not self.direct:
      self.model.popen.kill()  # the model never reached us: nothing to wait for
      self.killed_model = True
    return False

  def hang_verdict(self, now: float, bound: float) -> Optional[str]:
    """A HANG verdict when nothing moved for @bound, or the case ran past its limit."""
    a = self.a
    T = a.timeout_ms / 1000.0
    since = [now - self.last_progress_t]
    if self.disturb_t is not None:
      since.append(now - self.disturb_t)
    exited = [p.exit_t for p in (self.rtl, self.model) if p.exit_t is not None]
    if exited:
      since.append(now - max(exited))  # the survivor gets the same bound after its peer
    if min(since) > bound:
      alive = [p.role for p in (self.rtl, self.model) if p.popen.poll() is None]
      return (f"HANG: {' and '.join(alive)} still running {min(since):.1f} s after the "
              f"last progress/disturbance/exit (bound 2 x {T:g} s + {a.slack_s:g} s)")
    if now - self.t0 > a.case_limit_s:
      return f"HANG: the case ran past {a.case_limit_s} s"
    return None

  def result(self, json_path: str, host, verdict: Optional[str], bound: float) -> dict:
    """The case's outcome once its processes are gone: exits, hash, verdict, logs."""
    T = self.a.timeout_ms / 1000.0
    result = {
        "rtl_rc": self.rtl.popen.returncode,
        "model_rc": self.model.popen.returncode,
        "wall_s": (self.rtl.exit_t or time.monotonic()) - self.t_session,
        "n_up": self.up.n,
        "n_down": self.down.n,
        "event_hash": None
    }
    if os.path.exists(json_path):
      try:
        with open(json_path) as f:
          result["event_hash"] = json.load(f).get("event_hash")
      except (OSError, ValueError):
        pass
    if host is not None:
      host.join(timeout=3 * T + 5)
      if host.is_alive():
        self.host_error = self.host_error or "the host thread did not finish"
    for p in (self.rtl, self.model):
      p.text = p.log()
    if verdict:  # what each said last: why it kept waiting
      for p in (self.rtl, self.model):
        lines = [l for l in p.text.splitlines() if "error:" in l or "warning:" in l]
        if lines:
          verdict += f"; {p.role}'s last of {len(lines)} error/warning lines: {lines[-1].strip()}"
    result["verdict"] = verdict or self.judge(result, bound)
    result["logs"] = {p.role: p.log()[-2000:] for p in (self.rtl, self.model)}
    return result

  def judge(self, r: dict, bound: float) -> Optional[str]:
    """None if the invariant held, else what broke."""
    problems = []
    clean_hash = self.clean["event_hash"] if self.clean else None
    for p in (self.rtl, self.model):
      rc = p.popen.returncode
      if p is self.model and self.killed_model:
        continue  # killed by us
      if rc < 0:
        problems.append(f"{p.role} died of signal {-rc} ({signal.Signals(-rc).name})")
      elif rc == 0:
        if self.host_mode and self.clean is not None:
          clean_hash = self.clean["event_hash_host"]
        if p is self.rtl and self.clean is not None and r["event_hash"] != clean_hash:
          problems.append(f"rtl PASSED with event_hash {r['event_hash']}, the clean run has "
                          f"{clean_hash}")
      elif rc == 3:
        why = p.error_line()
        if not why:
          problems.append(f"{p.role} exit 3 without an error line naming the cause")
        elif self.disturb_t is None or self.benign:
          problems.append(f"{p.role} ended with an error although "
                          f"{'nothing' if self.disturb_t is None else 'only a harmless thing'}"
                          f" happened: {why}")
        elif p.exit_t - self.disturb_t > bound:
          problems.append(f"{p.role}'s error came {p.exit_t - self.disturb_t:.1f} s after the "
                          f"disturbance (bound {bound:g} s): {why}")
      else:
        problems.append(f"{p.role} exit {rc} (only 0 and 3 are allowed here)" +
                        (f": {p.error_line()}" if p.error_line() else ""))
    if self.host_error and (self.benign or self.disturb_t is None):
      problems.append(f"the host failed: {self.host_error}")
    if problems and not self.direct and self.rtl.exit_t:  # who went quiet: a peer or us
      problems.append("the last messages passed here %.1f s (model->rtl) and %.1f s (rtl->model)"
                      " before the rtl exited" %
                      (self.rtl.exit_t - self.up.last_t, self.rtl.exit_t - self.down.last_t))
    return "; ".join(problems) if problems else None


def reproduce_line(a, seed: int, op: str) -> str:
  return (f"{sys.executable} {os.path.abspath(__file__)} --cpoemu {a.cpoemu} --op {op} "
          f"--seed {seed} --timeout-ms {a.timeout_ms} --cycles {a.cycles} -v")


def parse_seeds(text: str) -> List[int]:
  out = []
  for part in text.split(","):
    if "-" in part:
      lo, hi = part.split("-")
      out.extend(range(int(lo), int(hi) + 1))
    else:
      out.append(int(part))
  return out


def parse_args():
  """(the options, the cases to run as (seed, op) pairs)."""
  ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  ap.add_argument("--cpoemu", default=os.environ.get("CPOEMU", "cpoemu"))
  ap.add_argument("--scenario",
                  default=os.path.join(ROOT, "testbenches", "scenarios", "loopback.ini"))
  ap.add_argument("--cycles", type=int, default=300000)
  ap.add_argument("--run-seed",
                  type=int,
                  default=1,
                  help="the scenario's seed (same in every case)")
  ap.add_argument("--timeout-ms", type=int, default=2000, help="the bridge timeout of both roles")
  ap.add_argument("--slack-s",
                  type=float,
                  default=3.0,
                  help="added to 2 x timeout before a late error or a stall is a failure")
  ap.add_argument("--case-limit-s", type=float, default=300.0)
  ap.add_argument("--seed", type=int, help="run this one case")
  ap.add_argument("--seeds", help="cases to run: 0-21 or 3,7,12")
  ap.add_argument("--cases", type=int, default=0, help="run this many cases from --first-seed")
  ap.add_argument("--first-seed", type=int, default=0)
  ap.add_argument("--op", choices=OP_NAMES, help="force this disturbance (seed picks the rest)")
  ap.add_argument("--ops",
                  help="comma-separated disturbances, one case each, seeds from "
                  "--first-seed (a list that does not move when kinds are added)")
  ap.add_argument("-v", "--verbose", action="store_true")
  a = ap.parse_args()
  if a.ops:
    ops = a.ops.split(",")
    bad = [o for o in ops if o not in BENIGN]
    if bad:
      ap.error(f"unknown disturbance(s) {', '.join(bad)}; known: {', '.join(OP_NAMES)}")
    return a, [(a.first_seed + i, op) for i, op in enumerate(ops)]
  if a.seed is not None:
    seeds = [a.seed]
  elif a.seeds:
    seeds = parse_seeds(a.seeds)
  else:
    seeds = list(range(a.first_seed, a.first_seed + (a.cases or len(OPS))))
  return a, [(seed, a.op or OP_NAMES[seed % len(OP_NAMES)]) for seed in seeds]


def clean_failed(c: dict) -> bool:
  return bool(c["verdict"] or c["rtl_rc"] != 0 or c["model_rc"] != 0 or not c["event_hash"])


def clean_runs(a, cases, t0: float) -> Optional[dict]:
  """The undisturbed runs every case is judged against; None (reported) if one fails."""
  # Through the man in the middle and without it: both pass, same hash.
  clean, clean_direct = Case(a, -1, None).run(), Case(a, -2, None, "none_direct").run()
  for name, c in (("through the man in the middle", clean), ("direct", clean_direct)):
    if clean_failed(c):
      print(
          f"fuzz_session: the undisturbed run {name} failed (rtl exit {c['rtl_rc']}, model "
          f"exit {c['model_rc']}): {c['verdict']}\n{c['logs']['rtl']}\n{c['logs']['model']}",
          file=sys.stderr)
      return None
  if clean["event_hash"] != clean_direct["event_hash"]:
    print(
        f"fuzz_session: the man in the middle is not transparent: event_hash "
        f"{clean['event_hash']} through it, {clean_direct['event_hash']} direct",
        file=sys.stderr)
    return None
  clean["wall_s"] = clean_direct["wall_s"]  # where a direct case's disturbance may fall
  if any(op in HOST_OPS for _, op in cases):
    c = Case(a, -3, None, "none_host").run()
    if clean_failed(c):
      print(
          f"fuzz_session: the undisturbed run with a host failed (rtl exit {c['rtl_rc']}, "
          f"model exit {c['model_rc']}): {c['verdict']}\n{c['logs']['rtl']}\n"
          f"{c['logs']['model']}",
          file=sys.stderr)
      return None
    clean["event_hash_host"] = c["event_hash"]
    print(f"clean run with a host: event_hash {c['event_hash']}", flush=True)
  print(
      f"clean run: event_hash {clean['event_hash']} (the same direct), {clean['n_up']} "
      f"messages model->rtl, {clean['n_down']} rtl->model, {time.monotonic() - t0:.1f} s",
      flush=True)
  return clean


def run_case(a, seed: int, op: str, clean: dict) -> Optional[tuple]:
  """Run and report one case; (seed, op, verdict) if it broke the invariant."""
  c = Case(a, seed, clean, op)
  t1 = time.monotonic()
  r = c.run()
  what = c.applied or ("(not applied: the run ended first)"
                       if c.direct else f"(not applied: the run ended before message {c.at})")
  extra = ("; " + "; ".join(c.extra)) if c.extra else ""
  outcome = (f"rtl exit {r['rtl_rc']}, model exit {r['model_rc']}" +
             (f", rtl: {c.rtl.error_line()}" if r["rtl_rc"] == 3 else "") +
             (f", model: {c.model.error_line()}" if r["model_rc"] == 3 else ""))
  status = "FAIL" if r["verdict"] else "ok"
  print(f"seed {seed} {c.op} [{'benign' if c.benign else 'destructive'}]: {what}{extra} -> "
        f"{outcome} ({time.monotonic() - t1:.1f} s): {status}" +
        (f"\n    {r['verdict']}\n    reproduce: {reproduce_line(a, seed, op)}"
         if r["verdict"] else ""),
        flush=True)
  if not r["verdict"]:
    return None
  if a.verbose:
    for role, log in r["logs"].items():
      print(f"    --- {role} log (tail) ---\n" +
            "\n".join("    " + l for l in log.splitlines()[-15:]))
  return (seed, c.op, r["verdict"])


def main() -> int:
  a, cases = parse_args()
  signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # ctest's timeout: children go too
  t0 = time.monotonic()
  clean = clean_runs(a, cases, t0)
  if clean is None:
    return 2
  failures = []
  for seed, op in cases:
    failure = run_case(a, seed, op, clean)
    if failure:
      failures.append(failure)
  print(f"{len(cases) - len(failures)} of {len(cases)} cases held the invariant "
        f"({time.monotonic() - t0:.1f} s)")
  for seed, op, v in failures:
    print(f"  FAILED --op {op} --seed {seed}: {v}")
  return 1 if failures else 0


if __name__ == "__main__":
  sys.exit(main())
