"""Helpers for tests that run cpoemu as real processes: start, wait on conditions, reap."""
import json
import os
import subprocess
import tempfile
import time

CPOEMU = os.environ.get("CPOEMU", "cpoemu")


def run(args, timeout=300):
    """Run `cpoemu ARGS`; return (exit code, stdout, stderr)."""
    p = subprocess.run([CPOEMU] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def run_json(args, timeout=300):
    """Run with --json into a temp file; return (code, result dict or None, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "result.json")
        code, out, err = run(args + ["--json", path], timeout)
        result = None
        if os.path.exists(path):
            with open(path) as f:
                result = json.load(f)
        return code, result, out, err


def start(args, **kw):
    return subprocess.Popen([CPOEMU] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def wait_for_line(stream, needle, timeout_s):
    """Read lines from a pipe until one contains needle; return the lines read (bounded)."""
    deadline = time.monotonic() + timeout_s
    lines = []
    os.set_blocking(stream.fileno(), False)
    while time.monotonic() < deadline:
        line = stream.readline()
        if line:
            lines.append(line)
            if needle in line:
                return lines
        else:
            time.sleep(0.01)
    raise AssertionError(f"no line containing {needle!r} within {timeout_s} s; got {lines!r}")


def alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid, timeout_s):
    """Wait until pid is gone; return seconds waited or None on timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if not alive(pid):
            return time.monotonic() - t0
        time.sleep(0.005)
    return None
