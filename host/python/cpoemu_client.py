#!/usr/bin/python3
"""cpoemu host client: drive a running cpoemu simulation from Python.

Written from bridge/PROTOCOL.md alone (stdlib + python3-zmq). Two layers:

* a codec: ``encode(Message) -> bytes``, ``decode(bytes) -> Message`` (raises ProtocolError
  with the wire ERROR code and a text naming the field), ``Config`` with its hash, and
  ``RxState`` for the sequence/cycle rules;
* ``Client``: a host-role session over a ZeroMQ DEALER socket, in virtual time::

    with Client("ipc:///tmp/cpo.sock") as c:
        ident = c.read(0x0)
        c.write(0xc, 0x1234)
        c.sleep_ns(1000)
        print(c.now(), c.now_ns())

Every wait is bounded: the client sends a HEARTBEAT every timeout_ms/4 while it waits and
raises CpoError if the rtl stays silent for timeout_ms. Between calls, while the script computes
or a person at a prompt thinks, simulated time stands still and the rtl waits for the host's
next request: a background thread keeps the session alive meanwhile (HEARTBEATs out, the rtl's
HEARTBEATs in). What the rtl says in that time (BYE, ERROR) is raised by the next call. Only a
host process that stops altogether (killed, or every thread held in a debugger) is declared
dead by the rtl after timeout_ms.

CLI: ``python3 cpoemu_client.py --endpoint URL read ADDR`` or ``... write ADDR DATA``.
"""

import argparse
import dataclasses
import enum
import struct
import sys
import threading
import time
from typing import List, Optional, Tuple

# ---------------------------------------------------------------------------------------------
# Wire constants (PROTOCOL.md sections 2-3, 11)

MAGIC = 0x454F5043  # b"CPOE"
VERSION = 2
HEADER_BYTES = 32
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
MAX_TEXT_BYTES = 255
MAX_LANES = 64
MAX_ANALOG_ENTRIES = 1024
PROFILE_BYTES = 32
SEQ_NONE = 0xFFFFFFFF

_HEADER = struct.Struct("<IHHHHIQII")  # magic version type flags rsv seq cycle payload_len rsv
_CONFIG = struct.Struct("<HHB3sII4sQQQ32s")  # the 76-byte config block (HELLO payload 4..79)
_HELLO = struct.Struct("<B3s76sQ")
assert _HEADER.size == HEADER_BYTES and _CONFIG.size == 76 and _HELLO.size == 88

_FNV64_OFFSET = 0xCBF29CE484222325
_FNV64_PRIME = 0x100000001B3


class MsgType(enum.IntEnum):
  HELLO = 1
  HELLO_ACK = 2
  ERROR = 3
  HEARTBEAT = 4
  BYE = 5
  TX_QUANTUM = 16
  RX_QUANTUM = 17
  DAC_UPDATE = 18
  ADC_SAMPLE = 19
  REG_READ = 32
  REG_READ_RESP = 33
  REG_WRITE = 34
  REG_WRITE_RESP = 35
  SLEEP = 36
  SLEEP_DONE = 37


class WireError(enum.IntEnum):
  NONE = 0
  TRUNCATED = 1
  BAD_MAGIC = 2
  BAD_VERSION = 3
  UNKNOWN_TYPE = 4
  BAD_FLAGS = 5
  BAD_RESERVED = 6
  BAD_LENGTH = 7
  TOO_LARGE = 8
  OUT_OF_ORDER = 9
  BAD_CYCLE = 10
  BAD_FIELD = 11
  CONFIG_MISMATCH = 12
  NOT_READY = 13
  ROLE_TAKEN = 14
  UNEXPECTED = 15


class Role(enum.IntEnum):
  RTL = 1
  MODEL = 2
  HOST = 3


# cpo_status_t (model/include/cpo/status.h): the values a BYE status may carry.
STATUS_TEXT = {
    0: "success", -1: "invalid argument", -2: "out of memory", -3: "input/output error",
    -4: "malformed input", -5: "protocol violation", -6: "protocol version mismatch",
    -7: "configuration mismatch between peers", -8: "peer timed out",
    -9: "peer ended the session", -10: "bus error on register access",
    -11: "authentication refused", -12: "simulation ended", -13: "value out of range",
    -14: "operation not valid in the current state", -15: "transport error",
    -16: "interrupted",
}

_FIXED_PAYLOAD = {
    MsgType.HELLO: 88, MsgType.HELLO_ACK: 88, MsgType.HEARTBEAT: 0, MsgType.REG_READ: 4,
    MsgType.REG_READ_RESP: 12, MsgType.REG_WRITE: 8, MsgType.REG_WRITE_RESP: 8,
    MsgType.SLEEP: 8, MsgType.SLEEP_DONE: 0,
}


def _type_name(t: int) -> str:
  try:
    return MsgType(t).name
  except ValueError:
    return "UNKNOWN"


