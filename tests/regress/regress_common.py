"""Helpers of the regress tests: run `cpoemu regress`, read its reports, and compare two
results the way README "Regressions" defines equal (everything but times and artefact paths)."""
import json
import os
import subprocess
import xml.etree.ElementTree as ET

CPOEMU = os.environ.get("CPOEMU", "cpoemu")
SRC = os.environ.get("CPO_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY = os.path.join(SRC, "testbenches", "scenarios")
FAILS_INI = os.path.join(HERE, "scenarios", "fails.ini")
# Short runs: the engine design trains its D2D link by cycle ~9,700; the built-in host needs a
# few thousand cycles after that.
SHORT = ["--cycles", "60000"]

# Fields that may differ between two runs of one matrix: times, and where the artefacts are.
UNCOMPARED_RUN_KEYS = ("wall_s", "artefacts")
UNCOMPARED_SUMMARY_KEYS = ("wall_s",)
UNCOMPARED_JUNIT_ATTRIBUTES = ("time", "timestamp", "hostname")


def regress(args, timeout=900, **kw):
  """Run `cpoemu regress ARGS`; return the CompletedProcess (text)."""
  return subprocess.run([CPOEMU, "regress"] + args,
                        capture_output=True,
                        text=True,
                        timeout=timeout,
                        **kw)


def write_list(path, lines):
  with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
  return path


def load_summary(out_dir):
  with open(os.path.join(out_dir, "summary.json")) as f:
    return json.load(f)


def comparable_summary(summary):
  """The summary without the fields two runs of one matrix may differ in."""
  s = {k: v for k, v in summary.items() if k not in UNCOMPARED_SUMMARY_KEYS}
  s["runs"] = [
      {k: v for k, v in run.items() if k not in UNCOMPARED_RUN_KEYS} for run in summary["runs"]
  ]
  return s


def comparable_junit(path):
  """The JUnit file as nested (tag, attributes, text, children), times left out; it must parse."""

  def walk(e):
    attrs = tuple(
        sorted((k, v) for k, v in e.attrib.items() if k not in UNCOMPARED_JUNIT_ATTRIBUTES))
    text = (e.text or "").strip()
    if e.tag == "system-out":  # "artefacts: DIR" names where the run's files are
      text = "\n".join(l for l in text.splitlines() if not l.startswith("artefacts: "))
    return (e.tag, attrs, text, tuple(walk(c) for c in e))

  return walk(ET.parse(path).getroot())


def check_junit_shape(path, testcase):
  """JUnit XML as CI tools read it: testsuites > testsuite > testcase, counts that add up."""
  root = ET.parse(path).getroot()
  testcase.assertEqual(root.tag, "testsuites")
  total = 0
  for suite in root:
    testcase.assertEqual(suite.tag, "testsuite")
    cases = list(suite)
    testcase.assertTrue(cases)
    testcase.assertEqual(int(suite.get("tests")), len(cases))
    testcase.assertEqual(int(suite.get("failures")),
                         sum(1 for c in cases if c.find("failure") is not None))
    testcase.assertEqual(int(suite.get("errors")),
                         sum(1 for c in cases if c.find("error") is not None))
    for c in cases:
      testcase.assertEqual(c.tag, "testcase")
      testcase.assertTrue(c.get("name") and c.get("classname"))
      float(c.get("time"))
      testcase.assertIn("reproduce: ", c.find("system-out").text)
    total += len(cases)
  testcase.assertEqual(int(root.get("tests")), total)
  return root


def _proc_stats():
  """(pid, fields after the command name: state, ppid, pgrp, ...) of every process."""
  for name in os.listdir("/proc"):
    if not name.isdigit():
      continue
    try:
      with open(f"/proc/{name}/stat") as f:
        stat = f.read()
    except OSError:
      continue
    yield int(name), stat[stat.rindex(")") + 2:].split()


def process_groups_alive(pgids):
  """The pids of live processes (zombies aside) whose process group is one of pgids."""
  return [pid for pid, fields in _proc_stats() if fields[0] != "Z" and int(fields[2]) in pgids]


def children_of(pid):
  """The pids of pid's children."""
  return [child for child, fields in _proc_stats() if int(fields[1]) == pid]


def cmdline(pid):
  """pid's arguments, or [] once it has gone."""
  try:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
      return f.read().decode(errors="replace").split("\0")
  except OSError:
    return []
