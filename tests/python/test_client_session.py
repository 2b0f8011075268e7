#!/usr/bin/python3
"""The Client's session logic against a scripted rtl written here from PROTOCOL.md (a ROUTER
socket in a thread): handshake, virtual time, heartbeats, timeouts, refusals, BYE, malformed
frames and the CLI. The scripted rtl checks every message the client sends with the codec's
RxState, so a client that breaks seq or cycle order fails here.

The real C rtl is exercised by test_client_e2e.py."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_DIR = os.path.join(HERE, "..", "..", "host", "python")
sys.path.insert(0, CLIENT_DIR)
import cpoemu_client as cc  # noqa: E402
import lanes_regs  # noqa: E402  (generated; on PYTHONPATH as the build sets it)
import zmq  # noqa: E402

T = cc.MsgType
CONFIG = cc.Config(lanes=8,
                   symbols_per_cycle=32,
                   bits_per_symbol=2,
                   latency_cycles=1024,
                   quantum_cycles=256,
                   seed=7,
                   total_cycles=10**9,
                   baud_hz=53125000000,
                   profile="test")
START_CYCLE = 100
BUS_CYCLES = 5  # the scripted rtl's bus transaction time
# The scripted rtl answers like the lanes design (the generated map: rtl/lanes/lanes.regs.toml).
ID_ADDR = lanes_regs.CPO_LANES_ID_OFFSET
SCRATCH_ADDR = lanes_regs.CPO_LANES_SCRATCH_OFFSET
ID_VALUE = lanes_regs.CPO_LANES_ID_RESET


class ScriptedRtl(threading.Thread):
  """Answers like the rtl; `script` hooks alter the behaviour per test."""

  def __init__(self, endpoint, on_hello=None, on_request=None, curve_secret=None):
    super().__init__(daemon=True)
    self.ctx = zmq.Context()
    self.sock = self.ctx.socket(zmq.ROUTER)
    self.sock.setsockopt(zmq.LINGER, 0)
    if curve_secret:  # no ZAP handler here: any client key is accepted
      self.sock.curve_server = True
      self.sock.curve_secretkey = curve_secret
    self.sock.bind(endpoint)
    self.on_hello = on_hello
    self.on_request = on_request
    self.stop = threading.Event()
    self.received = []  # every decoded message from the client
    self.arrived = threading.Condition()  # notified whenever `received` grows
    self.problems = []  # rule violations by the client
    self.regs = {ID_ADDR: ID_VALUE, SCRATCH_ADDR: 0}
    self.cycle = START_CYCLE
    self.seqs = {}  # per connection: next seq to send, receive state
    self.rxs = {}
    self.peer = None

  def send_hello_ack(self):
    self.send(
        cc.Message(T.HELLO_ACK,
                   cycle=self.cycle,
                   role=cc.Role.RTL,
                   config=CONFIG,
                   config_hash=CONFIG.hash()))

  def send(self, m, raw=None):
    if raw is None:
      m.seq = self.seqs.get(self.peer, 0)
      self.seqs[self.peer] = m.seq + 1
      raw = cc.encode(m)
    self.sock.send_multipart([self.peer, raw])

  def reply(self, req):
    if req.type == T.REG_READ:
      self.cycle = req.cycle + BUS_CYCLES
      ok = req.addr in self.regs
      self.send(
          cc.Message(T.REG_READ_RESP,
                     cycle=self.cycle,
                     addr=req.addr,
                     data=self.regs.get(req.addr, 0),
                     status=0 if ok else 1))
    elif req.type == T.REG_WRITE:
      self.cycle = req.cycle + BUS_CYCLES
      ok = req.addr in self.regs and req.addr != ID_ADDR
      if ok:
        self.regs[req.addr] = req.data
      self.send(cc.Message(T.REG_WRITE_RESP, cycle=self.cycle, addr=req.addr,
                           status=0 if ok else 1))
    elif req.type == T.SLEEP:
      self.cycle = req.until_cycle
      self.send(cc.Message(T.SLEEP_DONE, cycle=self.cycle))

  def run(self):
    while not self.stop.is_set():
      if not self.sock.poll(20):
        continue
      self.peer, frame = self.sock.recv_multipart()
      try:
        m = cc.decode(frame)
        self.rxs.setdefault(self.peer, cc.RxState()).check(m)
      except cc.ProtocolError as e:
        self.problems.append(str(e))
        continue
      with self.arrived:
        self.received.append(m)
        self.arrived.notify_all()
      if m.type == T.HELLO:
        if m.role != cc.Role.HOST or m.config_hash != 0:
          self.problems.append(f"HELLO role {m.role} hash {m.config_hash}")
        if self.on_hello and self.on_hello(self, m):
          continue
        self.send_hello_ack()
      elif m.type in (T.REG_READ, T.REG_WRITE, T.SLEEP):
        if m.cycle != self.cycle:
          self.problems.append(f"{m.type.name} at cycle {m.cycle}, host now is {self.cycle}")
        if self.on_request and self.on_request(self, m):
          continue
        self.reply(m)

  def close(self):
    self.stop.set()
    self.join(5)
    self.sock.close()
    self.ctx.term()

  def types(self):
    return [m.type for m in self.received]

  def wait_for(self, predicate, timeout_s):
    """Wait until predicate() holds over what was received; False if it did not in time."""
    with self.arrived:
      return self.arrived.wait_for(predicate, timeout_s)


def _refuse_earlier(rtl, m):
  """The scripted rtl refuses the message before @m (BAD_FIELD), as if it came to light late."""
  rtl.send(
      cc.Message(T.ERROR,
                 cycle=rtl.cycle,
                 code=cc.WireError.BAD_FIELD,
                 ref_seq=(m.seq - 1) & 0xFFFFFFFF,
                 text="an earlier message"))


class ClientSession(unittest.TestCase):

  def setUp(self):
    self.dir = tempfile.mkdtemp(prefix="cpo_client_")
    self.endpoint = f"ipc://{self.dir}/rtl.sock"
    self.rtl = None

  def tearDown(self):
    if self.rtl:
      self.rtl.close()
    shutil.rmtree(self.dir, ignore_errors=True)

  def start(self, **kw):
    self.rtl = ScriptedRtl(self.endpoint, **kw)
    self.rtl.start()
    return self.rtl

  def test_session_reads_writes_sleeps_in_virtual_time(self):
    rtl = self.start()
    with cc.Client(self.endpoint, timeout_ms=2000) as c:
      self.assertEqual(c.config, CONFIG)
      self.assertEqual(c.now(), START_CYCLE)
      self.assertEqual(c.read(ID_ADDR), ID_VALUE)
      self.assertEqual(c.now(), START_CYCLE + BUS_CYCLES)
      c.write(SCRATCH_ADDR, 0xA5A5F00D)
      self.assertEqual(c.read(SCRATCH_ADDR), 0xA5A5F00D)
      t0 = c.now()
      c.sleep_cycles(1000)
      self.assertEqual(c.now(), t0 + 1000)
      c.sleep_cycles(0)
      self.assertEqual(c.now(), t0 + 1000)
      # 1 cycle = 32 / 53.125e9 s = 0.60235 ns: 1000 ns -> ceil(1660.156) = 1661 cycles
      t1 = c.now()
      c.sleep_ns(1000)
      self.assertEqual(c.now(), t1 + 1661)
      c.sleep_ns(1)  # 1.66 cycles -> 2
      self.assertEqual(c.now(), t1 + 1663)
      self.assertEqual(c.now_ns(), c.now() * 32 * 10**9 // 53125000000)
    self.assertTrue(rtl.wait_for(lambda: rtl.types()[-1:] == [T.BYE], 5))
    self.assertEqual(rtl.problems, [])
    self.assertEqual(rtl.types()[0], T.HELLO)
    self.assertEqual(rtl.types()[-1], T.BYE)
    self.assertEqual(rtl.received[-1].cycle, t1 + 1663)

  def test_ns_to_cycles_rounds_up_exactly(self):
    c = cc.Client(self.endpoint)
    c.config = cc.Config(symbols_per_cycle=8, baud_hz=1_000_000_000)  # 8 ns per cycle
    self.assertEqual([c.ns_to_cycles(n) for n in (0, 1, 8, 9, 16, 17)], [0, 1, 1, 2, 2, 3])

  def test_bus_error_raises_and_session_survives(self):
    self.start()
    with cc.Client(self.endpoint, timeout_ms=2000) as c:
      with self.assertRaisesRegex(cc.CpoError, r"SLVERR\) reading 0x00000ffc"):
        c.read(0xFFC)
      with self.assertRaisesRegex(cc.CpoError, r"SLVERR\) writing 0x00000000"):
        c.write(ID_ADDR, 1)
      self.assertEqual(c.read(ID_ADDR), ID_VALUE)

  def test_refused_request_raises_and_session_goes_on_to_a_bye(self):
    # The rtl refuses the first REG_READ (as it would an UNEXPECTED message): that call raises,
    # the next is answered, and close() detaches with BYE (the rtl, waiting on its host, is
    # told it left rather than left waiting out its timeout).
    refused = []

    def refuse_first(rtl, m):
      if refused:
        return False
      refused.append(m.seq)
      rtl.send(
          cc.Message(T.ERROR,
                     cycle=rtl.cycle,
                     code=cc.WireError.UNEXPECTED,
                     ref_seq=m.seq,
                     text="REG_READ is not expected here"))
      return True

    self.start(on_request=refuse_first)
    with cc.Client(self.endpoint, timeout_ms=2000) as c:
      with self.assertRaisesRegex(
          cc.CpoError, r"rtl reported: UNEXPECTED \(ref seq \d+\): "
          "REG_READ is not expected here"):
        c.read(ID_ADDR)
      self.assertEqual(c.read(ID_ADDR), ID_VALUE)
      self.assertEqual(c.now(), START_CYCLE + BUS_CYCLES)
    self.assertTrue(self.rtl.wait_for(lambda: T.BYE in self.rtl.types(), 5))
    self.assertEqual(self.rtl.problems, [])

  def test_refusal_of_another_message_is_raised_by_the_next_call(self):
    # An ERROR naming another seq than the request awaited: the request is still answered and
    # returns; the call after it raises the refusal; the one after that goes on.
    def refuse_other_then_reply(rtl, m):
      if m.type != T.REG_WRITE:
        return False
      _refuse_earlier(rtl, m)
      rtl.reply(m)
      return True

    self.start(on_request=refuse_other_then_reply)
    with cc.Client(self.endpoint, timeout_ms=2000) as c:
      c.write(SCRATCH_ADDR, 5)
      with self.assertRaisesRegex(cc.CpoError, "BAD_FIELD.*an earlier message"):
        c.read(SCRATCH_ADDR)
      self.assertEqual(c.read(SCRATCH_ADDR), 5)
    self.assertTrue(self.rtl.wait_for(lambda: T.BYE in self.rtl.types(), 5))
    self.assertEqual(self.rtl.problems, [])

  def test_a_refusal_met_between_calls_keeps_the_session_alive(self):
    # The ERROR (about an earlier message) arrives after a call returned: the keep-alive thread
    # takes it, keeps it for the next call and goes on beating, so a script that computes for
    # longer than timeout_ms is not taken for dead; the next call raises it, the one after works.
    sent = []

    def reply_then_refuse_earlier(rtl, m):
      rtl.reply(m)
      if not sent:
        sent.append(m.seq)
        _refuse_earlier(rtl, m)
      return True

    self.start(on_request=reply_then_refuse_earlier)
    with cc.Client(self.endpoint, timeout_ms=400) as c:
      self.assertEqual(c.read(ID_ADDR), ID_VALUE)
      after = len(self.rtl.received)
      # beats every 50 ms: 8 of them span four timeouts of silence, were the thread to stop
      self.assertTrue(
          self.rtl.wait_for(
              lambda: sum(m.type == T.HEARTBEAT for m in self.rtl.received[after:]) >= 8, 30),
          "the keep-alive stopped beating after a refusal")
      with self.assertRaisesRegex(cc.CpoError, "BAD_FIELD.*an earlier message"):
        c.read(ID_ADDR)
      self.assertEqual(c.read(ID_ADDR), ID_VALUE)
    self.assertEqual(self.rtl.problems, [])

  def test_refused_hello_raises_naming_the_problem(self):

    def refuse(rtl, m):
      rtl.send(
          cc.Message(T.ERROR,
                     cycle=0,
                     code=cc.WireError.ROLE_TAKEN,
                     ref_seq=m.seq,
                     text="role host already connected"),)
      return True

    self.start(on_hello=refuse)
    c = cc.Client(self.endpoint, timeout_ms=2000)
    with self.assertRaisesRegex(cc.CpoError, "refused.*ROLE_TAKEN.*role host already"):
      c.connect()
    c.close()  # safe after a failed connect

  def test_silent_rtl_times_out_with_heartbeats_sent_meanwhile(self):
    self.start(on_request=lambda rtl, m: True)  # swallow every request
    with cc.Client(self.endpoint, timeout_ms=400) as c:
      t0 = time.monotonic()
      with self.assertRaisesRegex(
          cc.CpoError, r"within 400 ms while waiting for REG_READ_RESP "
          r"\(last agreed cycle 100\)"):
        c.read(ID_ADDR)
      waited = time.monotonic() - t0
      with self.assertRaisesRegex(cc.CpoError, "unusable"):
        c.read(ID_ADDR)
    self.assertGreaterEqual(waited, 0.4)
    self.assertLess(waited, 2.0)
    beats = self.rtl.types().count(T.HEARTBEAT)
    self.assertGreaterEqual(beats, 2)  # every 100 ms while waiting
    self.assertEqual(self.rtl.problems, [])

  def test_rtl_heartbeats_keep_a_long_wait_alive(self):

    def slow(rtl, m):
      for _ in range(10):  # 1 s of wall time (what this test is about), timeout is 400 ms
        rtl.stop.wait(0.1)
        rtl.send(cc.Message(T.HEARTBEAT, cycle=rtl.cycle))
      rtl.reply(m)
      return True

    self.start(on_request=slow)
    with cc.Client(self.endpoint, timeout_ms=400) as c:
      c.sleep_cycles(5)
      self.assertEqual(c.now(), START_CYCLE + 5)

  def test_idle_client_keeps_the_session_alive(self):

    def ack_and_beat(rtl, m):  # the rtl's own HEARTBEATs reach a client between calls
      rtl.send_hello_ack()
      for _ in range(3):
        rtl.send(cc.Message(T.HEARTBEAT, cycle=rtl.cycle))
      return True

    self.start(on_hello=ack_and_beat)
    with cc.Client(self.endpoint, timeout_ms=400) as c:
      # No call in progress: the keep-alive thread heartbeats every ~100 ms.
      self.assertTrue(self.rtl.wait_for(lambda: self.rtl.types().count(T.HEARTBEAT) >= 3, 5.0))
      self.assertEqual(c.read(ID_ADDR), ID_VALUE)
      c.write(SCRATCH_ADDR, 7)
      self.assertTrue(self.rtl.wait_for(lambda: self.rtl.types().count(T.HEARTBEAT) >= 5, 5.0))
      self.assertEqual(c.read(SCRATCH_ADDR), 7)
    # The BYE is sent on close; the fake rtl's thread records it when it arrives.
    self.assertTrue(self.rtl.wait_for(lambda: self.rtl.types()[-1:] == [T.BYE], 5.0))
    self.assertEqual(self.rtl.problems, [])  # seq and cycle order kept across both threads

  def test_bye_instead_of_response_ends_the_simulation(self):

    def end(rtl, m):
      rtl.send(cc.Message(T.BYE, cycle=4242, status=0, text="run complete"))
      return True

    self.start(on_request=end)
    with cc.Client(self.endpoint, timeout_ms=2000) as c:
      with self.assertRaisesRegex(cc.CpoError, r"^simulation ended at cycle 4242$"):
        c.sleep_cycles(10**6)
      with self.assertRaisesRegex(cc.CpoError, "simulation ended at cycle 4242"):
        c.read(ID_ADDR)
    # Closing answers the rtl's final BYE with BYE: the rtl holds the session open until then
    # (PROTOCOL.md 10), so a slow peer still hears the end.
    self.assertTrue(self.rtl.wait_for(lambda: T.BYE in self.rtl.types(), 10))

  def test_malformed_frame_gets_error_reply_and_is_discarded(self):

    def garbage_first(rtl, m):
      bad = bytearray(
          cc.encode(
              cc.Message(T.REG_READ_RESP,
                         seq=rtl.seqs[rtl.peer],
                         cycle=m.cycle + 1,
                         addr=m.addr,
                         data=0xBAD)))
      bad[0] ^= 0xFF  # bad magic
      rtl.send(None, raw=bytes(bad))
      rtl.reply(m)  # the genuine answer, with the seq the client still expects
      return True

    self.start(on_request=garbage_first)
    with cc.Client(self.endpoint, timeout_ms=2000) as c:
      self.assertEqual(c.read(ID_ADDR), ID_VALUE)
    self.assertTrue(self.rtl.wait_for(lambda: T.ERROR in self.rtl.types(), 5))
    errors = [m for m in self.rtl.received if m.type == T.ERROR]
    self.assertEqual(len(errors), 1)
    self.assertEqual(errors[0].code, cc.WireError.BAD_MAGIC)
    self.assertEqual(errors[0].ref_seq, cc.SEQ_NONE)
    self.assertIn("magic 0x454f50bc", errors[0].text)
    self.assertEqual(self.rtl.problems, [])

  def test_curve_session_needs_the_right_server_key(self):
    server_pub, server_sec = zmq.curve_keypair()
    self.start(curve_secret=server_sec)
    pair = tuple(k.decode() for k in zmq.curve_keypair())
    with cc.Client(self.endpoint,
                   timeout_ms=2000,
                   curve_server_key=server_pub.decode(),
                   curve_keypair=pair) as c:
      self.assertEqual(c.read(ID_ADDR), ID_VALUE)
    other_pub, _ = zmq.curve_keypair()  # the handshake fails: no HELLO_ACK ever comes
    c = cc.Client(self.endpoint,
                  timeout_ms=500,
                  curve_server_key=other_pub.decode(),
                  curve_keypair=pair)
    with self.assertRaisesRegex(cc.CpoError, "no answer from the rtl"):
      c.connect()
    c.close()

  def test_cli_reads_and_writes(self):
    self.start()
    cli = [
        sys.executable,
        os.path.join(CLIENT_DIR, "cpoemu_client.py"), "--endpoint", self.endpoint, "--timeout-ms",
        "2000"
    ]
    r = subprocess.run(cli + ["write", hex(SCRATCH_ADDR), "0x1234"],
                       capture_output=True,
                       text=True,
                       timeout=30)
    self.assertEqual(r.returncode, 0, r.stderr)
    r = subprocess.run(cli + ["read", hex(SCRATCH_ADDR)],
                       capture_output=True,
                       text=True,
                       timeout=30)
    self.assertEqual((r.returncode, r.stdout.strip()), (0, "0x00001234"), r.stderr)
    r = subprocess.run(cli + ["read", "0x800"], capture_output=True, text=True, timeout=30)
    self.assertEqual(r.returncode, 1)
    self.assertIn("bus error (SLVERR) reading 0x00000800", r.stderr)

  def test_cli_reports_a_missing_rtl(self):
    r = subprocess.run([
        sys.executable,
        os.path.join(CLIENT_DIR, "cpoemu_client.py"), "--endpoint", self.endpoint, "--timeout-ms",
        "300", "read", "0"
    ],
                       capture_output=True,
                       text=True,
                       timeout=30)
    self.assertEqual(r.returncode, 1)
    self.assertIn("no answer from the rtl", r.stderr)


if __name__ == "__main__":
  unittest.main(verbosity=2)