class ProtocolError(Exception):
  """A message broke the wire rules: ``code`` is the WireError to answer with."""

  def __init__(self, code: int, ref_seq: int, text: str):
    super().__init__(text)
    self.code = WireError(code)
    self.ref_seq = ref_seq
    self.text = text

  def __str__(self):
    return f"{self.code.name}: {self.text}"


class CpoError(Exception):
  """The session failed: refused, timed out, ended, or a bus error."""


# ---------------------------------------------------------------------------------------------
# Configuration (PROTOCOL.md section 4)

def fnv1a64(data: bytes) -> int:
  h = _FNV64_OFFSET
  for b in data:
    h = ((h ^ b) * _FNV64_PRIME) & 0xFFFFFFFFFFFFFFFF
  return h


@dataclasses.dataclass
class Config:
  lanes: int = 0
  symbols_per_cycle: int = 0
  bits_per_symbol: int = 0
  latency_cycles: int = 0
  quantum_cycles: int = 0
  seed: int = 0
  total_cycles: int = 0
  baud_hz: int = 0
  profile: str = ""

  def block(self) -> bytes:
    """The canonical 76-byte config block."""
    name = self.profile.encode("ascii")
    if len(name) >= PROFILE_BYTES:
      raise ValueError(f"profile {self.profile!r} longer than {PROFILE_BYTES - 1} characters")
    return _CONFIG.pack(self.lanes, self.symbols_per_cycle, self.bits_per_symbol, b"\0" * 3,
                        self.latency_cycles, self.quantum_cycles, b"\0" * 4, self.seed,
                        self.total_cycles, self.baud_hz, name.ljust(PROFILE_BYTES, b"\0"))

  @classmethod
  def from_block(cls, block: bytes) -> "Config":
    (lanes, sps, bps, _, lat, q, _, seed, total, baud, prof) = _CONFIG.unpack(block)
    name = prof.split(b"\0", 1)[0].decode("ascii", errors="replace")
    return cls(lanes, sps, bps, lat, q, seed, total, baud, name)

  def hash(self) -> int:
    h = fnv1a64(self.block())
    return h if h else 1

  def problem(self) -> Optional[str]:
    """None if the ranges hold, else a text naming the field (as cpo_config_validate)."""
    if not 1 <= self.lanes <= MAX_LANES:
      return f"lanes {self.lanes} out of range 1..{MAX_LANES}"
    if not 1 <= self.symbols_per_cycle <= 64:
      return f"symbols_per_cycle {self.symbols_per_cycle} out of range 1..64"
    if not 1 <= self.bits_per_symbol <= 2:
      return f"bits_per_symbol {self.bits_per_symbol} out of range 1..2"
    bits = self.symbols_per_cycle * self.bits_per_symbol
    if bits > 64:
      return (f"symbols_per_cycle {self.symbols_per_cycle} * bits_per_symbol "
              f"{self.bits_per_symbol} = {bits} bits exceeds the 64-bit lane word")
    if self.latency_cycles < 1:
      return "latency_cycles 0 out of range (must be >= 1)"
    if not 1 <= self.quantum_cycles <= self.latency_cycles:
      return (f"quantum_cycles {self.quantum_cycles} out of range 1..latency_cycles "
              f"{self.latency_cycles}")
    if self.total_cycles < 1:
      return "total_cycles 0 out of range (must be >= 1)"
    if self.baud_hz < 1:
      return "baud_hz 0 out of range (must be >= 1)"
    for i, ch in enumerate(self.profile):
      if not 0x20 <= ord(ch) <= 0x7E:
        return f"profile byte {i} is 0x{ord(ch):02x}, not printable ASCII"
    return None

  def cycle_s(self) -> float:
    return self.symbols_per_cycle / self.baud_hz


# ---------------------------------------------------------------------------------------------
# Messages

@dataclasses.dataclass
class Message:
  type: int
  seq: int = 0
  cycle: int = 0
  flags: int = 0
  # HELLO / HELLO_ACK
  role: int = 0
  config: Config = dataclasses.field(default_factory=Config)
  config_hash: int = 0
  # ERROR (code, ref_seq, text) / BYE (status, text)
  code: int = 0
  ref_seq: int = 0
  status: int = 0
  text: str = ""
  # TX/RX_QUANTUM: words[c * lanes + lane], word_bytes (4 or 8) each on the wire
  count: int = 0
  lanes: int = 0
  word_bytes: int = 8
  words: List[int] = dataclasses.field(default_factory=list)
  # DAC_UPDATE / ADC_SAMPLE: (channel, lane, value)
  entries: List[Tuple[int, int, int]] = dataclasses.field(default_factory=list)
  # registers (status: 0 OK, 1 SLVERR) and SLEEP
  addr: int = 0
  data: int = 0
  until_cycle: int = 0


