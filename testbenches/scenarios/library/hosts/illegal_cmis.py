#!/usr/bin/python3
"""A misbehaving CMIS host for scenario python-host.ini: attach to the run (argv[1], the rtl's
endpoint), select a page no module advertises (55h) without any legal sequence around it, and
check the module refused it: the page select byte (127) reads back what it was. Exit 0 if the
module refused, 1 if it accepted (the module misbehaved too), 3 if the session failed.

Run by `cpoemu run` as /usr/bin/python3 SCRIPT ENDPOINT, with PYTHONPATH holding the client
(host/python) and the generated register modules.
"""
import sys

import cpoemu_client
import cpoemu_cmis

PAGE_BYTE = 127
BAD_PAGE = 0x55


def main(endpoint):
  with cpoemu_client.Client(endpoint) as c:
    eeprom = cpoemu_cmis.CmisEeprom(c)
    before = c.read(cpoemu_cmis.ENGINE_BASE + 4 * PAGE_BYTE) & 0xFF
    c.write(cpoemu_cmis.ENGINE_BASE + 4 * PAGE_BYTE, BAD_PAGE)
    after = c.read(cpoemu_cmis.ENGINE_BASE + 4 * PAGE_BYTE) & 0xFF
    ident = eeprom.read(0, 1)[0]
    print(f"illegal_cmis: page select {before:#04x}, wrote {BAD_PAGE:#04x}, reads {after:#04x}; "
          f"identifier {ident:#04x}", flush=True)
    return 0 if after == before else 1


if __name__ == "__main__":
  try:
    sys.exit(main(sys.argv[1]))
  except cpoemu_client.CpoError as e:
    print(f"illegal_cmis: {e}", file=sys.stderr)
    sys.exit(3)
