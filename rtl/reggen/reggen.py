#!/usr/bin/python3
"""cpoemu register generator: one TOML description per block -> SV, C, Markdown, Python.

Usage:
  reggen.py BLOCK.regs.toml --outdir DIR [--param Name=Value ...] [--src-name PATH]

Writes, into DIR:
  cpo_<block>_reg_pkg.sv   offsets, resets, reg2hw/hw2reg packed structs
  cpo_<block>_reg_top.sv   APB3 target (cpo_apb_pkg structs; one wait-free access, pslverr
                           on unmapped addresses; decode and reads only in an access)
  cpo_<block>_reg_dec.sv   window decoder (a hit per [[window]], regs_o for the rest)
  cpo/<block>_regs.h       C macros for host/ code
  <block>_regs.md          Markdown reference
  <block>_regs.py          Python constants (same names as the C header)

Description format (TOML):

  [block]
  name = "lanes"                 # lower-case identifier
  desc = "..."
  [block.params]                 # optional elaboration-time parameters
  NumLanes = 8                   # override with --param NumLanes=16

  [[register]]
  name = "LANE_STATUS"           # upper-case identifier
  offset = 0x100                 # byte offset, multiple of 4, 16-bit address space
  count = "NumLanes"             # optional: register array (integer or a [block.params] name)
  stride = 0x20                  # required when count > 1: instance i is at offset + i * stride
  desc = "..."
  latched_by = "LANE_BITS_LO"    # optional, ro registers only: the value is captured when the
                                 # named register (same index) is read, so LO/HI pairs read
                                 # consistently
  fields = [ { name = "LOCKED", bits = "0", access = "ro", desc = "..." } ]

  [[window]]                     # optional: an address range decoded outside the register
  name = "DAC"                   # block (memory, converter bank); same names as registers
  offset = 0x1000                # byte offset, a multiple of size (decodable on the upper bits)
  size = 0x1000                  # bytes, a power of two >= 4
  access = "rw"                  # rw or ro (a write to a ro window answers PSLVERR)
  validbits = 16                 # optional: data bits [validbits-1:0] of each 32-bit entry;
                                 # the others read 0 and ignore writes
  desc = "..."
  index = [                      # optional: entry address = offset + sum(index * stride),
    { name = "CH", stride = 0x100, desc = "..." },                    # outermost first;
    { name = "IDX", stride = 4, count = "NumLanes", desc = "..." },   # count: integer or a
  ]                              # [block.params] name; without it, as many as fit

  [[enum]]                       # optional: named values of a field (e.g. state codes)
  name = "LINK_STATE"            # upper-case identifier; generated as CPO_<BLOCK>_<ENUM>_<VALUE>
  desc = "..."
  values = [ { name = "DOWN", value = 0, desc = "..." }, { name = "UP", value = 1 } ]
  # A field takes one with enum = "LINK_STATE", or defines its own with enum = [ values ]
  # (named <REG>_<FIELD>); every value must fit the field. C: a typedef enum
  # cpo_<block>_<enum>_t and cpo_<block>_<enum>_name(v); Python: an IntEnum (LinkState) and
  # the flat names; SV: parameters; Markdown: a table.

  [[note]]                       # optional: a section of the Markdown reference
  title = "PRBS bit order"
  text = '''Markdown text.'''     # TOML multi-line literal string

Access types (hardware view in the generated structs):
  ro     value from hardware: hw2reg.<reg>.<field>
  const  read-only reset value, no hardware port
  rw     software read/write: reg2hw.<reg>.<field>
  wo     software write, reads 0: reg2hw.<reg>.<field>
  w1c    hardware sets bits (hw2reg.<reg>.<field> is a set mask), software writes 1 to clear;
         a set in the same cycle as a clear wins; value in reg2hw.<reg>.<field>
  w1p    write 1 to pulse: reg2hw.<reg>.<field> is high for the one cycle after the write; reads 0
  rc     hardware sets bits (hw2reg set mask), a read returns the value and clears it
  rws    software read/write, and hardware sets bits (hw2reg set mask, as w1c's): software
         writes the value, a set in the same cycle as the write wins; value in reg2hw (a
         hardware preset that software may clear later)
"""

import argparse
import keyword
import os
import re
import sys
import tomllib

ACCESS_TYPES = ("ro", "const", "rw", "wo", "w1c", "w1p", "rc", "rws")
# Access types whose value lives in a flop in the register block.
STORED = ("rw", "wo", "w1c", "w1p", "rc", "rws")
# Access types that accept a reset value (the others have none that software could see).
HAS_RESET = ("const", "rw", "wo", "w1c", "rc", "rws")
READABLE = ("ro", "const", "rw", "w1c", "rc", "rws")
TO_HW = ("rw", "wo", "w1c", "w1p", "rc", "rws")  # appears in reg2hw
FROM_HW = ("ro", "w1c", "rc", "rws")  # appears in hw2reg

ADDR_BITS = 16

BLOCK_KEYS = {"name", "desc", "params"}
REG_KEYS = {"name", "offset", "count", "stride", "desc", "fields", "latched_by"}
FIELD_KEYS = {"name", "bits", "access", "reset", "desc", "enum"}
ENUM_KEYS = {"name", "desc", "values"}
VALUE_KEYS = {"name", "value", "desc"}
WINDOW_KEYS = {"name", "offset", "size", "access", "validbits", "desc", "index"}
INDEX_KEYS = {"name", "stride", "count", "desc"}
NOTE_KEYS = {"title", "text"}
WINDOW_ACCESS = ("rw", "ro")

# Register and field names become lower-case SV identifiers; these get escaped.
SV_KEYWORDS = set("""
alias always always_comb always_ff always_latch and assert assign assume automatic before begin
bind bins binsof bit break buf bufif0 bufif1 byte case casex casez cell chandle checker class
clocking cmos config const constraint context continue cover covergroup coverpoint cross deassign
default defparam design disable dist do edge else end endcase endchecker endclass endclocking
endconfig endfunction endgenerate endgroup endinterface endmodule endpackage endprimitive
endprogram endproperty endspecify endsequence endtable endtask enum event eventually expect
export extends extern final first_match for force foreach forever fork forkjoin function generate
genvar global highz0 highz1 if iff ifnone ignore_bins illegal_bins implements implies import
incdir include initial inout input inside instance int integer interconnect interface intersect
join join_any join_none large let liblist library local localparam logic longint macromodule
matches medium modport module nand negedge nettype new nexttime nmos nor noshowcancelled not
notif0 notif1 null or output package packed parameter pmos posedge primitive priority program
property protected pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent pure rand
randc randcase randsequence rcmos real realtime ref reg reject_on release repeat restrict return
rnmos rpmos rtran rtranif0 rtranif1 s_always s_eventually s_nexttime s_until s_until_with
scalared sequence shortint shortreal showcancelled signed small soft solve specify specparam
static string strong strong0 strong1 struct super supply0 supply1 sync_accept_on sync_reject_on
table tagged task this throughout time timeprecision timeunit tran tranif0 tranif1 tri tri0 tri1
triand trior trireg type typedef union unique unique0 unsigned until until_with untyped use uwire
var vectored virtual void wait wait_order wand weak weak0 weak1 while wildcard wire with within
wor xnor xor
""".split())

C_KEYWORDS = set("""
auto break case char const continue default do double else enum extern float for goto if inline
int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while
""".split())


def arg_ident(name):
  """Lower-case argument name for C macros and Python functions, escaped if a keyword."""
  low = name.lower()
  return low + "_" if low in C_KEYWORDS or keyword.iskeyword(low) else low


def sv_ident(name):
  """Lower-case SV name; a keyword (CONFIG -> config) gets a trailing underscore."""
  low = name.lower()
  return low + "_" if low in SV_KEYWORDS else low


class RegError(Exception):
  """A problem in the description; the message names the file, register and field."""


class Field:

  def __init__(self, name, hi, lo, access, reset, desc, enum=None):
    self.name, self.hi, self.lo, self.access, self.reset, self.desc = (name, hi, lo, access, reset,
                                                                       desc)
    self.enum = enum  # an Enum, or None

  @property
  def width(self):
    return self.hi - self.lo + 1

  @property
  def mask(self):
    return ((1 << self.width) - 1) << self.lo

  @property
  def sv_name(self):
    return sv_ident(self.name)


class Register:

  def __init__(self, name, offset, count, stride, desc, fields, latched_by, is_array):
    self.name, self.offset, self.count, self.stride = name, offset, count, stride
    self.desc, self.fields, self.latched_by, self.is_array = desc, fields, latched_by, is_array
    self.latches = []  # registers whose value this register's read captures

  @property
  def sv_name(self):
    return sv_ident(self.name)

  @property
  def reset(self):
    value = 0
    for f in self.fields:
      if f.access in HAS_RESET:
        value |= f.reset << f.lo
    return value

  def offsets(self):
    return [self.offset + i * self.stride for i in range(self.count)]