# Texts are UTF-8 but receivers must tolerate anything else (PROTOCOL.md, ERROR): invalid
# bytes are kept as surrogate escapes so a text re-encodes to exactly the bytes received.
def _text_bytes(text: str) -> bytes:
  raw = text.encode("utf-8", errors="surrogateescape")
  if len(raw) > MAX_TEXT_BYTES:  # cut on a character boundary when the text is valid UTF-8
    raw = raw[:MAX_TEXT_BYTES].decode("utf-8", errors="ignore").encode("utf-8")
  return raw


def printable(text: str) -> str:
  """A received text made safe to print (invalid UTF-8 shown as U+FFFD)."""
  return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def encode(m: Message) -> bytes:
  """Encode @m (magic, version and payload_len are filled in). Raises ValueError if a field
  is out of range: never produces bytes that decode() would reject."""
  t = m.type
  if t == MsgType.HELLO or t == MsgType.HELLO_ACK:
    payload = _HELLO.pack(m.role, b"\0" * 3, m.config.block(), m.config_hash)
  elif t == MsgType.ERROR:
    raw = _text_bytes(m.text)
    payload = struct.pack("<HHI", m.code, len(raw), m.ref_seq) + raw
  elif t == MsgType.BYE:
    raw = _text_bytes(m.text)
    payload = struct.pack("<hH", m.status, len(raw)) + raw
  elif t in (MsgType.HEARTBEAT, MsgType.SLEEP_DONE):
    payload = b""
  elif t in (MsgType.TX_QUANTUM, MsgType.RX_QUANTUM):
    if len(m.words) != m.count * m.lanes:
      raise ValueError(f"{len(m.words)} words for count {m.count} x lanes {m.lanes}")
    if m.word_bytes not in (4, 8):
      raise ValueError(f"word_bytes {m.word_bytes} (must be 4 or 8)")
    fmt, mask = ("Q", (1 << 64) - 1) if m.word_bytes == 8 else ("I", (1 << 32) - 1)
    payload = struct.pack(f"<IHBB{len(m.words)}{fmt}", m.count, m.lanes, m.word_bytes, 0,
                          *(w & mask for w in m.words))
  elif t in (MsgType.DAC_UPDATE, MsgType.ADC_SAMPLE):
    payload = struct.pack("<HH", len(m.entries), 0) + b"".join(
        struct.pack("<HHI", *e) for e in m.entries)
  elif t == MsgType.REG_READ:
    payload = struct.pack("<I", m.addr)
  elif t == MsgType.REG_READ_RESP:
    payload = struct.pack("<IIHH", m.addr, m.data, m.status, 0)
  elif t == MsgType.REG_WRITE:
    payload = struct.pack("<II", m.addr, m.data)
  elif t == MsgType.REG_WRITE_RESP:
    payload = struct.pack("<IHH", m.addr, m.status, 0)
  elif t == MsgType.SLEEP:
    payload = struct.pack("<Q", m.until_cycle)
  else:
    raise ValueError(f"type {t} is not a message type")
  if len(payload) > MAX_PAYLOAD_BYTES:
    raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}")
  frame = _HEADER.pack(MAGIC, VERSION, t, m.flags, 0, m.seq, m.cycle, len(payload), 0) + payload
  try:
    decode(frame)
  except ProtocolError as e:
    raise ValueError(f"cannot encode: {e.text}") from None
  return frame


def _fail(code, seq, text):
  raise ProtocolError(code, seq, text)


def _decode_text(raw: bytes, what: str, seq: int) -> str:
  nul = raw.find(b"\0")
  if nul >= 0:
    _fail(WireError.BAD_FIELD, seq, f"{what} text has a NUL at byte {nul} of {len(raw)}")
  return raw.decode("utf-8", errors="surrogateescape")


def _decode_hello(m: Message, p: bytes) -> None:
  tn, seq = _type_name(m.type), m.seq
  role, rsv, block, h = _HELLO.unpack(p)
  if role not in (1, 2, 3):
    _fail(WireError.BAD_FIELD, seq, f"{tn} role {role} is not 1 (rtl), 2 (model) or 3 (host)")
  if rsv != b"\0" * 3 or block[5:8] != b"\0" * 3 or block[16:20] != b"\0" * 4:
    _fail(WireError.BAD_RESERVED, seq,
          f"{tn} reserved bytes (payload 1..3, 9..11, 20..23) are not zero")
  prof = block[44:76]
  n = prof.find(b"\0")
  if n < 0:
    _fail(WireError.BAD_FIELD, seq,
          f"{tn} profile has no NUL in its {PROFILE_BYTES} bytes (at most "
          f"{PROFILE_BYTES - 1} characters)")
  for i in range(n):
    if not 0x20 <= prof[i] <= 0x7E:
      _fail(WireError.BAD_FIELD, seq,
            f"{tn} profile byte {i} is 0x{prof[i]:02x}, not printable ASCII")
  if any(prof[n:]):
    _fail(WireError.BAD_FIELD, seq, f"{tn} profile padding after byte {n} is not NUL")
  m.role, m.config, m.config_hash = role, Config.from_block(block), h
  if h == 0:
    if m.type != MsgType.HELLO or role != Role.HOST:
      _fail(WireError.BAD_FIELD, seq,
            f"config_hash 0 (adopt) is only allowed in a HELLO from a host, not in a {tn} "
            f"from role {Role(role).name.lower()}")
    if any(block):
      _fail(WireError.BAD_FIELD, seq, f"{tn} config_hash 0 (adopt) but the config block is "
            "not zeroed")
    return
  want = fnv1a64(block) or 1
  if h != want:
    _fail(WireError.BAD_FIELD, seq, f"{tn} config_hash 0x{h:016x} does not match the carried "
          f"config (0x{want:016x})")
  why = m.config.problem()
  if why:
    _fail(WireError.BAD_FIELD, seq, f"{tn} config: {why}")


