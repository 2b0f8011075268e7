#!/usr/bin/python3
"""`cpoemu cmis`'s exit codes (README "CMIS from the host"): 2 for bad usage, found before
attaching; 3 when the run ended or its rtl went silent or away, naming the cause; 1 only when
the module answered wrong (tests/cmis_host/test_cmis_els_e2e.py: a refused page).

- BadArguments: every malformed argument (a page that is not a number, a byte, bank or linear
  address out of range, a count or value out of range, an option the subcommand does not take,
  a trace file that cannot be written, a CURVE key that cannot be read) exits 2 naming the
  argument, with no endpoint running: nothing is attached, so nothing waits for the rtl's
  silence. Well-formed arguments against the same missing endpoint are refused by the attach
  (exit 3), so each case fails on its argument alone.
- KilledPeer (needs the verilated engine): `cpoemu cmis watch` attached to `cpoemu rtl
  --with-host`, whose rtl is then killed with SIGKILL mid-run: exit 3, the message naming the
  silent rtl. The tool's own --timeout-ms bounds the wait; nothing here measures wall time.

usage: test_cmis_tool.py --cpoemu PATH [--timeout-s S] [unittest args]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cosim"))
import cpoemu_proc  # noqa: E402

ARGS = None
NO_CMIS = "the engine has no CMIS block"


class BadArguments(unittest.TestCase):

  def setUp(self):
    self.dir = tempfile.mkdtemp(prefix="cpo_cmis_tool_")
    self.addCleanup(shutil.rmtree, self.dir, True)
    self.endpoint = f"ipc://{self.dir}/nobody.sock"  # no rtl there

  def _tool(self, *args):
    p = subprocess.run([ARGS.cpoemu, "cmis", *args, "--endpoint", self.endpoint],
                       capture_output=True,
                       text=True,
                       timeout=ARGS.timeout_s)
    return p.returncode, p.stderr

  def _refused(self, args, named):
    rc, err = self._tool(*args)
    self.assertEqual(rc, 2, f"cpoemu cmis {' '.join(args)}: exit {rc}, expected 2\n{err}")
    self.assertIn(named, err, f"cpoemu cmis {' '.join(args)}: the message does not name it")
    self.assertNotIn("cannot attach", err)

  def test_peek_page_not_a_number(self):
    self._refused(["peek", "0", "1Zh", "128"], "PAGE 1Zh: expected a number 0-255")

  def test_peek_byte_out_of_range(self):
    self._refused(["peek", "0", "1Bh", "300"], "BYTE 300: expected a number 0-255")

  def test_peek_bank_out_of_range(self):
    self._refused(["peek", "256", "10h", "128"], "BANK 256: expected a number 0-255")

  def test_peek_bank_of_an_unbanked_page(self):
    self._refused(["peek", "3", "01h", "130"], "BANK 3: page 01h is not banked")

  def test_peek_missing_address(self):
    self._refused(["peek", "0", "1Bh"], "expected BANK PAGE BYTE")

  def test_peek_linear_address_out_of_range(self):
    self._refused(["peek", "--linear", "8388736"],
                  "ADDR 8388736: expected a linear address 0-8388735")

  def test_peek_linear_run_beyond_the_space(self):
    self._refused(["peek", "--linear", "8388735", "2"], "run beyond the CMIS space")

  def test_peek_linear_address_of_an_unbanked_page_in_another_bank(self):
    # (1 * 256 + 0) * 128 + 128: page 00h's byte 128 as if banked; so is a run reaching it
    self._refused(["peek", "--linear", "32896"], "page 00h is not banked")
    self._refused(["poke", "--linear", "32895", "1", "2"], "linear address 32896 is bank 1")

  def test_endpoint_of_an_unknown_kind(self):
    p = subprocess.run([ARGS.cpoemu, "cmis", "dump", "--endpoint", "bogus://x"],
                       capture_output=True,
                       text=True,
                       timeout=ARGS.timeout_s)
    self.assertEqual(p.returncode, 2, p.stderr)
    self.assertIn("--endpoint bogus://x: expected ipc://PATH or tcp://HOST:PORT", p.stderr)

  def test_negative_numbers_are_named(self):
    self._refused(["poke", "0", "0", "26", "-1"], "-1...: a negative number")
    self._refused(["peek", "--linear", "-5"], "-5...: a negative number")

  def test_decimal_with_a_leading_zero_is_not_octal(self):
    # 08 is not octal (where it would be refused); 010 is ten, a byte 0-255 either way
    rc, err = self._tool("peek", "0", "0", "08", "--timeout-ms", "200")
    self.assertEqual(rc, 3, f"peek 0 0 08: exit {rc}, expected the attach's 3\n{err}")
    self._refused(["peek", "0", "0", "0256"], "BYTE 0256: expected a number 0-255")

  def test_peek_count_out_of_range(self):
    self._refused(["peek", "0", "0", "0", "0"], "COUNT 0: expected a count 1-256")
    self._refused(["peek", "0", "0", "0", "257"], "COUNT 257: expected a count 1-256")

  def test_peek_argument_after_the_count(self):
    self._refused(["peek", "0", "0", "0", "1", "9"], "9: unexpected after COUNT")

  def test_poke_value_out_of_range(self):
    self._refused(["poke", "0", "10h", "128", "1", "256"], "VALUE 256: expected a byte 0-255")

  def test_poke_without_values(self):
    self._refused(["poke", "0", "10h", "128"], "expected 1-256 values after the address")

  def test_power_neither_low_nor_high(self):
    self._refused(["power", "medium"], "medium: expected low or high")
    self._refused(["power"], "no argument: expected low or high")

  def test_arguments_to_a_subcommand_that_takes_none(self):
    for cmd in ("bringup", "dump", "watch", "cdb", "reset"):
      self._refused([cmd, "7"], "7: takes no arguments")

  def test_an_option_the_subcommand_does_not_take(self):
    self._refused(["dump", "--linear"], "--linear (peek and poke only) does not apply")
    self._refused(["peek", "0", "0", "0", "--then-low-power"], "--then-low-power (bringup only)")
    self._refused(["dump", "--app", "2"], "--app (bringup only)")
    self._refused(["bringup", "--count", "2"], "--count (watch only)")

  def test_option_values_out_of_range(self):
    self._refused(["watch", "--count", "0"], "--count 0: expected a whole number from 1")
    self._refused(["dump", "--timeout-ms", "5"], "--timeout-ms 5: expected a whole number")

  def test_unwritable_trace_file(self):
    path = os.path.join(self.dir, "no-such-dir", "t.trace")
    self._refused(["dump", "--trace", path], f"--trace {path}")

  def test_unreadable_curve_key(self):
    key = os.path.join(self.dir, "missing.key")
    self._refused(["dump", "--curve-key", key, "--curve-server-key", key], f"--curve-key {key}")
    self._refused(["dump", "--curve-key", key], "--curve-key and --curve-server-key go together")

  def test_well_formed_arguments_reach_the_attach(self):
    # the same missing endpoint: each case above fails on its argument, not on the endpoint
    for args in (["peek", "0", "1Bh", "128"], ["peek", "--linear", "8388607"],
                 ["poke", "0", "10h", "128", "0x0f",
                  "11h"], ["power", "low"], ["watch", "--count",
                                             "2"], ["bringup", "--app", "1", "--then-low-power"]):
      rc, err = self._tool(*args, "--timeout-ms", "100")
      self.assertEqual(rc, 3, f"cpoemu cmis {' '.join(args)}: exit {rc}\n{err}")
      self.assertIn("cannot attach", err)


class KilledPeer(unittest.TestCase):

  def test_a_killed_rtl_exits_3_naming_the_silent_rtl(self):
    roles = cpoemu_proc.Roles(ARGS.cpoemu)
    self.addCleanup(roles.close)
    # 10 MHz datapath (a CMIS byte is ~40 us of simulated time at any clock): a run far longer
    # than the watch, which the rtl's death ends
    run = [
        "--profile", "mrm-els-8x200g", "--quiet", "--baud-hz", "80000000", "--cycles",
        "100000000000", "--expect-min-locked-lanes", "0", "--expect-min-bits", "0",
        "--expect-max-ber", "1"
    ]
    roles.spawn("rtl", "--with-host", *run)
    roles.spawn("model", *run)
    # bound (the tool's 2 s silence bound applies to its attach too)
    cpoemu_proc.wait_until(lambda: os.path.exists(roles.sock) or roles.procs["rtl"].poll(),
                           ARGS.timeout_s, "the rtl's endpoint")
    trace = os.path.join(roles.dir, "watch.trace")
    tool = subprocess.Popen([
        ARGS.cpoemu, "cmis", "watch", "--count", "1000000", "--interval-ms", "1", "--timeout-ms",
        "2000", "--trace", trace, "--endpoint", roles.endpoint
    ],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True)
    self.addCleanup(lambda: tool.poll() is None and (tool.kill(), tool.wait()))

    # attached and reading: its trace has been written to (the tool's buffer filled once)
    def reading():
      return tool.poll() is not None or (os.path.exists(trace) and os.path.getsize(trace) > 0)

    cpoemu_proc.wait_until(reading, ARGS.timeout_s, "the watch's first register accesses")
    if tool.poll() is not None:
      self.fail(f"the watch ended first: {tool.communicate()}\n{roles.log_text()}")
    roles.procs["rtl"].kill()  # SIGKILL: no BYE, the rtl just stops answering
    out, err = tool.communicate(timeout=ARGS.timeout_s)
    if NO_CMIS in err:
      self.skipTest(f"{NO_CMIS} yet: {err.strip()}")
    self.assertEqual(tool.returncode, 3, f"{out}{err}\n{roles.log_text()}")
    self.assertRegex(err, r"cpoemu cmis watch: .*peer rtl silent for 2000 ms")


if __name__ == "__main__":
  ap = argparse.ArgumentParser()
  ap.add_argument("--cpoemu", required=True)
  ap.add_argument("--timeout-s", type=float, default=300)
  ARGS, rest = ap.parse_known_args()
  result = unittest.main(argv=[sys.argv[0]] + rest, exit=False).result
  if not result.wasSuccessful():
    sys.exit(1)
  sys.exit(77 if result.skipped and len(result.skipped) == result.testsRun else 0)