class WindowIndex:
  """One dimension of a window's entry address: entry = ... + value * stride."""

  def __init__(self, name, stride, count, fixed, desc):
    # fixed: count given in the description (else: as many as fit, an upper bound only).
    self.name, self.stride, self.count, self.fixed, self.desc = name, stride, count, fixed, desc


class Window:
  """An address range of the block decoded outside the generated register block."""

  def __init__(self, name, offset, size, access, validbits, desc, index):
    self.name, self.offset, self.size, self.access = name, offset, size, access
    self.validbits, self.desc, self.index = validbits, desc, index

  @property
  def end(self):
    return self.offset + self.size


class EnumValue:

  def __init__(self, name, value, desc):
    self.name, self.value, self.desc = name, value, desc


class Enum:
  """Named values of a field; used by one field (inline) or several (a block [[enum]])."""

  def __init__(self, name, desc, values):
    self.name, self.desc, self.values = name, desc, values
    self.fields = []  # "REG.FIELD" of every field that uses it
    self.width = max(v.value for v in values).bit_length() or 1

  @property
  def camel(self):
    return "".join(part.capitalize() for part in self.name.split("_"))


class Note:

  def __init__(self, title, text):
    self.title, self.text = title, text


class Block:

  def __init__(self, name, desc, params, registers, src, windows=(), notes=(), enums=()):
    self.name, self.desc, self.params, self.registers, self.src = (name, desc, params, registers,
                                                                   src)
    self.windows, self.notes, self.enums = list(windows), list(notes), list(enums)

  @property
  def prefix(self):
    return "CPO_" + self.name.upper()


def camel_to_upper_snake(name):
  return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


# ---------------------------------------------------------------------------------------------
# Parsing and validation


def _check_keys(table, allowed, where):
  for key in table:
    if key not in allowed:
      raise RegError(f"{where}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")


def _check_ident(name, pattern, kind, where):
  if not isinstance(name, str) or not name:
    raise RegError(f"{where}: missing {kind} name")
  if not re.fullmatch(pattern, name):
    raise RegError(f"{where}: {kind} name '{name}' must match {pattern}")


def _int(value, what, where):
  if isinstance(value, bool) or not isinstance(value, int):
    raise RegError(f"{where}: {what} must be an integer, got {value!r}")
  return value


def _required_int(raw, key, where):
  """The integer @raw[@key]; a RegError when it is missing."""
  if key not in raw:
    raise RegError(f"{where}: missing {key}")
  return _int(raw[key], key, where)


def _parse_bits(bits, where):
  if isinstance(bits, int) and not isinstance(bits, bool):
    hi = lo = bits
  elif isinstance(bits, str):
    m = re.fullmatch(r"\s*(\d+)\s*(?::\s*(\d+)\s*)?", bits)
    if not m:
      raise RegError(f"{where}: bits '{bits}' must be \"hi:lo\" or \"n\"")
    hi = int(m.group(1))
    lo = int(m.group(2)) if m.group(2) is not None else hi
  else:
    raise RegError(f"{where}: missing or malformed bits (\"hi:lo\" or \"n\")")
  if hi < lo:
    raise RegError(f"{where}: bits {hi}:{lo} have hi < lo")
  if hi > 31 or lo < 0:
    raise RegError(f"{where}: bits {hi}:{lo} out of range 0..31")
  return hi, lo


def _where(where, kind, name):
  """Where an element is, for an error: its kind, and its name once it has a usable one."""
  return f"{where}: {kind} '{name}'" if isinstance(name, str) and name else f"{where}: {kind}"


def _named_table(raw, what, kind, keys, where):
  """(name, where it is) of a named table, once its shape, name and keys are checked."""
  if not isinstance(raw, dict):
    raise RegError(f"{where}: each {what} must be a table")
  name = raw.get("name")
  nwhere = _where(where, kind, name)
  _check_ident(name, r"[A-Z][A-Z0-9_]*", kind, nwhere)
  _check_keys(raw, keys, nwhere)
  return name, nwhere


def _parse_enum(raw, name, where):
  """raw: a [[enum]] table (name None) or a field's list of values (named name)."""
  desc = ""
  if name is None:
    name, where = _named_table(raw, "[[enum]]", "enum", ENUM_KEYS, where)
    desc = raw.get("desc", "")
    if not isinstance(desc, str):
      raise RegError(f"{where}: desc must be a string")
    raw = raw.get("values")
  if not isinstance(raw, list) or not raw:
    raise RegError(f"{where}: an enum needs a non-empty list of values")
  values = []
  for rv in raw:
    if not isinstance(rv, dict):
      raise RegError(f"{where}: each enum value must be a table")
    vwhere = _where(where, "value", rv.get("name"))
    _check_ident(rv.get("name"), r"[A-Z][A-Z0-9_]*", "enum value", vwhere)
    _check_keys(rv, VALUE_KEYS, vwhere)
    value = _required_int(rv, "value", vwhere)
    if value < 0:
      raise RegError(f"{vwhere}: value {value} is negative")
    vdesc = rv.get("desc", "")
    if not isinstance(vdesc, str):
      raise RegError(f"{vwhere}: desc must be a string")
    for o in values:
      if o.name == rv["name"]:
        raise RegError(f"{vwhere}: defined twice")
      if o.value == value:
        raise RegError(f"{vwhere}: value 0x{value:x} is also '{o.name}'")
    values.append(EnumValue(rv["name"], value, vdesc))
  return Enum(name, desc, values)


def _field_enum(raw, enums, reg_name, fwhere, width):
  """The field's enum: a [[enum]] by name or its own list; every value must fit the field."""
  spec = raw["enum"]
  if isinstance(spec, str):
    if spec not in enums:
      raise RegError(f"{fwhere}: enum '{spec}' is not an [[enum]] of this block "
                     f"(known: {', '.join(enums) or 'none'})")
    enum = enums[spec]
  else:
    enum = _parse_enum(spec, f"{reg_name}_{raw['name']}", f"{fwhere}: enum")
  for v in enum.values:
    if v.value >= 1 << width:
      raise RegError(f"{fwhere}: enum '{enum.name}' value '{v.name}' (0x{v.value:x}) does not "
                     f"fit in {width} bit(s)")
  return enum


def _parse_field(raw, rwhere, enums=None, reg_name=""):
  name, fwhere = _named_table(raw, "field", "field", FIELD_KEYS, rwhere)
  if "bits" not in raw:
    raise RegError(f"{fwhere}: missing bits")
  hi, lo = _parse_bits(raw["bits"], fwhere)
  access = raw.get("access")
  if access is None:
    raise RegError(f"{fwhere}: missing access (one of {', '.join(ACCESS_TYPES)})")
  if access not in ACCESS_TYPES:
    raise RegError(f"{fwhere}: unknown access '{access}' (one of {', '.join(ACCESS_TYPES)})")
  if "reset" in raw:
    if access not in HAS_RESET:
      raise RegError(f"{fwhere}: a reset value has no meaning for access '{access}'")
    reset = _int(raw["reset"], "reset", fwhere)
    width = hi - lo + 1
    if reset < 0 or reset >= (1 << width):
      raise RegError(f"{fwhere}: reset 0x{reset:x} does not fit in {width} bit(s)"
                     if reset >= 0 else f"{fwhere}: reset {reset} is negative")
  elif access == "const":
    raise RegError(f"{fwhere}: a const field needs a reset value")
  else:
    reset = 0
  desc = raw.get("desc", "")
  if not isinstance(desc, str):
    raise RegError(f"{fwhere}: desc must be a string")
  enum = _field_enum(raw, enums or {}, reg_name, fwhere, hi - lo + 1) if "enum" in raw else None
  return Field(name, hi, lo, access, reset, desc, enum)


def _parse_register(raw, params, where, enums=None):
  name, rwhere = _named_table(raw, "[[register]]", "register", REG_KEYS, where)
  offset = _required_int(raw, "offset", rwhere)
  if offset < 0 or offset % 4:
    raise RegError(f"{rwhere}: offset 0x{offset:x} is not a non-negative multiple of 4")
  is_array = "count" in raw
  count = raw.get("count", 1)
  count = _count_param(count, params, "count", rwhere)
  if count < 1:
    raise RegError(f"{rwhere}: count {count} must be at least 1")
  if "stride" in raw:
    stride = _int(raw["stride"], "stride", rwhere)
    if stride < 4 or stride % 4:
      raise RegError(f"{rwhere}: stride 0x{stride:x} must be a positive multiple of 4")
  elif is_array and count > 1:
    raise RegError(f"{rwhere}: an array (count {count}) needs a stride")
  else:
    stride = 4
  last = offset + (count - 1) * stride
  if last + 4 > (1 << ADDR_BITS):
    raise RegError(f"{rwhere}: offset 0x{last:x} is beyond the {ADDR_BITS}-bit address space")
  desc = raw.get("desc", "")
  if not isinstance(desc, str):
    raise RegError(f"{rwhere}: desc must be a string")
  raw_fields = raw.get("fields")
  if not isinstance(raw_fields, list) or not raw_fields:
    raise RegError(f"{rwhere}: needs a non-empty list of fields")
  fields = [_parse_field(f, rwhere, enums, name) for f in raw_fields]
  seen = {}
  for f in fields:
    if f.name in seen:
      raise RegError(f"{rwhere}: field '{f.name}' is defined twice")
    for other in seen.values():
      if f.lo <= other.hi and other.lo <= f.hi:
        raise RegError(f"{rwhere}: fields '{other.name}' ({other.hi}:{other.lo}) and "
                       f"'{f.name}' ({f.hi}:{f.lo}) overlap")
    seen[f.name] = f
  latched_by = raw.get("latched_by")
  if latched_by is not None:
    if not isinstance(latched_by, str):
      raise RegError(f"{rwhere}: latched_by must be a register name")
    bad = [f.name for f in fields if f.access != "ro"]
    if bad:
      raise RegError(f"{rwhere}: latched_by needs every field to be ro ({', '.join(bad)} is not)")
  return Register(name, offset, count, stride, desc, fields, latched_by, is_array)


