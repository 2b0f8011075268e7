"""Helpers for tests that run cpoemu as real processes: start, wait on conditions, reap."""
import json
import os
import shutil
import select
import subprocess
import tempfile
import time

CPOEMU = os.environ.get("CPOEMU", "cpoemu")


def env_with_tmpdir(tmpdir):
  """The environment with TMPDIR = tmpdir: a test's runs keep their private files there."""
  return dict(os.environ, TMPDIR=tmpdir)


def run(args, timeout=300, **kw):
  """Run `cpoemu ARGS`; return (exit code, stdout, stderr)."""
  p = subprocess.run([CPOEMU] + args, capture_output=True, text=True, timeout=timeout, **kw)
  return p.returncode, p.stdout, p.stderr


def run_json(args, timeout=300, **kw):
  """Run with --json into a temp file; return (code, result dict or None, stdout, stderr)."""
  with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "result.json")
    code, out, err = run(args + ["--json", path], timeout, **kw)
    result = None
    if os.path.exists(path):
      with open(path) as f:
        result = json.load(f)
    return code, result, out, err


def start(args, **kw):
  return subprocess.Popen([CPOEMU] + args,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE,
                          text=True,
                          **kw)


def wait_until(condition, timeout_s, what):
  """Poll condition() until it is true; raise naming what was awaited after timeout_s."""
  deadline = time.monotonic() + timeout_s
  while not condition():
    if time.monotonic() > deadline:
      raise AssertionError(f"not within {timeout_s} s: {what}")
    time.sleep(0.05)


def wait_for_line(stream, needle, timeout_s):
  """Read lines from a pipe until one contains needle; return the lines read (bounded).
    Reads the raw descriptor up to each newline only, so a later communicate() sees the rest."""
  deadline = time.monotonic() + timeout_s
  fd = stream.fileno()
  lines, line = [], b""
  while True:
    left = deadline - time.monotonic()
    if left <= 0 or not select.select([fd], [], [], left)[0]:
      raise AssertionError(f"no line containing {needle!r} within {timeout_s} s; got {lines!r}")
    byte = os.read(fd, 1)
    if not byte:
      raise AssertionError(f"stream ended before a line containing {needle!r}; got {lines!r}")
    line += byte
    if byte == b"\n":
      lines.append(line.decode(errors="replace"))
      if needle in lines[-1]:
        return lines
      line = b""


def alive(pid):
  """True if pid exists and is not a zombie."""
  try:
    with open(f"/proc/{pid}/stat") as f:
      return f.read().split(")")[-1].split()[0] != "Z"
  except FileNotFoundError:
    return False


def wait_gone(pid, timeout_s):
  """Wait until pid has exited (a pidfd becomes readable then); seconds waited, or None."""
  t0 = time.monotonic()
  try:
    fd = os.pidfd_open(pid)
  except ProcessLookupError:
    return 0.0
  try:
    if not select.select([fd], [], [], timeout_s)[0]:
      return None
  finally:
    os.close(fd)
  return time.monotonic() - t0


class Roles:
  """`cpoemu rtl` and `cpoemu model` (and any other role) as separate processes on one ipc
    endpoint in a private directory, each logging to a file there; for tests that attach a
    Python host to them."""

  def __init__(self, cpoemu=None, logdir=None):
    self.cpoemu = cpoemu or CPOEMU
    self.dir = tempfile.mkdtemp(prefix="cpo_roles_")  # short: ipc paths are < 108 bytes
    self.sock = os.path.join(self.dir, "rtl.sock")
    self.endpoint = f"ipc://{self.sock}"
    self.logdir = logdir or self.dir
    self.procs, self.logs = {}, {}

  def spawn(self, role, *args):
    log = open(os.path.join(self.logdir, f"{role}.log"), "w+")
    self.logs[role] = log
    self.procs[role] = subprocess.Popen([self.cpoemu, role, "--endpoint", self.endpoint, *args],
                                        stdout=log,
                                        stderr=subprocess.STDOUT)

  def log_text(self):
    out = []
    for role, f in self.logs.items():
      f.flush()
      f.seek(0)
      out.append(f"--- {role} (exit {self.procs[role].poll()}) ---\n{f.read()[-3000:]}")
    return "\n".join(out)

  def wait(self, timeout_s=120):
    """Wait for every role to exit; {role: exit code} (raises on a role still running)."""
    codes = {}
    for role, p in self.procs.items():
      try:
        codes[role] = p.wait(timeout=timeout_s)
      except subprocess.TimeoutExpired:
        raise AssertionError(f"{role} did not exit within {timeout_s} s\n{self.log_text()}")
    return codes

  def close(self):
    for p in self.procs.values():
      if p.poll() is None:
        p.kill()
        p.wait()
    for f in self.logs.values():
      f.close()
    shutil.rmtree(self.dir, ignore_errors=True)