def decode(buf: bytes) -> Message:
  """Decode and validate one frame (PROTOCOL.md section 5); raises ProtocolError."""
  buf = bytes(buf)
  if len(buf) < HEADER_BYTES:
    _fail(WireError.TRUNCATED, SEQ_NONE,
          f"frame of {len(buf)} bytes is shorter than the {HEADER_BYTES}-byte header")
  magic, version, t, flags, rsv16, seq, cycle, plen, rsv32 = _HEADER.unpack_from(buf)
  if magic != MAGIC:
    _fail(WireError.BAD_MAGIC, SEQ_NONE, f"magic 0x{magic:08x} is not 0x{MAGIC:08x} (\"CPOE\")")
  if version != VERSION:
    _fail(WireError.BAD_VERSION, SEQ_NONE,
          f"version {version} is not supported (this side speaks {VERSION})")
  if t not in MsgType._value2member_map_:
    _fail(WireError.UNKNOWN_TYPE, seq, f"type {t} is not a message type")
  if flags:
    _fail(WireError.BAD_FLAGS, seq, f"flags 0x{flags:04x} set, none are defined")
  if rsv16:
    _fail(WireError.BAD_RESERVED, seq, f"header reserved (bytes 10..11) is 0x{rsv16:04x}")
  if rsv32:
    _fail(WireError.BAD_RESERVED, seq, f"header reserved (bytes 28..31) is 0x{rsv32:08x}")
  carried = len(buf) - HEADER_BYTES
  if carried > MAX_PAYLOAD_BYTES:
    _fail(WireError.TOO_LARGE, seq,
          f"frame carries {carried} payload bytes, limit {MAX_PAYLOAD_BYTES}")
  if plen > MAX_PAYLOAD_BYTES:
    _fail(WireError.TOO_LARGE, seq, f"payload_len {plen} exceeds the limit {MAX_PAYLOAD_BYTES}")
  if plen > carried:
    _fail(WireError.TRUNCATED, seq,
          f"payload_len {plen} but the frame carries only {carried} payload bytes")
  if plen < carried:
    _fail(WireError.BAD_LENGTH, seq, f"payload_len {plen} but the frame carries {carried} "
          "payload bytes")

  t = MsgType(t)
  tn = t.name
  p = buf[HEADER_BYTES:]
  m = Message(type=t, seq=seq, cycle=cycle, flags=flags)

  if t in (MsgType.ERROR, MsgType.BYE):
    head = 8 if t == MsgType.ERROR else 4
    if plen < head:
      _fail(WireError.BAD_LENGTH, seq,
            f"payload_len {plen} is shorter than the {head}-byte {tn} fixed part")
    (text_len,) = struct.unpack_from("<H", p, 2)
    if text_len > MAX_TEXT_BYTES:
      _fail(WireError.BAD_FIELD, seq, f"{tn} text_len {text_len} exceeds {MAX_TEXT_BYTES}")
    if plen != head + text_len:
      _fail(WireError.BAD_LENGTH, seq, f"payload_len {plen} does not match {tn} with text_len "
            f"{text_len} (needs {head + text_len})")
    if t == MsgType.ERROR:
      code, _, ref = struct.unpack_from("<HHI", p)
      if not 1 <= code <= max(WireError):
        _fail(WireError.BAD_FIELD, seq, f"ERROR code {code} is not a defined error code")
      m.code, m.ref_seq = code, ref
    else:
      (status,) = struct.unpack_from("<h", p)
      if status not in STATUS_TEXT:
        _fail(WireError.BAD_FIELD, seq, f"BYE status {status} is neither 0 nor a cpo_status_t "
              "code")
      m.status = status
    m.text = _decode_text(p[head:], tn, seq)
    return m

  if t in (MsgType.TX_QUANTUM, MsgType.RX_QUANTUM):
    if plen < 8:
      _fail(WireError.BAD_LENGTH, seq, f"payload_len {plen} is shorter than the 8-byte {tn} "
            "fixed part")
    count, lanes, word_bytes, rsv = struct.unpack_from("<IHBB", p)
    if count < 1:
      _fail(WireError.BAD_FIELD, seq, f"{tn} count 0 (must be >= 1 cycle)")
    if not 1 <= lanes <= MAX_LANES:
      _fail(WireError.BAD_FIELD, seq, f"{tn} lanes {lanes} out of range 1..{MAX_LANES}")
    if word_bytes not in (4, 8):
      _fail(WireError.BAD_FIELD, seq, f"{tn} word_bytes {word_bytes} (must be 4 or 8)")
    if rsv:
      _fail(WireError.BAD_RESERVED, seq, f"{tn} reserved (payload 7) is 0x{rsv:02x}")
    need = 8 + word_bytes * count * lanes
    if plen != need:
      _fail(WireError.BAD_LENGTH, seq, f"payload_len {plen} does not match {tn} with count "
            f"{count}, lanes {lanes}, word_bytes {word_bytes} (needs {need})")
    m.count, m.lanes, m.word_bytes = count, lanes, word_bytes
    fmt = "Q" if word_bytes == 8 else "I"
    m.words = list(struct.unpack_from(f"<{count * lanes}{fmt}", p, 8))
    return m

  if t in (MsgType.DAC_UPDATE, MsgType.ADC_SAMPLE):
    if plen < 4:
      _fail(WireError.BAD_LENGTH, seq, f"payload_len {plen} is shorter than the 4-byte {tn} "
            "fixed part")
    count, rsv = struct.unpack_from("<HH", p)
    if count > MAX_ANALOG_ENTRIES:
      _fail(WireError.BAD_FIELD, seq, f"{tn} count {count} exceeds {MAX_ANALOG_ENTRIES}")
    if rsv:
      _fail(WireError.BAD_RESERVED, seq, f"{tn} reserved (payload 2..3) is 0x{rsv:04x}")
    need = 4 + 8 * count
    if plen != need:
      _fail(WireError.BAD_LENGTH, seq, f"payload_len {plen} does not match {tn} with count "
            f"{count} (needs {need})")
    m.entries = [struct.unpack_from("<HHI", p, 4 + 8 * i) for i in range(count)]
    for i, (_, lane, _) in enumerate(m.entries):
      if lane >= MAX_LANES:
        _fail(WireError.BAD_FIELD, seq,
              f"{tn} entry {i} lane {lane} out of range 0..{MAX_LANES - 1}")
    return m

  fixed = _FIXED_PAYLOAD[t]
  if plen != fixed:
    _fail(WireError.BAD_LENGTH, seq, f"payload_len {plen} does not match {tn} (needs {fixed})")
  if t in (MsgType.HELLO, MsgType.HELLO_ACK):
    _decode_hello(m, p)
  elif t == MsgType.REG_READ:
    (m.addr,) = struct.unpack("<I", p)
  elif t == MsgType.REG_WRITE:
    m.addr, m.data = struct.unpack("<II", p)
  elif t in (MsgType.REG_READ_RESP, MsgType.REG_WRITE_RESP):
    rd = t == MsgType.REG_READ_RESP
    if rd:
      m.addr, m.data, m.status, rsv = struct.unpack("<IIHH", p)
    else:
      m.addr, m.status, rsv = struct.unpack("<IHH", p)
    if m.status > 1:
      _fail(WireError.BAD_FIELD, seq, f"{tn} status {m.status} is not 0 (OK) or 1 (SLVERR)")
    if rsv:
      _fail(WireError.BAD_RESERVED, seq,
            f"{tn} reserved (payload {10 if rd else 6}..{11 if rd else 7}) is 0x{rsv:04x}")
  elif t == MsgType.SLEEP:
    (m.until_cycle,) = struct.unpack("<Q", p)
    if m.until_cycle < cycle:
      _fail(WireError.BAD_FIELD, seq,
            f"SLEEP until_cycle {m.until_cycle} is before the header cycle {cycle}")
  return m