def _count_param(value, params, what, where):
  """An integer, or the name of a [block.params] entry."""
  if isinstance(value, str):
    if value not in params:
      raise RegError(f"{where}: {what} '{value}' is not a [block.params] name")
    value = params[value]
  return _int(value, what, where)


def _parse_window_placement(raw, wwhere):
  """The window's (offset, size): a power-of-two size, naturally aligned, inside the space."""
  size = _int(raw["size"], "size", wwhere)
  if size < 4 or size & (size - 1):
    raise RegError(f"{wwhere}: size 0x{size:x} is not a power of two >= 4")
  offset = _int(raw["offset"], "offset", wwhere)
  # Natural alignment: the window is decoded on the address bits above its size.
  if offset < 0 or offset % size:
    raise RegError(f"{wwhere}: offset 0x{offset:x} is not a non-negative multiple of its size "
                   f"0x{size:x}")
  if offset + size > (1 << ADDR_BITS):
    raise RegError(f"{wwhere}: 0x{offset:x} + size 0x{size:x} is beyond the {ADDR_BITS}-bit "
                   "address space")
  return offset, size


def _parse_window_index(ri, params, wwhere, index):
  """One entry of a window's index list; @index holds the entries parsed before it."""
  iname, iwhere = _named_table(ri, "index", "index", INDEX_KEYS, wwhere)
  stride = _required_int(ri, "stride", iwhere)
  if stride < 4 or stride % 4:
    raise RegError(f"{iwhere}: stride 0x{stride:x} must be a positive multiple of 4")
  fixed = "count" in ri
  count = _count_param(ri["count"], params, "count", iwhere) if fixed else None
  if fixed and count < 1:
    raise RegError(f"{iwhere}: count {count} must be at least 1")
  idesc = ri.get("desc", "")
  if not isinstance(idesc, str):
    raise RegError(f"{iwhere}: desc must be a string")
  if any(i.name == iname for i in index):
    raise RegError(f"{iwhere}: defined twice")
  return WindowIndex(iname, stride, count, fixed, idesc)


def _fit_window_index(index, size, wwhere):
  """Check the indices nest and fill in each count left open (as many as fit)."""
  # Outermost first: each index's entries must fit in one step of the index outside it (the
  # window for the outermost), so that no two index tuples share an address.
  room, room_what = size, f"size 0x{size:x}"
  for i in index:
    if i.stride > room or room % i.stride:
      raise RegError(f"{wwhere}: index '{i.name}' stride 0x{i.stride:x} does not divide "
                     f"{room_what} (list the indices outermost first)")
    fit = room // i.stride
    if i.count is None:
      i.count = fit
    elif i.count > fit:
      raise RegError(f"{wwhere}: index '{i.name}': {i.count} entries of stride 0x{i.stride:x} "
                     f"do not fit in {room_what}")
    room, room_what = i.stride, f"index '{i.name}' stride 0x{i.stride:x}"


def _parse_window(raw, params, where):
  name, wwhere = _named_table(raw, "[[window]]", "window", WINDOW_KEYS, where)
  for key in ("offset", "size", "access"):
    if key not in raw:
      raise RegError(f"{wwhere}: missing {key}")
  offset, size = _parse_window_placement(raw, wwhere)
  access = raw["access"]
  if access not in WINDOW_ACCESS:
    raise RegError(f"{wwhere}: unknown access '{access}' (one of {', '.join(WINDOW_ACCESS)})")
  validbits = 32
  if "validbits" in raw:
    validbits = _int(raw["validbits"], "validbits", wwhere)
    if not 1 <= validbits <= 32:
      raise RegError(f"{wwhere}: validbits {validbits} out of range 1..32")
  desc = raw.get("desc", "")
  if not isinstance(desc, str):
    raise RegError(f"{wwhere}: desc must be a string")
  raw_index = raw.get("index", [])
  if not isinstance(raw_index, list):
    raise RegError(f"{wwhere}: index must be a list of tables")
  index = []
  for ri in raw_index:
    index.append(_parse_window_index(ri, params, wwhere, index))
  _fit_window_index(index, size, wwhere)
  return Window(name, offset, size, access, validbits, desc, index)


def _parse_note(raw, where):
  if not isinstance(raw, dict):
    raise RegError(f"{where}: each [[note]] must be a table")
  title = raw.get("title")
  nwhere = _where(where, "note", title)
  _check_keys(raw, NOTE_KEYS, nwhere)
  if not isinstance(title, str) or not title.strip() or "\n" in title:
    raise RegError(f"{nwhere}: needs a one-line title")
  text = raw.get("text")
  if not isinstance(text, str) or not text.strip():
    raise RegError(f"{nwhere}: needs a non-empty text")
  return Note(title.strip(), text.strip("\n"))


def read_toml(path, where):
  """The TOML document at @path; a RegError naming @where if it cannot be read or parsed."""
  try:
    with open(path, "rb") as fh:
      return tomllib.load(fh)
  except OSError as exc:
    raise RegError(f"{where}: cannot read: {exc.strerror}") from None
  except tomllib.TOMLDecodeError as exc:
    raise RegError(f"{where}: TOML syntax error: {exc}") from None


def name_claimer(src):
  """A claim(name, owner) that raises a RegError when two owners would generate one name."""
  names = {}

  def claim(name, owner):
    if name in names and names[name] != owner:
      raise RegError(f"{src}: {owner} and {names[name]} both generate the name {name}")
    names[name] = owner

  return claim


def _parse_block(doc, where, overrides):
  """The [block] table: (name, desc, params with the --param overrides applied)."""
  for key in doc:
    if key not in ("block", "register", "window", "note", "enum"):
      raise RegError(f"{where}: unknown top-level key '{key}' "
                     "(expected [block], [[register]], [[window]], [[enum]], [[note]])")
  blk = doc.get("block")
  if not isinstance(blk, dict):
    raise RegError(f"{where}: missing [block] table")
  _check_keys(blk, BLOCK_KEYS, f"{where}: [block]")
  _check_ident(blk.get("name"), r"[a-z][a-z0-9_]*", "block", f"{where}: [block]")
  params = dict(blk.get("params", {}))
  for pname, pval in params.items():
    _check_ident(pname, r"[A-Z][A-Za-z0-9]*", "parameter", f"{where}: [block.params]")
    _int(pval, f"parameter {pname}", f"{where}: [block.params]")
  for key, value in (overrides or {}).items():
    if key not in params:
      raise RegError(f"{where}: --param {key}: not a [block.params] name "
                     f"(known: {', '.join(params) or 'none'})")
    params[key] = value
  return blk["name"], blk.get("desc", ""), params


def _parse_enums(doc, where):
  """The [[enum]] tables, by name."""
  raw_enums = doc.get("enum", [])
  if not isinstance(raw_enums, list):
    raise RegError(f"{where}: enum must be an array of tables ([[enum]])")
  enums = {}
  for raw in raw_enums:
    e = _parse_enum(raw, None, where)
    if e.name in enums:
      raise RegError(f"{where}: enum '{e.name}' is defined twice")
    enums[e.name] = e
  return enums


def _collect_enums(regs, enums, where):
  """All enums of the block (the [[enum]] ones, then the fields' own), each knowing its users."""
  all_enums = list(enums.values())
  for r in regs:
    for f in r.fields:
      if f.enum is None:
        continue
      if f.enum not in all_enums:
        if any(e.name == f.enum.name for e in all_enums):
          raise RegError(f"{where}: register '{r.name}' field '{f.name}': its enum is named "
                         f"{f.enum.name}, like another enum of the block")
        all_enums.append(f.enum)
      f.enum.fields.append(f"{r.name}.{f.name}")
      f.enum.width = max(f.enum.width, f.width)
  return all_enums


def _place_registers(regs, where):
  """(registers by name, label by occupied offset); no name defined twice, no overlap."""
  by_name = {}
  for r in regs:
    if r.name in by_name:
      raise RegError(f"{where}: register '{r.name}' is defined twice")
    by_name[r.name] = r
  occupied = {}
  for r in regs:
    for i, off in enumerate(r.offsets()):
      label = f"{r.name}[{i}]" if r.is_array else r.name
      if off in occupied:
        raise RegError(f"{where}: register '{r.name}': {label} at 0x{off:04x} overlaps "
                       f"{occupied[off]}")
      occupied[off] = label
  return by_name, occupied


