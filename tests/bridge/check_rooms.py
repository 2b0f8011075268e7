#!/usr/bin/python3
"""Room rules of ARCHITECTURE.md section 9 that a scan of the tracked sources can check.

  zmq SOURCE_DIR  ZeroMQ only in bridge/: no C/C++ file outside bridge/ includes zmq.h, except
                  the few listed below, which play a raw ZeroMQ peer on purpose.
  log SOURCE_DIR  Library code (model/, bridge/, host/) reports through cpo_log, never to
                  stderr (common/src/log.c, the default sink, is the one that writes it).
  deps SOURCE_DIR Dependencies point one way: common <- model; common <- bridge <- host; only
                  testbenches/, tests/ and bench/ may include every room's headers. Generated
                  contract headers (registers, address map, analog channels, protocol numbers)
                  are data every room may use.

Exit 0 when the rule holds, 1 naming each offender."""
import pathlib
import re
import subprocess
import sys

SOURCES = ('.c', '.h', '.cpp', '.hpp', '.cc')
ZMQ_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]zmq\.h[>"]', re.MULTILINE)
# Files that must speak ZeroMQ below the bridge: they send what the bridge never would.
RAW_PEERS = {
    'tests/robustness/test_session.c': 'sends malformed frames as a raw DEALER',
    'tests/robustness/test_sync_session.c': 'sends stamps the client refuses as a raw DEALER',
    'bench/bridge/bench_roundtrip.c': 'measures a raw libzmq REQ/REP ping-pong as the baseline',
    'bench/cmis/bench_cmis_access.c': 'the same raw ping-pong, the baseline of CMIS accesses',
}
STDERR = re.compile(r'\bstderr\b|\bperror\s*\(')
LIBRARY_DIRS = ('model/src/', 'bridge/src/', 'host/src/', 'host/fw/', 'common/src/')
SINKS = {'common/src/log.c'}  # the default log sink writes stderr: that is its job
CPO_INCLUDE = re.compile(r'^\s*#\s*include\s*"(cpo/[\w/]+\.h)"', re.MULTILINE)
# What each room's code may include, besides its own headers and the generated contracts.
ALLOWED = {
    'common': set(),
    'model': {'common'},
    'bridge': {'common'},
    'host': {'common', 'bridge'},
}


def s_sources(root):
  files = subprocess.run(['git', '-C', str(root), 'ls-files'],
                         check=True,
                         capture_output=True,
                         text=True).stdout.split()
  return [f for f in files if f.endswith(SOURCES)]


def s_code(text):
  """The text without its comments (their lines kept), so a comment may still say 'stderr'."""
  return re.sub(r'/\*.*?\*/|//[^\n]*',
                lambda m: '\n' * m.group(0).count('\n'),
                text,
                flags=re.DOTALL)


def check_zmq(root, sources):
  including = [f for f in sources if ZMQ_INCLUDE.search((root / f).read_text(errors='replace'))]
  # The check must see the files that do include it, or it proves nothing.
  if not any(f.startswith('bridge/') for f in including):
    print(f'found no zmq.h include in bridge/ among {len(sources)} files: not scanning')
    return 1
  bad = [f for f in including if not f.startswith('bridge/') and f not in RAW_PEERS]
  for f in bad:
    print(f'{f}: includes zmq.h outside bridge/ (use cpo/context.h and cpo/bridge.h)')
  stale = [f for f in RAW_PEERS if f not in including]
  for f in stale:
    print(f'{f}: listed as a raw ZeroMQ peer but does not include zmq.h: drop it from the list')
  if bad or stale:
    return 1
  print(f'zmq.h included by {len(including)} files, all in bridge/ or raw peers')
  return 0


def check_log(root, sources):
  library = [f for f in sources if f.startswith(LIBRARY_DIRS) and f not in SINKS]
  if not any(f.startswith('bridge/src/') for f in library):
    print(f'found no library source among {len(sources)} files: not scanning')
    return 1
  bad = []
  for f in library:
    for n, line in enumerate(s_code((root / f).read_text(errors='replace')).splitlines(), 1):
      if STDERR.search(line):
        bad.append(f'{f}:{n}: writes to stderr: report through cpo_log (cpo/log.h)')
  print('\n'.join(bad) if bad else f'{len(library)} library sources report through cpo_log')
  return 1 if bad else 0


def s_header_rooms(sources):
  """cpo/NAME.h -> the room whose include/ directory holds it (tracked headers only)."""
  rooms = {}
  for f in sources:
    m = re.match(r'^(\w+)/(?:[\w/]*/)?include/(cpo/[\w/]+\.h)$', f)
    if m:
      rooms[m.group(2)] = m.group(1)
  return rooms


def check_deps(root, sources):
  rooms = s_header_rooms(sources)
  if not {'common', 'model', 'bridge', 'host'} <= set(rooms.values()):
    print(f'found the headers of only {sorted(set(rooms.values()))}: not scanning')
    return 1
  bad = []
  checked = 0
  for f in sources:
    room = f.split('/', 1)[0]
    if room not in ALLOWED:
      continue
    checked += 1
    for header in CPO_INCLUDE.findall((root / f).read_text(errors='replace')):
      owner = rooms.get(header)  # None: generated (a contract) or the room's private header
      if owner and owner != room and owner not in ALLOWED[room]:
        bad.append(f'{f}: includes {header} of {owner}/: {room}/ may depend only on '
                   f'{sorted(ALLOWED[room]) or "nothing"}')
  print('\n'.join(bad) if bad else f'{checked} sources of {sorted(ALLOWED)} depend one way')
  return 1 if bad else 0


def main():
  rule, root = sys.argv[1], pathlib.Path(sys.argv[2])
  rules = {'zmq': check_zmq, 'log': check_log, 'deps': check_deps}
  return rules[rule](root, s_sources(root))


if __name__ == '__main__':
  sys.exit(main())