@dataclasses.dataclass
class RxState:
  """Per-peer receive state: HELLO first, consecutive seq, non-decreasing cycle
  (PROTOCOL.md section 6). check() raises ProtocolError and then changes nothing, except that
  after the handshake a message carrying the expected seq uses it up; skip() does the same for
  a message decode() refused."""
  hello_seen: bool = False
  next_seq: int = 0
  last_cycle: int = 0

  def check(self, m: Message) -> None:
    tn = _type_name(m.type)
    hello = m.type in (MsgType.HELLO, MsgType.HELLO_ACK)
    if not self.hello_seen:
      if m.type == MsgType.ERROR:
        return  # the answer to a refused HELLO: outside the sequence
      if not hello:
        _fail(WireError.NOT_READY, m.seq, f"{tn} (seq {m.seq}) before HELLO")
      if m.seq != 0:
        _fail(WireError.OUT_OF_ORDER, m.seq, f"{tn} seq {m.seq}, expected 0")
    else:
      try:
        self._check_in_session(m, tn, hello)
      except ProtocolError:
        if m.seq == self.next_seq:
          self.next_seq = (m.seq + 1) & 0xFFFFFFFF
        raise
    self.hello_seen = True
    self.next_seq = (m.seq + 1) & 0xFFFFFFFF
    self.last_cycle = m.cycle

  def skip(self, e: "ProtocolError") -> None:
    if self.hello_seen and e.ref_seq != SEQ_NONE and e.ref_seq == self.next_seq:
      self.next_seq = (e.ref_seq + 1) & 0xFFFFFFFF

  def _check_in_session(self, m: Message, tn: str, hello: bool) -> None:
    if hello:
      _fail(WireError.UNEXPECTED, m.seq,
            f"{tn} (seq {m.seq}) after the session was established")
    if m.seq != self.next_seq:
      ahead = (m.seq - self.next_seq) & 0xFFFFFFFF
      if ahead < 0x80000000:
        _fail(WireError.OUT_OF_ORDER, m.seq,
              f"{tn} seq {m.seq}, expected {self.next_seq} ({ahead} missing)")
      _fail(WireError.OUT_OF_ORDER, m.seq,
            f"{tn} seq {m.seq}, expected {self.next_seq} (replayed or reordered)")
    if m.cycle < self.last_cycle:
      _fail(WireError.BAD_CYCLE, m.seq,
            f"{tn} cycle {m.cycle} is before the peer's previous cycle {self.last_cycle}")