def _link_latched(regs, by_name, where):
  """Resolve each latched_by into the latching register's latches list."""
  for r in regs:
    if r.latched_by is None:
      continue
    src = by_name.get(r.latched_by)
    rwhere = f"{where}: register '{r.name}'"
    if src is None:
      raise RegError(f"{rwhere}: latched_by '{r.latched_by}' is not a register of this block")
    if src is r:
      raise RegError(f"{rwhere}: latched_by names itself")
    if src.count != r.count or src.is_array != r.is_array:
      raise RegError(f"{rwhere}: latched_by '{src.name}' must have the same count")
    if src.latched_by is not None:
      raise RegError(f"{rwhere}: latched_by '{src.name}' is itself latched")
    src.latches.append(r)


def _parse_windows(doc, params, where, by_name, occupied):
  """The [[window]] tables; each name unique, none overlapping a register or another window."""
  raw_windows = doc.get("window", [])
  if not isinstance(raw_windows, list):
    raise RegError(f"{where}: window must be an array of tables ([[window]])")
  windows = [_parse_window(w, params, where) for w in raw_windows]
  for i, w in enumerate(windows):
    wwhere = f"{where}: window '{w.name}'"
    if w.name in by_name or any(o.name == w.name for o in windows[:i]):
      raise RegError(f"{wwhere}: the name is defined twice")
    for off, label in sorted(occupied.items()):
      if w.offset <= off < w.end:
        raise RegError(f"{wwhere}: 0x{w.offset:04x}-0x{w.end - 1:04x} overlaps register "
                       f"{label} at 0x{off:04x}")
    for o in windows[:i]:
      if w.offset < o.end and o.offset < w.end:
        raise RegError(f"{wwhere}: 0x{w.offset:04x}-0x{w.end - 1:04x} overlaps window "
                       f"'{o.name}' (0x{o.offset:04x}-0x{o.end - 1:04x})")
  return windows


def load(path, overrides=None, src_name=None):
  """Parse and validate one description; raises RegError naming the file and the problem."""
  where = src_name or path
  doc = read_toml(path, where)
  name, desc, params = _parse_block(doc, where, overrides)
  enums = _parse_enums(doc, where)
  raw_regs = doc.get("register")
  if not isinstance(raw_regs, list) or not raw_regs:
    raise RegError(f"{where}: no [[register]] entries")
  regs = [_parse_register(r, params, where, enums) for r in raw_regs]
  all_enums = _collect_enums(regs, enums, where)
  by_name, occupied = _place_registers(regs, where)
  _link_latched(regs, by_name, where)
  windows = _parse_windows(doc, params, where, by_name, occupied)
  raw_notes = doc.get("note", [])
  if not isinstance(raw_notes, list):
    raise RegError(f"{where}: note must be an array of tables ([[note]])")
  notes = [_parse_note(n, where) for n in raw_notes]

  block = Block(name, desc, params, regs, where, windows, notes, all_enums)
  _check_name_collisions(block)
  return block


def _check_name_collisions(block):
  """Two descriptions must not map to one C/Python name (REG A_B field C vs REG A field B_C)."""
  claim = name_claimer(block.src)
  for p in block.params:
    claim(f"{block.prefix}_{camel_to_upper_snake(p)}", f"parameter '{p}'")
  for r in block.registers:
    for suffix in ("OFFSET", "RESET", "COUNT", "STRIDE", "OFFSET_N"):
      claim(f"{block.prefix}_{r.name}_{suffix}", f"register '{r.name}'")
    for f in r.fields:
      for suffix in ("MASK", "SHIFT", "WIDTH", "RESET"):
        claim(f"{block.prefix}_{r.name}_{f.name}_{suffix}", f"field '{r.name}.{f.name}'")
  for e in block.enums:
    for v in e.values:
      claim(f"{block.prefix}_{e.name}_{v.name}", f"enum value '{e.name}.{v.name}'")
  for w in block.windows:
    for suffix in ("OFFSET", "SIZE", "SIZE_BITS", "VALIDBITS", "OFFSET_N"):
      claim(f"{block.prefix}_{w.name}_{suffix}", f"window '{w.name}'")
    for i in w.index:
      for suffix in ("STRIDE", "COUNT", "LSB", "BITS"):
        claim(f"{block.prefix}_{w.name}_{i.name}_{suffix}", f"window index '{w.name}.{i.name}'")


# ---------------------------------------------------------------------------------------------
# Output helpers


def banner(block, comment):
  return f"{comment} generated by rtl/reggen/reggen.py from {block.src}, do not edit"


def sv_type(width):
  return "logic" if width == 1 else f"logic [{width - 1}:0]"


def sv_hex(width, value):
  return f"{width}'h{value:x}"


def window_formula(w, hexfmt=True):
  """Entry address as text: 0x1000 + ch * 0x100 + idx * 0x4."""
  terms = [f"0x{w.offset:04x}"] + [f"{arg_ident(i.name)} * 0x{i.stride:x}" for i in w.index]
  return " + ".join(terms)


def window_summary(w):
  bits = (f"bits [{w.validbits - 1}:0] of each 32-bit entry"
          if w.validbits < 32 else "32-bit entries")
  return f"{w.access}, 0x{w.size:x} bytes, {bits}"


# ---------------------------------------------------------------------------------------------
# SystemVerilog package


def _pow2(n):
  return n > 0 and n & (n - 1) == 0


def _sv_pkg_registers(block):
  """Package lines: the parameters, the enums' values, each register's offset and resets."""
  p = block.prefix
  out = []
  if block.params:
    out.append("  // Elaboration-time parameters the register arrays were generated for.")
    for name, val in block.params.items():
      out.append(f"  parameter int unsigned {p}_{camel_to_upper_snake(name)} = {val};")
    out.append("")
  out.append(f"  parameter int unsigned {p}_ADDR_BITS = {ADDR_BITS};")
  out.append("")
  for e in block.enums:
    out.append(f"  // Enum {e.name} ({enum_users(e)})" + (f": {e.desc}" if e.desc else ""))
    for v in e.values:
      out.append(f"  parameter logic [{e.width - 1}:0] {p}_{e.name}_{v.name} = "
                 f"{sv_hex(e.width, v.value)};")
    out.append("")
  for r in block.registers:
    out.append(f"  // {r.name}: {r.desc}")
    out.append(f"  parameter logic [{ADDR_BITS - 1}:0] {p}_{r.name}_OFFSET = "
               f"{sv_hex(ADDR_BITS, r.offset)};")
    if r.is_array:
      out.append(f"  parameter int unsigned {p}_{r.name}_COUNT = {r.count};")
      out.append(f"  parameter logic [{ADDR_BITS - 1}:0] {p}_{r.name}_STRIDE = "
                 f"{sv_hex(ADDR_BITS, r.stride)};")
    out.append(f"  parameter logic [31:0] {p}_{r.name}_RESET = {sv_hex(32, r.reset)};")
    for f in r.fields:
      if f.access in HAS_RESET:
        out.append(f"  parameter logic [{f.width - 1}:0] {p}_{r.name}_{f.name}_RESET = "
                   f"{sv_hex(f.width, f.reset)};")
  out.append("")
  return out


