"""Resource limits of the rtl's bridge socket, against a live `cpoemu rtl`.

* Message size: a frame of exactly the largest legal size (32 + 16 MiB) still reaches the
  rtl (it answers it); past that plus the 33 bytes CURVE wraps a message in, ZeroMQ drops the
  frame before it is buffered and disconnects its sender (ZMQ_MAXMSGSIZE): nothing to answer,
  no memory spent on it. (In between, the rtl's decoder answers TOO_LARGE.) And the limit does
  not cut the largest legal message under CURVE.
* File descriptors: a flood of connections that takes the rtl past RLIMIT_NOFILE must not
  abort it (libzmq 4.3.4 asserted in its ipc listener on EMFILE: exit 134); the connections
  it cannot take are refused, the session already running goes on, and once the flood is over
  a host attaches and the run passes. ipc and tcp alike.
"""
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "cosim"))
sys.path.insert(0, os.path.join(ROOT, "host", "python"))
import cpoemu_client as cc  # noqa: E402
import cpoemu_proc as cp  # noqa: E402
import zmq  # noqa: E402

SCENARIO = os.path.join(ROOT, "testbenches", "scenarios", "loopback.ini")
MAX_FRAME = cc.HEADER_BYTES + cc.MAX_PAYLOAD_BYTES
CURVE_ENVELOPE = 33  # libzmq 4.3.4's MESSAGE command around each message under CURVE
WAIT_S = 60  # generous bound on every condition waited for
TIMEOUT_MS = 60000  # the bridge timeout: long, so nothing here races it
FD_LIMIT = 64  # the rtl's RLIMIT_NOFILE (soft and hard) in the flood test
FLOOD = 400  # connections the flood opens: far beyond FD_LIMIT

# The flooder, a child process: opens connections to the endpoint (unix path or host:port)
# and holds them, prints how many it made, and lets them go when its stdin closes.
# A full listen backlog makes a unix connect fail with EAGAIN: it retries (bounded).
FLOODER = r"""
import socket, sys, time
kind, where, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
held = []
for _ in range(n):
    if kind == "ipc":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = where
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        host, port = where.rsplit(":", 1)
        target = (host, int(port))
    s.settimeout(5.0)
    deadline = time.monotonic() + 5.0
    while True:
        try:
            s.connect(target)
            held.append(s)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                s.close()
                break
            time.sleep(0.002)
        except OSError:
            s.close()
            break
print(len(held), flush=True)
sys.stdin.read()
"""


def free_tcp_port():
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