# ---------------------------------------------------------------------------------------------
# Client (host role)

class Client:
  """A host session with the rtl at @endpoint (see the module docstring).

  curve_server_key: the rtl's Z85 public key (required for a non-loopback tcp endpoint);
  curve_keypair: (public, secret) Z85 keys of this client, authorised at the rtl."""

  def __init__(self, endpoint: str, timeout_ms: int = 5000,
               curve_server_key: Optional[str] = None,
               curve_keypair: Optional[Tuple[str, str]] = None):
    if timeout_ms <= 0:
      raise ValueError("timeout_ms must be > 0")
    self.endpoint = endpoint
    self.timeout_ms = timeout_ms
    self.heartbeat_ms = max(1, timeout_ms // 4)
    self.curve_server_key = curve_server_key
    self.curve_keypair = curve_keypair
    self.config: Optional[Config] = None
    self._ctx = None
    self._sock = None
    self._tx_seq = 0
    self._rx = RxState()
    self._now = 0
    self._ended = False
    self._broken: Optional[str] = None
    self._last_tx = 0.0
    # Every use of the socket holds _lock: a call for its whole request, the keep-alive
    # thread between calls. What the latter meets that the next call must raise: _pending.
    self._lock = threading.Lock()
    self._pending: Optional[CpoError] = None
    self._stop_keepalive = threading.Event()
    self._keepalive: Optional[threading.Thread] = None

  # -- lifecycle --------------------------------------------------------------------------

  def connect(self) -> "Client":
    import zmq  # Debian's python3-zmq; imported here so the codec works without it
    self._zmq = zmq
    self._ctx = zmq.Context()
    s = self._ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    if self.curve_server_key is not None:
      pub, sec = self.curve_keypair or zmq.curve_keypair()
      s.curve_serverkey = _z85(self.curve_server_key)
      s.curve_publickey = _z85(pub)
      s.curve_secretkey = _z85(sec)
    self._sock = s
    try:
      s.connect(self.endpoint)
      self._send(Message(MsgType.HELLO, role=Role.HOST))  # config zero, hash 0: adopt
      ack = self._wait({MsgType.HELLO_ACK}, "HELLO_ACK")
    except BaseException:
      self._teardown()
      raise
    self.config = ack.config
    self._now = ack.cycle
    self._keepalive = threading.Thread(target=self._keep_alive, name="cpoemu-keepalive", daemon=True)
    self._keepalive.start()
    return self

  def close(self) -> None:
    """Detach with BYE (unless the simulation already ended) and release the socket."""
    self._stop_keepalive.set()
    if self._keepalive is not None:
      self._keepalive.join()
      self._keepalive = None
    if self._sock is None:
      return
    # A detach, or after the rtl's final BYE the answer that lets it close (PROTOCOL.md 10).
    if (self._ended or self._broken is None) and self._rx.hello_seen:
      try:
        self._send(Message(MsgType.BYE, status=0, text="host done" if self._ended else "host detached"))
        # LINGER 0 would drop the BYE still queued: give it a short bounded chance.
        self._sock.setsockopt(self._zmq.LINGER, min(self.timeout_ms, 1000))
      except Exception:  # closing must not fail; the rtl's timeout covers a lost BYE
        pass
    self._teardown()

  def __enter__(self) -> "Client":
    return self.connect()

  def __exit__(self, *exc) -> None:
    self.close()

  def _teardown(self) -> None:
    if self._sock is not None:
      self._sock.close()
      self._sock = None
    if self._ctx is not None:
      self._ctx.term()
      self._ctx = None

  # -- virtual time HAL ---------------------------------------------------------------------

  def read(self, addr: int) -> int:
    """Read the 32-bit register at byte address @addr; returns its value."""
    r = self._request(Message(MsgType.REG_READ, addr=_u32(addr, "addr")),
                      MsgType.REG_READ_RESP)
    self._check_bus(r, "reading", addr)
    return r.data

  def write(self, addr: int, data: int) -> None:
    r = self._request(Message(MsgType.REG_WRITE, addr=_u32(addr, "addr"),
                              data=_u32(data, "data")), MsgType.REG_WRITE_RESP)
    self._check_bus(r, "writing", addr)

  def sleep_cycles(self, n: int) -> None:
    """Let exactly @n datapath cycles of simulated time pass."""
    if n < 0:
      raise ValueError(f"cannot sleep {n} cycles")
    until = self._now + n
    r = self._request(Message(MsgType.SLEEP, until_cycle=until), MsgType.SLEEP_DONE)
    if r.cycle != until:
      self._broken = f"SLEEP_DONE at cycle {r.cycle}, asked until {until}"
      raise CpoError(f"rtl woke the host at cycle {r.cycle}, asked until cycle {until}")

  def sleep_ns(self, ns: int) -> None:
    """Sleep at least @ns nanoseconds of simulated time (rounded up to whole cycles)."""
    self.sleep_cycles(self.ns_to_cycles(ns))

  def ns_to_cycles(self, ns: int) -> int:
    c = self._need_config()
    den = c.symbols_per_cycle * 1_000_000_000
    return -(-int(ns) * c.baud_hz // den)  # ceil, exact integers

  def now(self) -> int:
    """The current simulated cycle (of the last response)."""
    return self._now

  def now_ns(self) -> int:
    """The current simulated time in ns, rounded down."""
    c = self._need_config()
    return self._now * c.symbols_per_cycle * 1_000_000_000 // c.baud_hz

  # -- internals ----------------------------------------------------------------------------

  def _need_config(self) -> Config:
    if self.config is None:
      raise CpoError("not connected")
    return self.config

  def _check_bus(self, r: Message, verb: str, addr: int) -> None:
    if r.addr != addr:
      self._broken = "response for another address"
      raise CpoError(f"rtl answered for address 0x{r.addr:08x} while {verb} 0x{addr:08x}")
    if r.status != 0:
      raise CpoError(f"bus error (SLVERR) {verb} 0x{addr:08x} at cycle {r.cycle}")

  def _request(self, req: Message, resp_type: MsgType) -> Message:
    with self._lock:
      if self._pending is not None:  # met by the keep-alive thread since the last call
        e, self._pending = self._pending, None
        raise e
      if self._sock is None:
        raise CpoError("not connected")
      if self._ended:
        raise CpoError(f"simulation ended at cycle {self._now}")
      if self._broken:
        raise CpoError(f"session unusable: {self._broken}")
      self._send(req)
      r = self._wait({resp_type}, resp_type.name)
      self._now = r.cycle
      return r

  def _keep_alive(self) -> None:
    """Between calls: a HEARTBEAT when nothing was sent for an interval, and whatever the rtl
    sent taken off the queue (its HEARTBEATs would otherwise pile up to the high-water mark,
    and one dropped would break the sequence). Skips a round while a call is in progress."""
    interval = self.heartbeat_ms / 1000
    while not self._stop_keepalive.wait(interval / 2):
      if not self._lock.acquire(blocking=False):
        continue
      try:
        if self._sock is None or self._ended or self._broken or self._pending is not None:
          continue
        if time.monotonic() - self._last_tx >= interval:
          self._send(Message(MsgType.HEARTBEAT))
        while self._sock.poll(0, self._zmq.POLLIN):
          try:
            self._take(self._sock.recv(copy=True), set(), "nothing (no call in progress)")
          except ProtocolError:
            pass  # answered with ERROR; the session goes on
      except CpoError as e:
        self._pending = e
      except self._zmq.ZMQError as e:
        self._broken = f"keep-alive failed: {e}"
        self._pending = CpoError(f"lost the connection to the rtl between calls: {e}")
      finally:
        self._lock.release()

  def _send(self, m: Message) -> None:
    m.seq = self._tx_seq
    m.cycle = self._now
    self._sock.send(encode(m), copy=True)
    self._tx_seq = (self._tx_seq + 1) & 0xFFFFFFFF
    self._last_tx = time.monotonic()

  def _reply_error(self, e: ProtocolError) -> None:
    self._send(Message(MsgType.ERROR, code=e.code, ref_seq=e.ref_seq, text=e.text))

  def _wait(self, want: set, what: str) -> Message:
    """Wait for a message of a type in @want; HEARTBEATs while waiting; bounded by
    timeout_ms of silence from the rtl."""
    zmq = self._zmq
    last_rx = time.monotonic()
    next_hb = last_rx + self.heartbeat_ms / 1000
    last_problem = ""
    while True:
      now = time.monotonic()
      silent_until = last_rx + self.timeout_ms / 1000
      if now >= silent_until:
        self._broken = "rtl timed out"
        raise CpoError(f"no answer from the rtl at {self.endpoint} within {self.timeout_ms} ms "
                       f"while waiting for {what} (last agreed cycle {self._now})"
                       + (f"; last problem: {last_problem}" if last_problem else ""))
      if now >= next_hb:
        if self._rx.hello_seen:  # before HELLO_ACK only HELLO may be sent
          self._send(Message(MsgType.HEARTBEAT))
        next_hb = now + self.heartbeat_ms / 1000
      timeout = max(0.0, min(next_hb, silent_until) - now)
      if not self._sock.poll(int(timeout * 1000) + 1, zmq.POLLIN):
        continue
      frame = self._sock.recv(copy=True)
      try:
        m = self._take(frame, want, what)
      except ProtocolError as e:  # refused: not the rtl's liveness
        last_problem = str(e)
        continue
      last_rx = time.monotonic()
      if m is not None:
        return m

  def _take(self, frame: bytes, want: set, what: str) -> Optional[Message]:
    """One frame from the rtl: the message if its type is in @want, None for a HEARTBEAT.
    A frame that breaks the protocol is answered with ERROR and raised as ProtocolError; an
    ERROR or BYE from the rtl is raised as CpoError."""
    # An ERROR is never answered with an ERROR (PROTOCOL.md 5).
    is_error = len(frame) >= 8 and struct.unpack_from("<IHH", frame) == (MAGIC, VERSION, MsgType.ERROR)
    try:
      m = decode(frame)
    except ProtocolError as e:
      self._rx.skip(e)
      if self._rx.hello_seen and not is_error:
        self._reply_error(e)
      raise
    cycle_before = self._rx.last_cycle
    try:
      self._rx.check(m)
    except ProtocolError as e:
      if self._rx.hello_seen and not is_error:
        self._reply_error(e)
      raise
    if m.type == MsgType.HEARTBEAT:
      return None
    if m.type == MsgType.ERROR:
      self._broken = "rtl reported an error"
      about = "refused the connection" if not self._rx.hello_seen else "reported"
      raise CpoError(f"rtl {about}: {WireError(m.code).name} (ref seq {m.ref_seq}): "
                     f"{printable(m.text)}")
    if m.type == MsgType.BYE:
      self._ended = True
      self._now = max(self._now, m.cycle)
      why = "" if m.status == 0 else f" ({STATUS_TEXT.get(m.status)}: {printable(m.text)})"
      raise CpoError(f"simulation ended at cycle {m.cycle}{why}")
    if m.type in want:
      return m
    self._rx.last_cycle = cycle_before  # refused: it moves nothing (PROTOCOL.md 5)
    e = ProtocolError(WireError.UNEXPECTED, m.seq,
                      f"{m.type.name} is not expected by a host waiting for {what}")
    self._reply_error(e)
    raise e


def _u32(v: int, what: str) -> int:
  if not 0 <= v <= 0xFFFFFFFF:
    raise ValueError(f"{what} 0x{v:x} does not fit 32 bits")
  return v


def _z85(key) -> bytes:
  return key.encode("ascii") if isinstance(key, str) else bytes(key)


# ---------------------------------------------------------------------------------------------
# CLI

def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description="Access registers of a running cpoemu simulation.")
  ap.add_argument("--endpoint", required=True, help="rtl endpoint, e.g. ipc:///tmp/cpo.sock")
  ap.add_argument("--timeout-ms", type=int, default=5000)
  ap.add_argument("--curve-server-key", help="the rtl's Z85 public key")
  ap.add_argument("--curve-public-key", help="this client's Z85 public key")
  ap.add_argument("--curve-secret-key", help="this client's Z85 secret key")
  sub = ap.add_subparsers(dest="cmd", required=True)
  rd = sub.add_parser("read", help="print the register at ADDR")
  rd.add_argument("addr", type=lambda s: int(s, 0))
  wr = sub.add_parser("write", help="write DATA to the register at ADDR")
  wr.add_argument("addr", type=lambda s: int(s, 0))
  wr.add_argument("data", type=lambda s: int(s, 0))
  a = ap.parse_args(argv)
  pair = None
  if a.curve_public_key or a.curve_secret_key:
    if not (a.curve_public_key and a.curve_secret_key):
      ap.error("--curve-public-key and --curve-secret-key go together")
    pair = (a.curve_public_key, a.curve_secret_key)
  try:
    with Client(a.endpoint, a.timeout_ms, a.curve_server_key, pair) as c:
      if a.cmd == "read":
        print(f"0x{c.read(a.addr):08x}")
      else:
        c.write(a.addr, a.data)
  except (CpoError, ValueError) as e:
    print(f"cpoemu_client: {e}", file=sys.stderr)
    return 1
  return 0


if __name__ == "__main__":
  sys.exit(main())