def _sv_pkg_windows(block):
  """Package lines: each window's placement and its indices (as address fields when they are)."""
  p = block.prefix
  out = []
  for w in block.windows:
    out.append(f"  // Window {w.name} ({window_summary(w)}; decoded by the design, not by "
               f"cpo_{block.name}_reg_top): {first_sentence(w.desc)}")
    out.append(f"  parameter logic [{ADDR_BITS - 1}:0] {p}_{w.name}_OFFSET = "
               f"{sv_hex(ADDR_BITS, w.offset)};")
    out.append(f"  parameter int unsigned {p}_{w.name}_SIZE = {w.size};")
    out.append(f"  parameter int unsigned {p}_{w.name}_SIZE_BITS = {w.size.bit_length() - 1};")
    out.append(f"  parameter int unsigned {p}_{w.name}_VALIDBITS = {w.validbits};")
    room = w.size
    for i in w.index:
      out.append(f"  parameter logic [{ADDR_BITS - 1}:0] {p}_{w.name}_{i.name}_STRIDE = "
                 f"{sv_hex(ADDR_BITS, i.stride)};")
      if i.fixed:
        out.append(f"  parameter int unsigned {p}_{w.name}_{i.name}_COUNT = {i.count};")
      if _pow2(i.stride) and _pow2(room // i.stride):
        # The index as an address field: [_LSB +: _BITS] of the offset in the window.
        out.append(f"  parameter int unsigned {p}_{w.name}_{i.name}_LSB = "
                   f"{i.stride.bit_length() - 1};")
        out.append(f"  parameter int unsigned {p}_{w.name}_{i.name}_BITS = "
                   f"{(room // i.stride).bit_length() - 1};")
      room = i.stride
  if block.windows:
    out.append("")
  return out


def _sv_pkg_structs(block):
  """Package lines: the reg2hw and hw2reg packed structs, a struct per register and direction."""
  p = block.prefix
  b = block.name
  out = []
  for direction, kinds, what in (("reg2hw", TO_HW, "register block -> hardware"),
                                 ("hw2reg", FROM_HW, "hardware -> register block")):
    members = []
    for r in block.registers:
      fields = [f for f in r.fields if f.access in kinds]
      if not fields:
        continue
      tname = f"cpo_{b}_{direction}_{r.name.lower()}_reg_t"
      out.append("  typedef struct packed {")
      for f in fields:
        out.append(f"    {sv_type(f.width)} {f.sv_name};")
      out.append(f"  }} {tname};")
      out.append("")
      dims = f" [{p}_{r.name}_COUNT-1:0]" if r.is_array else ""
      members.append(f"    {tname}{dims} {r.sv_name};")
    out.append(f"  // {what}")
    out.append("  typedef struct packed {")
    if members:
      out.extend(members)
    else:
      out.append("    logic unused;  // no field of this direction")
    out.append(f"  }} cpo_{b}_{direction}_t;")
    out.append("")
  return out


def gen_sv_pkg(block):
  b = block.name
  out = [
      banner(block, "//"), "//", f"// Register block '{b}': {block.desc}", "",
      f"package cpo_{b}_reg_pkg;", ""
  ]
  out += _sv_pkg_registers(block)
  out += _sv_pkg_windows(block)
  out += _sv_pkg_structs(block)
  out.append(f"endpackage : cpo_{b}_reg_pkg")
  return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# SystemVerilog register block (APB3 target)


def _pad_concat(parts):
  """parts: list of (hi, lo, expr); returns a 32-bit concatenation with zero gaps."""
  items = []
  pos = 31
  for hi, lo, expr in sorted(parts, key=lambda t: -t[0]):
    if hi < pos:
      items.append(f"{pos - hi}'h0")
    items.append(expr)
    pos = lo - 1
  if pos >= 0:
    items.append(f"{pos + 1}'h0")
  if len(items) == 1:
    return items[0]
  return "{" + ", ".join(items) + "}"


def _sv_top_header(block):
  """Banner, port list and the APB handshake of cpo_<block>_reg_top."""
  b = block.name
  p = block.prefix
  windows = []
  if block.windows:
    windows = ["// Windows, decoded by the design around this block (here they answer pslverr):"]
    windows += [
        f"//   {w.name} 0x{w.offset:04x}-0x{w.end - 1:04x} ({w.access})" for w in block.windows
    ]
  return [
      banner(block, "//"), "//",
      f"// APB3 target for register block '{b}' (cpo_apb_pkg's request in, response out). Every",
      "// access completes in its first access cycle (rsp_o.pready is always 1); an access to an",
      "// unmapped or misaligned address completes with pslverr and has no effect. Writes to",
      "// read-only fields are ignored.",
      "// The address decode, the read mux and the ro fields of hw2reg_i are looked at only in an",
      "// access cycle, so an idle bus costs the simulator next to nothing: hw2reg_re_o is high in",
      "// the access cycle of a read, the only cycles in which ro fields are read (a design may",
      "// assemble them inside `if (hw2reg_re_o)`). w1c, rc and rws set masks are read every cycle.",
      *windows, "", f"module cpo_{b}_reg_top", "  import cpo_apb_pkg::*;",
      f"  import cpo_{b}_reg_pkg::*;", "(", "  input  logic clk_i,", "  input  logic rst_ni,",
      "  input  apb_req_t req_i,", "  output apb_rsp_t rsp_o,",
      f"  output cpo_{b}_reg2hw_t reg2hw_o,", f"  input  cpo_{b}_hw2reg_t hw2reg_i,",
      "  output logic hw2reg_re_o", ");", "", "  logic access, wr_en, rd_en;",
      f"  logic [{p}_ADDR_BITS-1:0] addr;", "  logic [31:0] wdata;",
      "  assign access = req_i.psel & req_i.penable;", "  assign wr_en = access & req_i.pwrite;",
      "  assign rd_en = access & ~req_i.pwrite;",
      f"  assign addr = req_i.paddr[{p}_ADDR_BITS-1:0];", "  assign wdata = req_i.pwdata;",
      "  assign hw2reg_re_o = rd_en;", ""
  ]


def _sv_read_expr(block, r, f, idx):
  """What a read of field f returns: its constant, hardware's value or its flop."""
  if f.access == "const":
    return f"{block.prefix}_{r.name}_{f.name}_RESET"
  if f.access == "ro" and r.latched_by is None:
    return f"hw2reg_i.{r.sv_name}{idx}.{f.sv_name}"
  if f.access == "ro":
    return f"{r.name.lower()}_{f.name.lower()}_q{idx}"
  return f"reg2hw_q.{r.sv_name}{idx}.{f.sv_name}"


def _sv_top_decode(block):
  """(decode, read mux) lines, each a process that works only in an access cycle: one hit line
  per register instance (one-hot), addr_hit their OR; rdata the OR of the hit words on a read."""
  p = block.prefix
  decls, clear, decode, reads = [], [], [], []
  hits = []
  for r in block.registers:
    n = r.name.lower()
    idx = "[i]" if r.is_array else ""
    parts = [(f.hi, f.lo, _sv_read_expr(block, r, f, idx)) for f in r.fields if f.access in READABLE
            ]
    if r.is_array:
      decls.append(f"  logic [{p}_{r.name}_COUNT-1:0] {n}_hit;")
      clear.append(f"    {n}_hit = '0;")
      loop = f"for (int unsigned i = 0; i < {p}_{r.name}_COUNT; i++)"
      decode += [
          f"      {loop} begin",
          f"        {n}_hit[i] = addr == {p}_{r.name}_OFFSET + {ADDR_BITS}'(i) * {p}_{r.name}_STRIDE;",
          "      end"
      ]
      hits.append(f"(|{n}_hit)")
      if parts:
        reads += [
            f"        {loop} begin",
            f"          if ({n}_hit[i]) rdata = rdata | {_pad_concat(parts)};", "        end"
        ]
    else:
      decls.append(f"  logic {n}_hit;")
      clear.append(f"    {n}_hit = 1'b0;")
      decode.append(f"      {n}_hit = addr == {p}_{r.name}_OFFSET;")
      hits.append(f"{n}_hit")
      if parts:
        reads.append(f"        if ({n}_hit) rdata = rdata | {_pad_concat(parts)};")
  out = [
      "  // Address decode: one hit line per register instance (one-hot), all 0 outside an access."
  ]
  out += decls + ["  logic addr_hit;", "  always_comb begin"]
  out += clear + ["    addr_hit = 1'b0;", "    if (access) begin"] + decode
  out.append("      addr_hit = " + (" |\n                 ".join(hits)) + ";")
  out += ["    end", "  end", ""]
  rd = [
      "  // Read data: the decode is one-hot, so an OR of the hit words is the mux (0 but in a read).",
      "  logic [31:0] rdata;", "  always_comb begin", "    rdata = '0;"
  ]
  if reads:
    rd += ["    if (rd_en) begin"] + [l[2:] for l in reads] + ["    end"]
  rd += [
      "  end", "  assign rsp_o = '{prdata: rdata, pready: 1'b1, pslverr: access & ~addr_hit};", ""
  ]
  return out, rd


def _reg2hw_reset(block):
  """The reset value of the reg2hw struct: a named pattern, a constant per register."""
  members = []
  for r in block.registers:
    fields = [f for f in r.fields if f.access in TO_HW]
    if not fields:
      continue
    width, value = 0, 0
    for f in fields:  # the first member is the most significant
      value = (value << f.width) | (f.reset if f.access in HAS_RESET else 0)
      width += f.width
    const = sv_hex(width, value)
    members.append(f"{r.sv_name}: " +
                   (f"{{{block.prefix}_{r.name}_COUNT{{{const}}}}}" if r.is_array else const))
  return "'{" + ", ".join(members) + "}"


def _sv_field_updates(block, r, f, idx, ind):
  """Lines of the clocked process that apply a software access to field f of instance idx."""
  n = r.name.lower()
  q = f"reg2hw_q.{r.sv_name}{idx}.{f.sv_name}"
  wd = f"wdata[{f.hi}:{f.lo}]" if f.width > 1 else f"wdata[{f.lo}]"
  hw = f"hw2reg_i.{r.sv_name}{idx}.{f.sv_name}"
  if f.access in ("rw", "wo", "w1p"):
    return [f"{ind}if ({n}_hit{idx}) {q} <= {wd};"]
  if f.access == "w1c":
    return [f"{ind}if ({n}_hit{idx}) {q} <= ({q} & ~{wd}) | {hw};"]
  if f.access == "rws":
    return [f"{ind}if ({n}_hit{idx}) {q} <= {wd} | {hw};"]
  return []  # rc: cleared by reads


def _sv_per_instance(block, r, lines_of, ind):
  """lines_of(idx, ind) for a register, in a loop over the instances of an array."""
  if not r.is_array:
    return lines_of("", ind)
  body = lines_of("[i]", ind + "  ")
  if not body:
    return []
  return [f"{ind}for (int unsigned i = 0; i < {block.prefix}_{r.name}_COUNT; i++) begin"
         ] + body + [f"{ind}end"]


def _sv_top_storage(block):
  """The stored fields are reg2hw itself (one packed struct, no repacking), updated in one
  clocked process: pulses end and hardware sets every cycle, software accesses only in an
  access cycle (a later non-blocking assignment wins: a hardware set beside a clear is kept)."""
  b = block.name
  stored = [(r, f) for r in block.registers for f in r.fields if f.access in STORED]
  if not stored:
    return ["  assign reg2hw_o = '0;", ""]
  every, writes, reads = [], [], []
  for r in block.registers:
    fields = [f for f in r.fields if f.access in STORED]
    if not fields:
      continue

    def always(idx, ind, r=r, fields=fields):
      out = []
      for f in fields:
        q = f"reg2hw_q.{r.sv_name}{idx}.{f.sv_name}"
        if f.access == "w1p":
          out.append(f"{ind}{q} <= '0;")
        elif f.access in ("w1c", "rc", "rws"):
          out.append(f"{ind}{q} <= {q} | hw2reg_i.{r.sv_name}{idx}.{f.sv_name};")
      return out

    def write(idx, ind, r=r, fields=fields):
      return [l for f in fields for l in _sv_field_updates(block, r, f, idx, ind)]

    def read(idx, ind, r=r, fields=fields):
      n = r.name.lower()
      return [
          f"{ind}if ({n}_hit{idx}) reg2hw_q.{r.sv_name}{idx}.{f.sv_name} <= "
          f"hw2reg_i.{r.sv_name}{idx}.{f.sv_name};" for f in fields if f.access == "rc"
      ]

    every += _sv_per_instance(block, r, always, "      ")
    writes += _sv_per_instance(block, r, write, "        ")
    reads += _sv_per_instance(block, r, read, "        ")
  out = [
      "  // Stored fields: reg2hw itself.", f"  cpo_{b}_reg2hw_t reg2hw_q;",
      "  always_ff @(posedge clk_i or negedge rst_ni) begin", "    if (!rst_ni) begin",
      f"      reg2hw_q <= {_reg2hw_reset(block)};", "    end else begin"
  ]
  out += every
  if writes:
    out += ["      if (wr_en) begin"] + writes + ["      end"]
  if reads:
    out += ["      if (rd_en) begin"] + reads + ["      end"]
  out += ["    end", "  end", "  assign reg2hw_o = reg2hw_q;", ""]
  return out


def _sv_top_latched(block):
  """Latched read values (e.g. the HI half of a counter, captured when LO is read)."""
  p = block.prefix
  out = []
  for r in block.registers:
    if r.latched_by is None:
      continue
    src = r.latched_by.lower()
    dims = f" [{p}_{r.name}_COUNT-1:0]" if r.is_array else ""
    for f in r.fields:
      fq = f"{r.name.lower()}_{f.name.lower()}_q"

      def capture(idx, ind, f=f, fq=fq):
        return [f"{ind}if ({src}_hit{idx}) {fq}{idx} <= hw2reg_i.{r.sv_name}{idx}.{f.sv_name};"]

      out += [
          f"  // {r.name}.{f.name}: captured when {r.latched_by} is read",
          f"  logic{dims}{' [%d:0]' % (f.width - 1) if f.width > 1 else ''} {fq};",
          "  always_ff @(posedge clk_i or negedge rst_ni) begin", "    if (!rst_ni) begin",
          f"      {fq} <= '0;", "    end else if (rd_en) begin"
      ]
      out += _sv_per_instance(block, r, capture, "      ")
      out += ["    end", "  end", ""]
  return out


def gen_sv_top(block):
  decode, rdata = _sv_top_decode(block)
  out = (_sv_top_header(block) + decode + _sv_top_storage(block) + _sv_top_latched(block) + rdata)
  if not any(f.access in FROM_HW for r in block.registers for f in r.fields):
    out += ["  logic unused_hw2reg;", "  assign unused_hw2reg = ^hw2reg_i;", ""]
  out += [
      "  // Data bits no field uses, the write data of read-only registers, the address bits",
      "  // above the block's space.", "  logic unused_req;",
      f"  assign unused_req = ^{{wdata, req_i.paddr[31:{block.prefix}_ADDR_BITS]}};", "",
      f"endmodule : cpo_{block.name}_reg_top"
  ]
  return "\n".join(out) + "\n"


def gen_sv_dec(block):
  """cpo_<block>_reg_dec: which of the block's windows an address is in (none: the registers).
  Without windows the file holds no module (it is listed with the block's SV all the same)."""
  b = block.name
  p = block.prefix
  out = [banner(block, "//"), "//"]
  if not block.windows:
    return "\n".join(out + [f"// Register block '{b}' has no windows: nothing to decode."]) + "\n"
  out += [
      f"// Address decoder of register block '{b}': one hit per window (on the address",
      "// bits above the window's size), regs_o for every other address (the register",
      "// block's).", "", f"module cpo_{b}_reg_dec", f"  import cpo_{b}_reg_pkg::*;", "(",
      f"  input  logic [{p}_ADDR_BITS-1:0] paddr_i,"
  ]
  for w in block.windows:
    out.append(f"  output logic {w.name.lower()}_o,  // 0x{w.offset:04x}-0x{w.end - 1:04x}")
  out += ["  output logic regs_o", ");", ""]
  for w in block.windows:
    low = w.size.bit_length() - 1
    out.append(f"  assign {w.name.lower()}_o = paddr_i[{ADDR_BITS - 1}:{low}] == "
               f"{p}_{w.name}_OFFSET[{ADDR_BITS - 1}:{low}];")
  hits = " | ".join(f"{w.name.lower()}_o" for w in block.windows)
  out.append(f"  assign regs_o = ~({hits});")
  low = min(w.size.bit_length() - 1 for w in block.windows)
  out += [
      "", "  // The offset inside a window is the design's to decode.", "  logic unused_paddr;",
      f"  assign unused_paddr = ^paddr_i[{low - 1}:0];"
  ]
  out += ["", f"endmodule : cpo_{b}_reg_dec"]
  return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# C header


def c_comment(text):
  return " ".join(text.split()).replace("*/", "* /")


def enum_users(e):
  return f"fields {', '.join(e.fields)}" if e.fields else "no field"


def _c_enums(block):
  """Each enum as a typedef enum and a function from value to name (NULL if none)."""
  out = []
  for e in block.enums:
    n = f"{block.prefix}_{e.name}"
    t = f"cpo_{block.name}_{e.name.lower()}"
    out.append(f"/* Enum {e.name} ({enum_users(e)})" +
               (f": {c_comment(e.desc)}" if e.desc else "") + " */")
    out.append("typedef enum {")
    for v in e.values:
      note = f"  /* {c_comment(v.desc)} */" if v.desc else ""
      out.append(f"  {n}_{v.name} = 0x{v.value:x},{note}")
    out.append(f"}} {t}_t;")
    out.append(f"static inline const char *{t}_name(unsigned value) {{")
    out.append("  switch (value) {")
    for v in e.values:
      out.append(f"  case {n}_{v.name}: return \"{v.name}\";")
    out += ["  default: return (const char *)0;", "  }", "}"]
    # The value's description: the name people and logs use (the standard's, e.g. "MBINIT.PARAM").
    out.append(f"static inline const char *{t}_desc(unsigned value) {{")
    out.append("  switch (value) {")
    for v in e.values:
      out.append(f"  case {n}_{v.name}: return \"{c_comment(v.desc or v.name)}\";")
    out += ["  default: return (const char *)0;", "  }", "}", ""]
  return out


def _c_reg_list(block):
  """Every register as X(name, offset, count, stride), in address order: code that walks the
  map (a test looking for an unmapped address, a dump) follows it without typing a name."""
  p = block.prefix
  out = [
      "/* Every register: X(name, offset, count, stride) (count 1, stride 0: one register). */",
      f"#define {p}_REG_LIST(X) \\"
  ]
  for r in sorted(block.registers, key=lambda r: r.offset):
    count, stride = (r.count, r.stride) if r.is_array else (1, 0)
    out.append(f"  X({r.name}, 0x{r.offset:04x}u, {count}u, 0x{stride:x}u) \\")
  out += ["  /* end of the list */", ""]
  return out


def gen_c_header(block):
  p = block.prefix
  guard = f"CPO_{block.name.upper()}_REGS_H"
  out = [
      f"/* {banner(block, '').strip()} */",
      f"/* Register block '{block.name}': {c_comment(block.desc)} */",
      "/* Offsets are byte offsets in the block's APB window. Field _MASK is the mask in place",
      "   (already shifted); field _RESET is the field's own value (not shifted); a register's",
      "   _RESET is the word read after reset, with ro fields (set by hardware) as 0.",
      "   Windows (address ranges decoded outside the register block): _OFFSET, _SIZE in bytes,",
      "   _VALIDBITS of each 32-bit entry, per index _STRIDE (and _COUNT when fixed), and",
      "   _OFFSET_N(index, ...) for an entry's address. */", f"#ifndef {guard}", f"#define {guard}",
      ""
  ]
  for name, val in block.params.items():
    out.append(f"#define {p}_{camel_to_upper_snake(name)} {val}u")
  if block.params:
    out.append("")
  out += _c_enums(block)
  for r in block.registers:
    out.append(f"/* {r.name}: {c_comment(r.desc)} */")
    out.append(f"#define {p}_{r.name}_OFFSET 0x{r.offset:04x}u")
    if r.is_array:
      out.append(f"#define {p}_{r.name}_COUNT {r.count}u")
      out.append(f"#define {p}_{r.name}_STRIDE 0x{r.stride:x}u")
      out.append(f"#define {p}_{r.name}_OFFSET_N(i) "
                 f"({p}_{r.name}_OFFSET + (unsigned)(i) * {p}_{r.name}_STRIDE)")
    out.append(f"#define {p}_{r.name}_RESET 0x{r.reset:08x}u")
    for f in r.fields:
      fp = f"{p}_{r.name}_{f.name}"
      out.append(f"#define {fp}_MASK 0x{f.mask:08x}u  /* {f.access}: {c_comment(f.desc)} */")
      out.append(f"#define {fp}_SHIFT {f.lo}u")
      out.append(f"#define {fp}_WIDTH {f.width}u")
      if f.access in HAS_RESET:
        out.append(f"#define {fp}_RESET 0x{f.reset:x}u")
    out.append("")
  out += _c_reg_list(block)
  for w in block.windows:
    wp = f"{p}_{w.name}"
    out.append(f"/* Window {w.name} ({window_summary(w)}): {c_comment(first_sentence(w.desc))} */")
    out.append(f"#define {wp}_OFFSET 0x{w.offset:04x}u")
    out.append(f"#define {wp}_SIZE 0x{w.size:x}u")
    out.append(f"#define {wp}_VALIDBITS {w.validbits}u")
    for i in w.index:
      note = f"  /* {c_comment(i.desc)} */" if i.desc else ""
      out.append(f"#define {wp}_{i.name}_STRIDE 0x{i.stride:x}u{note}")
      if i.fixed:
        out.append(f"#define {wp}_{i.name}_COUNT {i.count}u")
    if w.index:
      args = ", ".join(arg_ident(i.name) for i in w.index)
      terms = " + ".join(f"(unsigned)({arg_ident(i.name)}) * {wp}_{i.name}_STRIDE" for i in w.index)
      out.append(f"#define {wp}_OFFSET_N({args}) ({wp}_OFFSET + {terms})")
    out.append("")
  out.append(f"#endif /* {guard} */")
  return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Python module


def _py_enums(block):
  """Each enum as an IntEnum (LinkState.UP) and as flat names (CPO_<BLOCK>_LINK_STATE_UP)."""
  out = []
  for e in block.enums:
    doc = f"Enum {e.name} ({enum_users(e)})" + (f": {e.desc}" if e.desc else "")
    out += ["", f"class {e.camel}(enum.IntEnum):", f"  {doc!r}"]
    out += [f"  {v.name} = 0x{v.value:x}" for v in e.values]
    out += ["", ""]
    out += [f"{block.prefix}_{e.name}_{v.name} = {e.camel}.{v.name}" for v in e.values]
    out.append("")
  return out


def _py_register(p, r):
  """(module lines, REGISTERS entry) of one register: offset, array helper, fields."""
  out = [f"# {r.name}: {r.desc}", f"{p}_{r.name}_OFFSET = 0x{r.offset:04x}"]
  if r.is_array:
    out.append(f"{p}_{r.name}_COUNT = {r.count}")
    out.append(f"{p}_{r.name}_STRIDE = 0x{r.stride:x}")
    out.append("")
    out.append("")
    out.append(f"def {p}_{r.name}_OFFSET_N(i):")
    out.append(f"  if not 0 <= i < {p}_{r.name}_COUNT:")
    out.append(f"    raise IndexError(f\"{r.name} index {{i}} out of range\")")
    out.append(f"  return {p}_{r.name}_OFFSET + i * {p}_{r.name}_STRIDE")
    out.append("")
    out.append("")
  out.append(f"{p}_{r.name}_RESET = 0x{r.reset:08x}")
  fields = []
  for f in r.fields:
    fp = f"{p}_{r.name}_{f.name}"
    out.append(f"{fp}_MASK = 0x{f.mask:08x}")
    out.append(f"{fp}_SHIFT = {f.lo}")
    out.append(f"{fp}_WIDTH = {f.width}")
    if f.access in HAS_RESET:
      out.append(f"{fp}_RESET = 0x{f.reset:x}")
    fields.append(
        f"{{'name': {f.name!r}, 'lsb': {f.lo}, 'width': {f.width}, "
        f"'access': {f.access!r}, 'reset': {f.reset if f.access in HAS_RESET else None}}}")
  out.append("")
  entry = (f"  {r.name!r}: {{'offset': 0x{r.offset:04x}, 'count': {r.count}, "
           f"'stride': 0x{r.stride:x}, 'is_array': {r.is_array}, 'fields': [\n      " +
           ",\n      ".join(fields) + "]},")
  return out, entry


def _py_window(p, w):
  """(module lines, WINDOWS entry) of one window: placement, indices, the OFFSET_N helper."""
  wp = f"{p}_{w.name}"
  out = [f"# Window {w.name} ({window_summary(w)}): {first_sentence(w.desc)}"]
  out.append(f"{wp}_OFFSET = 0x{w.offset:04x}")
  out.append(f"{wp}_SIZE = 0x{w.size:x}")
  out.append(f"{wp}_VALIDBITS = {w.validbits}")
  for i in w.index:
    out.append(f"{wp}_{i.name}_STRIDE = 0x{i.stride:x}")
    if i.fixed:
      out.append(f"{wp}_{i.name}_COUNT = {i.count}")
  if w.index:
    out.append("")
    out.append("")
    out.append(f"def {wp}_OFFSET_N({', '.join(arg_ident(i.name) for i in w.index)}):")
    for i in w.index:
      a = arg_ident(i.name)
      # An index without a fixed count is bounded by the room in the window only.
      out.append(f"  if not 0 <= {a} < {i.count}:")
      out.append(f"    raise IndexError(f\"{w.name} {i.name} {{{a}}} out of range\")")
    terms = " + ".join(f"{arg_ident(i.name)} * {wp}_{i.name}_STRIDE" for i in w.index)
    out.append(f"  return {wp}_OFFSET + {terms}")
    out.append("")
    out.append("")
  else:
    out.append("")
  index = ", ".join(f"{{'name': {i.name!r}, 'stride': 0x{i.stride:x}, "
                    f"'count': {i.count if i.fixed else None}}}" for i in w.index)
  entry = (f"  {w.name!r}: {{'offset': 0x{w.offset:04x}, 'size': 0x{w.size:x}, "
           f"'access': {w.access!r}, 'validbits': {w.validbits}, 'index': [{index}]}},")
  return out, entry


def gen_python(block):
  p = block.prefix
  out = [
      f"# {banner(block, '').strip()}", f'"""Register block \'{block.name}\': {block.desc}"""', "",
      "import enum", "", f"BLOCK = {block.name!r}", ""
  ]
  for name, val in block.params.items():
    out.append(f"{p}_{camel_to_upper_snake(name)} = {val}")
  out.append("")
  out += _py_enums(block)
  regs = []
  for r in block.registers:
    lines, entry = _py_register(p, r)
    out += lines
    regs.append(entry)
  wins = []
  for w in block.windows:
    lines, entry = _py_window(p, w)
    out += lines
    wins.append(entry)
  out.append("# Every register, for scripts that walk the map.")
  out.append("REGISTERS = {")
  out.extend(regs)
  out.append("}")
  out.append("")
  out.append("# Every window (address ranges decoded outside the register block).")
  out.append("WINDOWS = {")
  out.extend(wins)
  out.append("}")
  return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Markdown reference

ACCESS_DOC = {
    "ro": "read-only, value from hardware",
    "const": "read-only constant",
    "rw": "read/write",
    "wo": "write-only, reads 0",
    "w1c": "set by hardware, write 1 to clear",
    "w1p": "write 1 to pulse, reads 0",
    "rc": "set by hardware, cleared by a read",
    "rws": "read/write, bits also set by hardware",
}


def first_sentence(text):
  m = re.match(r"(.*?\.)(\s|$)", " ".join(text.split()))
  return m.group(1) if m else text


def md_cell(text):
  return " ".join(text.split()).replace("|", "\\|")


def _md_intro(block):
  """Markdown lines: the title, the naming conventions, the table of registers and windows."""
  p = block.prefix
  out = [
      f"<!-- {banner(block, '').strip()} -->", "", f"# Register block `{block.name}`", "",
      block.desc, "",
      f"APB3 target, {ADDR_BITS}-bit byte addresses, 32-bit registers. Every access completes "
      "in one cycle; an unmapped or misaligned address returns PSLVERR. "
      f"C names: `{p}_<REG>_OFFSET`, `..._OFFSET_N(i)` for arrays, "
      f"`{p}_<REG>_<FIELD>_MASK/_SHIFT/_RESET`.", ""
  ]
  if block.windows:
    out += [
        "Windows are address ranges decoded by the design around the register block (a "
        "memory, a converter bank); their entries are described below, not as registers. "
        f"C names: `{p}_<WINDOW>_OFFSET/_SIZE/_VALIDBITS`, `..._<INDEX>_STRIDE/_COUNT`, "
        f"`{p}_<WINDOW>_OFFSET_N(index, ...)`.", ""
    ]
  if block.params:
    out.append("Generated for: " + ", ".join(f"`{k}` = {v}" for k, v in block.params.items()) +
               " (regenerate with `--param` for another design).")
    out.append("")
  out += ["| Offset | Register | Instances | Reset | Description |", "|---|---|---|---|---|"]
  for r in block.registers:
    inst = f"{r.count} x stride 0x{r.stride:x}" if r.is_array else "1"
    out.append(f"| 0x{r.offset:04x} | [{r.name}](#{r.name.lower()}) | {inst} | "
               f"0x{r.reset:08x} | {md_cell(r.desc)} |")
  for w in block.windows:
    out.append(f"| 0x{w.offset:04x}-0x{w.end - 1:04x} | [{w.name}](#{w.name.lower()}) | "
               f"window, {w.access}, 0x{w.size:x} bytes | - | {md_cell(first_sentence(w.desc))} |")
  out.append("")
  return out


def _md_register(r):
  """Markdown lines: one register's section and its table of fields."""
  out = [f"## {r.name}", ""]
  where = (f"offset 0x{r.offset:04x} + i * 0x{r.stride:x}, i = 0..{r.count - 1}"
           if r.is_array else f"offset 0x{r.offset:04x}")
  out.append(f"{r.desc} ({where})")
  if r.latched_by:
    out.append("")
    out.append(f"Reads the value captured when `{r.latched_by}` (same index) was last read, so "
               "that the pair reads as one consistent value: read the other half first.")
  out.append("")
  out.append("| Bits | Field | Access | Reset | Description |")
  out.append("|---|---|---|---|---|")
  for f in sorted(r.fields, key=lambda x: -x.hi):
    bits = f"{f.hi}:{f.lo}" if f.width > 1 else f"{f.lo}"
    reset = f"0x{f.reset:x}" if f.access in HAS_RESET else "-"
    values = f" Values: [{f.enum.name}](#{f.enum.name.lower()})." if f.enum else ""
    out.append(f"| {bits} | {f.name} | {f.access} ({ACCESS_DOC[f.access]}) | {reset} | "
               f"{md_cell(f.desc)}{values} |")
  out.append("")
  return out


def _md_enum(block, e):
  """Markdown lines: one enum's section and its table of values."""
  p = block.prefix
  out = [
      f"## {e.name}", "", f"Enum ({enum_users(e)}; C `{p}_{e.name}_<VALUE>`, "
      f"`cpo_{block.name}_{e.name.lower()}_name()`; Python `{e.camel}`). {e.desc}".rstrip(), "",
      "| Value | Name | Description |", "|---|---|---|"
  ]
  out += [f"| 0x{v.value:x} | {v.name} | {md_cell(v.desc)} |" for v in e.values]
  out.append("")
  return out


def _md_window(p, w):
  """Markdown lines: one window's section, its indices and what its entries hold."""
  out = [
      f"## {w.name}", "",
      f"Window 0x{w.offset:04x}-0x{w.end - 1:04x} ({w.size} bytes), decoded by the design "
      f"around the register block. {w.desc}", ""
  ]
  if w.index:
    out += [
        f"Entry address: `{window_formula(w)}` "
        f"(`{p}_{w.name}_OFFSET_N({', '.join(arg_ident(i.name) for i in w.index)})`).", "",
        "| Index | Stride | Entries | Description |", "|---|---|---|---|"
    ]
    for i in w.index:
      n = str(i.count) if i.fixed else f"at most {i.count} (room in the window)"
      out.append(f"| {arg_ident(i.name)} | 0x{i.stride:x} | {n} | {md_cell(i.desc)} |")
    out.append("")
  bits = (f"Bits [{w.validbits - 1}:0] of each 32-bit entry hold the data; bits "
          f"[31:{w.validbits}] read 0" + (" and ignore writes." if w.access == "rw" else ".")
          if w.validbits < 32 else "Each entry is a 32-bit word.")
  rule = ("Entries are read/write." if w.access == "rw" else
          "Entries are read-only: a write completes with PSLVERR and has no effect.")
  out += [
      f"{rule} {bits} Which addresses of the window hold entries, and what the others "
      "answer, is the design's (see the description above).", ""
  ]
  return out


def gen_markdown(block):
  out = _md_intro(block)
  for n in block.notes:
    out += [f"## {n.title}", "", n.text, ""]
  for r in block.registers:
    out += _md_register(r)
  for e in block.enums:
    out += _md_enum(block, e)
  for w in block.windows:
    out += _md_window(block.prefix, w)
  return "\n".join(out)


# ---------------------------------------------------------------------------------------------


def gen_vlt(block):
  return "\n".join([
      "`verilator_config",
      banner(block, "//"),
      "// The package is the register map's SV API: it defines every offset, count and reset,",
      "// including those no RTL of this block happens to use.",
      f'lint_off -rule UNUSEDPARAM -file "*cpo_{block.name}_reg_pkg.sv"', ""
  ])


def outputs(block):
  b = block.name
  return {
      f"cpo_{b}_reg.vlt": gen_vlt(block),
      f"cpo_{b}_reg_pkg.sv": gen_sv_pkg(block),
      f"cpo_{b}_reg_top.sv": gen_sv_top(block),
      f"cpo_{b}_reg_dec.sv": gen_sv_dec(block),
      os.path.join("cpo", f"{b}_regs.h"): gen_c_header(block),
      f"{b}_regs.md": gen_markdown(block),
      f"{b}_regs.py": gen_python(block),
  }


def _parse_param(text):
  m = re.fullmatch(r"([A-Za-z][A-Za-z0-9]*)=(0x[0-9a-fA-F]+|\d+)", text)
  if not m:
    raise argparse.ArgumentTypeError(f"'{text}' is not Name=integer")
  return m.group(1), int(m.group(2), 0)


def main(argv=None):
  ap = argparse.ArgumentParser(description="cpoemu register generator")
  ap.add_argument("toml", help="register description (TOML)")
  ap.add_argument("--outdir", required=True, help="directory for the generated files")
  ap.add_argument("--param",
                  action="append",
                  type=_parse_param,
                  default=[],
                  help="override a [block.params] value, e.g. NumLanes=16")
  ap.add_argument("--src-name",
                  help="name of the description in banners and messages "
                  "(default: the path relative to the repository root)")
  ap.add_argument("--stamp", help="file to touch after a successful run")
  ap.add_argument("--expect-block", help="fail unless the description's block name is this")
  args = ap.parse_args(argv)

  src = args.src_name or source_name(args.toml)
  try:
    block = load(args.toml, dict(args.param), src)
    if args.expect_block and block.name != args.expect_block:
      raise RegError(f"{src}: block name '{block.name}' but the build expects "
                     f"'{args.expect_block}'")
  except RegError as exc:
    print(f"reggen: error: {exc}", file=sys.stderr)
    return 1
  write_outputs(args.outdir, outputs(block), args.stamp, src)
  return 0


def write_outputs(outdir, texts, stamp, src):
  """Write each {relative path: text} below @outdir, then the @stamp file (if any)."""
  for rel, text in texts.items():
    write_if_changed(os.path.join(outdir, rel), text)
  if stamp:
    # Always touched, so the build knows the generator ran even when no output changed.
    with open(stamp, "w", encoding="utf-8") as fh:
      fh.write(src + "\n")


def source_name(path):
  """A description's name in banners and messages: its path from the repository root."""
  root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  full = os.path.abspath(path)
  return os.path.relpath(full, root) if full.startswith(root + os.sep) else path


def write_if_changed(path, text):
  """Unchanged files keep their timestamp, so a re-run does not re-verilate or recompile."""
  try:
    with open(path, encoding="utf-8") as fh:
      if fh.read() == text:
        return
  except OSError:
    pass
  os.makedirs(os.path.dirname(path), exist_ok=True)
  tmp = path + ".tmp"
  with open(tmp, "w", encoding="utf-8") as fh:
    fh.write(text)
  os.replace(tmp, path)


if __name__ == "__main__":
  sys.exit(main())