class Limits(unittest.TestCase):

  def setUp(self):
    self.dir = tempfile.TemporaryDirectory(prefix="cpo_lim_")
    self.procs = []
    self.ctx = zmq.Context()

  def tearDown(self):
    for p, log in self.procs:
      if p.poll() is None:
        p.kill()
        p.wait()
      log.close()
    self.ctx.destroy(linger=0)
    self.dir.cleanup()

  def spawn(self, role, endpoint, *args, nofile=None):
    log = open(os.path.join(self.dir.name, f"{role}.log"), "w+")

    def limit():
      if nofile:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    p = subprocess.Popen([
        cp.CPOEMU, role, "--endpoint", endpoint, SCENARIO, "--quiet", "--timeout-ms",
        str(TIMEOUT_MS), *args
    ],
                         stdout=log,
                         stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL,
                         preexec_fn=limit)
    self.procs.append((p, log))
    return p, log

  @staticmethod
  def text(log):
    log.flush()
    log.seek(0)
    return log.read()

  def assert_not_signalled(self, p, log, role):
    rc = p.poll()
    if rc is not None and rc < 0:
      self.fail(f"{role} died of {signal.Signals(-rc).name}\n{self.text(log)[-3000:]}")

  # -- message size ---------------------------------------------------------------------------

  def test_frame_over_the_largest_legal_message_is_dropped_unread(self):
    sock = os.path.join(self.dir.name, "rtl.sock")
    ep = f"ipc://{sock}"
    rtl, rtl_log = self.spawn("rtl", ep, "--no-host")
    cp.wait_until(lambda: os.path.exists(sock) or rtl.poll() is not None, WAIT_S, "the rtl bound")
    junk = bytes(MAX_FRAME)  # magic 0: BAD_MAGIC once read
    header = struct.pack("<IHHHHIQII", cc.MAGIC, cc.VERSION, cc.MsgType.HEARTBEAT, 0, 0, 0, 0, 0, 0)
    too_large = header + bytes(MAX_FRAME + CURVE_ENVELOPE - len(header))  # TOO_LARGE once read

    legal = self.ctx.socket(zmq.DEALER)
    legal.linger = 0
    legal.connect(ep)
    for frame, code in ((junk, cc.WireError.BAD_MAGIC), (too_large, cc.WireError.TOO_LARGE)):
      legal.send(frame)
      self.assertTrue(legal.poll(WAIT_S * 1000), f"no answer to a frame of {len(frame)} bytes")
      reply = cc.decode(legal.recv())
      self.assertEqual((reply.type, reply.code), (cc.MsgType.ERROR, code))

    over = self.ctx.socket(zmq.DEALER)
    over.linger = 0
    mon_ep = "inproc://over-monitor"
    over.monitor(mon_ep, zmq.EVENT_DISCONNECTED)
    mon = self.ctx.socket(zmq.PAIR)
    mon.connect(mon_ep)
    over.connect(ep)
    over.send(junk + bytes(CURVE_ENVELOPE + 1))
    # The rtl's ZeroMQ closes the connection when it reads the length: a disconnect, no ERROR.
    self.assertTrue(mon.poll(WAIT_S * 1000),
                    "the rtl kept the connection that sent an oversized frame")
    self.assertEqual(over.poll(0), 0, "the rtl read and answered an oversized frame")
    self.assertIsNone(rtl.poll(), "the rtl stopped")
    over.monitor(None, 0)
    for s in (mon, over, legal):
      s.close(0)

  def test_largest_legal_message_passes_under_curve(self):
    d = self.dir.name
    for name in ("server", "client"):
      subprocess.run([cp.CPOEMU, "keygen", os.path.join(d, name)], check=True, capture_output=True)
    keys = {}
    for name in ("server", "client"):
      with open(os.path.join(d, name)) as f:
        keys[name] = f.read().split()  # public, secret (Z85)
    with open(os.path.join(d, "authorized"), "w") as f:
      f.write(keys["client"][0] + "\n")
    port = free_tcp_port()
    ep = f"tcp://127.0.0.1:{port}"
    rtl, rtl_log = self.spawn("rtl", ep, "--no-host", "--curve-key", os.path.join(d, "server"),
                              "--curve-authorized", os.path.join(d, "authorized"))
    c = self.ctx.socket(zmq.DEALER)
    c.linger = 0
    c.curve_serverkey = keys["server"][0].encode()
    c.curve_publickey = keys["client"][0].encode()
    c.curve_secretkey = keys["client"][1].encode()
    c.connect(ep)
    c.send(bytes(MAX_FRAME))  # magic 0
    ok = c.poll(WAIT_S * 1000)
    self.assert_not_signalled(rtl, rtl_log, "rtl")
    self.assertTrue(
        ok, "no answer to the largest legal message under CURVE\n" + self.text(rtl_log)[-2000:])
    reply = cc.decode(c.recv())
    self.assertEqual((reply.type, reply.code), (cc.MsgType.ERROR, cc.WireError.BAD_MAGIC))
    c.close(0)

  # -- file descriptors -----------------------------------------------------------------------

  def flood_then_attach(self, transport):
    if transport == "ipc":
      sock = os.path.join(self.dir.name, "rtl.sock")
      ep, where = f"ipc://{sock}", sock
      bound = lambda: os.path.exists(sock)  # noqa: E731
    else:
      port = free_tcp_port()
      ep, where = f"tcp://127.0.0.1:{port}", f"127.0.0.1:{port}"

      def bound():
        with socket.socket() as s:
          return s.connect_ex(("127.0.0.1", port)) == 0

    json_path = os.path.join(self.dir.name, "rtl.json")
    rtl, rtl_log = self.spawn("rtl",
                              ep,
                              "--with-host",
                              "--cycles",
                              "200000",
                              "--json",
                              json_path,
                              nofile=FD_LIMIT)
    cp.wait_until(lambda: rtl.poll() is not None or bound(), WAIT_S, "the rtl bound")
    model, model_log = self.spawn("model", ep, "--cycles", "200000")
    # The session is on once the model's HELLO is answered; the rtl then waits for its host.
    flooder = subprocess.Popen([sys.executable, "-c", FLOODER, transport, where,
                                str(FLOOD)],
                               stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE,
                               text=True)
    try:
      made = int(flooder.stdout.readline() or 0)
      self.assertGreater(made, FD_LIMIT, "the flood did not get past the rtl's descriptor limit")
      # Past the limit: the rtl has refused some (it says so), or it has died.
      cp.wait_until(
          lambda: rtl.poll() is not None or "out of file descriptors" in self.text(rtl_log), WAIT_S,
          "the flood exhausting the rtl's descriptors")
      self.assert_not_signalled(rtl, rtl_log, "rtl")
      self.assertIsNone(
          rtl.poll(),
          f"the rtl stopped under a flood of {made} connections:\n" + self.text(rtl_log)[-3000:])
    finally:
      flooder.stdin.close()
      flooder.wait()
      flooder.stdout.close()
    host, host_log = self.spawn("host", ep)
    for p, log, role in ((rtl, rtl_log, "rtl"), (model, model_log, "model"), (host, host_log,
                                                                              "host")):
      try:
        p.wait(timeout=WAIT_S * 3)
      except subprocess.TimeoutExpired:
        self.fail(f"{role} did not finish\n{self.text(log)[-3000:]}")
      self.assert_not_signalled(p, log, role)
      self.assertEqual(p.returncode, 0, f"{role} exit {p.returncode}\n{self.text(log)[-3000:]}")

  def test_connection_flood_on_ipc_is_refused_not_fatal(self):
    self.flood_then_attach("ipc")

  def test_connection_flood_on_tcp_is_refused_not_fatal(self):
    self.flood_then_attach("tcp")


if __name__ == "__main__":
  unittest.main(verbosity=2)
