#!/usr/bin/python3
"""A misbehaving host for scenario python-host.ini: attach to the run (argv[1], the rtl's
endpoint), write the OE controller's read-only identification register, read an address no
block answers, and check the engine shrugged both off: the identification reads back unchanged
and the stray read is refused with a bus error (not a hang, not a value). Exit 0 if so, 1 if the
engine misbehaved too, 3 if the session failed.

Run by `cpoemu run` as /usr/bin/python3 SCRIPT ENDPOINT, with PYTHONPATH holding the client
(host/python) and the generated register modules.
"""
import sys

import addrmap as am  # generated
import cpoemu_client
import oe_regs as oe  # generated

OE_ID = am.CPO_ADDRMAP_ENGINE_OE_BASE + am.CPO_ADDRMAP_OE_MGMT_BASE + oe.CPO_OE_ID_OFFSET
NOWHERE = am.CPO_ADDRMAP_ENGINE_OE_BASE - 4  # between the ENGINE space's blocks


def main(endpoint):
  with cpoemu_client.Client(endpoint) as c:
    c.write(OE_ID, 0xDEADBEEF)
    ident = c.read(OE_ID)
    try:
      stray = c.read(NOWHERE)
      refused = False
    except cpoemu_client.CpoError as e:
      stray, refused = str(e), True
    print(f"misbehave: OE ID after writing it: {ident:#010x}; read of {NOWHERE:#x}: {stray}",
          flush=True)
    return 0 if ident == oe.CPO_OE_ID_MAGIC_RESET and refused else 1


if __name__ == "__main__":
  try:
    sys.exit(main(sys.argv[1]))
  except cpoemu_client.CpoError as e:
    print(f"misbehave: {e}", file=sys.stderr)
    sys.exit(3)
