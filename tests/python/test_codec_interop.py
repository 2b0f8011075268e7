#!/usr/bin/python3
"""Interop of the Python codec (host/python/cpoemu_client.py) with the C codec.

The expected field values below are written out here independently of the C samples
(tests/bridge/proto_samples.c): both codecs must agree with them and with each other, byte for
byte, in both directions; and for thousands of corrupted frames both must give the same verdict
(the same ERROR code and text).

usage: test_codec_interop.py --helper PATH/interop_codec [unittest args]
"""
import os
import random
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "host", "python"))
import cpoemu_client as cc  # noqa: E402

HELPER = None

CONFIG = cc.Config(lanes=8,
                   symbols_per_cycle=32,
                   bits_per_symbol=2,
                   latency_cycles=1024,
                   quantum_cycles=256,
                   seed=0x0123456789ABCDEF,
                   total_cycles=200000,
                   baud_hz=53125000000,
                   profile="cpo-default")

TX_WORDS = [
    0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x8000000000000001, 0x00000000FFFFFFFF,
    0xFFFFFFFF00000000, 0x5555AAAA5555AAAA
]
RX_WORDS = [0x11111111, 0x22222222, 0x33333333, 0xC0FFEE00, 0x00000080, 0x88888888]  # 4-byte


def expected():
  """name -> Message, the values the C samples must carry."""
  T = cc.MsgType
  return {
      "HELLO":
          cc.Message(T.HELLO, 0, 0, role=2, config=CONFIG, config_hash=CONFIG.hash()),
      "HELLO_ACK":
          cc.Message(T.HELLO_ACK, 0, 0, role=1, config=CONFIG, config_hash=CONFIG.hash()),
      "ERROR":
          cc.Message(T.ERROR, 3, 1000, code=11, ref_seq=41, text="lanes 65 out of range 1..64"),
      "HEARTBEAT":
          cc.Message(T.HEARTBEAT, 4, 1234),
      "BYE":
          cc.Message(T.BYE, 5, 200000, status=-8, text="peer timed out"),
      "TX_QUANTUM":
          cc.Message(T.TX_QUANTUM, 0x80000001, 0x100000000 + 4096, count=3, lanes=2,
                     words=TX_WORDS),
      "RX_QUANTUM":
          cc.Message(T.RX_QUANTUM, 7, 5120, count=2, lanes=3, word_bytes=4, words=RX_WORDS),
      "DAC_UPDATE":
          cc.Message(T.DAC_UPDATE, 8, 6000, entries=[(1, 0, 0x1234), (2, 7, 0xFFFFFFFF)]),
      "ADC_SAMPLE":
          cc.Message(T.ADC_SAMPLE, 9, 7000, entries=[(5, 63, 0x8000002A)]),
      "ADC_SAMPLES":
          cc.Message(T.ADC_SAMPLES,
                     18,
                     7000,
                     entries=[(1, 0, 0x1234), (2, 7, 0xFFFFFFFF)],
                     conversions=2,
                     period_cycles=816),
      "PARKED":
          cc.Message(T.PARKED, 16, 7500, until_cycle=0x300000000),
      "RX_PARKED":
          cc.Message(T.RX_PARKED, 17, 0x300000000 + 1024, first_cycle=7500 + 1024),
      "LANES_PARKED":
          cc.Message(T.LANES_PARKED, 19, 7600, mask=0xF0F0F0F0000000F0),
      "MODEL_REPORT":  # tests/bridge/proto_samples.c's values, bit for bit
          cc.Message(T.MODEL_REPORT,
                     20,
                     200000,
                     lanes=2,
                     values=[
                         3.28e-20, 1.69e-20, 0.37, 317.6, 0.10435, 3.583e-3, 1.2e-3, -2.5e-12,
                         40.8e-3, 318.15, 1.0e-300, -1.0, 0.0, 300.0, 0.0, 0.0, 0.0, 0.0, 0.0, 300.0
                     ]),
      "REG_READ":
          cc.Message(T.REG_READ, 10, 8000, addr=0x1000),
      "REG_READ_RESP":
          cc.Message(T.REG_READ_RESP, 11, 8016, addr=0x1000, data=0x43504F45, status=1),
      "REG_WRITE":
          cc.Message(T.REG_WRITE, 12, 9000, addr=0x80001004, data=0xDEADBEEF),
      "REG_WRITE_RESP":
          cc.Message(T.REG_WRITE_RESP, 13, 9012, addr=0x80001004, status=1),
      "SLEEP":
          cc.Message(T.SLEEP, 14, 10000, until_cycle=0x200000000),
      "SLEEP_DONE":
          cc.Message(T.SLEEP_DONE, 15, 0x200000000),
      "HELLO_host_adopt":
          cc.Message(T.HELLO, 0, 0, role=3),
  }


def run_helper(*args):
  return subprocess.run([HELPER, *args], capture_output=True, text=True, timeout=60)


def c_frames():
  r = run_helper("encode")
  assert r.returncode == 0, r.stderr
  return {name: bytes.fromhex(h) for name, h in (l.split() for l in r.stdout.splitlines())}


class CodecInterop(unittest.TestCase):

  def test_every_type_is_covered(self):
    self.assertEqual(set(c_frames()), set(expected()))
    self.assertEqual({m.type for m in expected().values()}, set(cc.MsgType))

  def test_c_encodings_decode_in_python_to_the_expected_fields(self):
    want = expected()
    for name, frame in c_frames().items():
      with self.subTest(name):
        got = cc.decode(frame)
        self.assertEqual(got, want[name])
        self.assertEqual(cc.encode(got), frame)

  def test_python_encodings_decode_in_c_to_the_c_samples(self):
    with tempfile.NamedTemporaryFile("w", suffix=".hex", delete=False) as f:
      for name, m in expected().items():
        f.write(f"{name} {cc.encode(m).hex()}\n")
    try:
      r = run_helper("decode", f.name)
    finally:
      os.unlink(f.name)
    self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
    self.assertEqual(r.stdout.count("ok "), len(expected()), r.stdout)

  def test_python_and_c_give_the_same_verdict_on_corrupted_frames(self):
    rng = random.Random(20240601)  # seeded: the same frames every run
    frames = list(c_frames().values())
    cases = []
    for base in frames:
      cases.append(base)
      for n in range(0, len(base)):  # every truncation
        cases.append(base[:n])
      cases.append(base + b"\0")
    for _ in range(4000):
      f = bytearray(rng.choice(frames))
      for _ in range(rng.choice((1, 1, 2, 3))):
        kind = rng.random()
        if not f:
          break
        if kind < 0.6:  # flip a byte, often in the header
          i = rng.randrange(min(len(f), 40) if rng.random() < 0.5 else len(f))
          f[i] = rng.choice((0, 1, 0xFF, f[i] ^ (1 << rng.randrange(8)), rng.randrange(256)))
        elif kind < 0.8:  # payload_len set to a nearby or wild value
          v = rng.choice((len(f) - 32 + rng.randint(-9, 9), rng.randrange(1 << 32),
                          cc.MAX_PAYLOAD_BYTES + rng.randint(-1, 1)))
          f[24:28] = (v & 0xFFFFFFFF).to_bytes(4, "little")
        else:  # cut or extend
          f = f[:rng.randrange(len(f) + 1)] + bytes(rng.randrange(3))
      cases.append(bytes(f))

    with tempfile.NamedTemporaryFile("w", suffix=".hex", delete=False) as fh:
      for c in cases:
        fh.write(c.hex() + "\n")
    try:
      r = run_helper("verdict", fh.name)
    finally:
      os.unlink(fh.name)
    self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr)
    c_lines = r.stdout.splitlines()
    self.assertEqual(len(c_lines), len(cases))
    accepted = rejected = 0
    for frame, line in zip(cases, c_lines):
      code, _, text = line.partition(" ")
      try:
        m = cc.decode(frame)
        py = (0, "ok")
        self.assertEqual(cc.encode(m), frame)
        accepted += 1
      except cc.ProtocolError as e:
        py = (int(e.code), e.text)
        rejected += 1
      self.assertEqual((int(code), text), py, f"frame {frame.hex()}")
    # the mix must exercise both outcomes and many codes
    self.assertGreater(accepted, 20)
    self.assertGreater(rejected, 1000)

  def test_config_hash_reference_vectors(self):
    self.assertEqual(cc.fnv1a64(b""), 0xCBF29CE484222325)
    self.assertEqual(cc.fnv1a64(b"a"), 0xAF63DC4C8601EC8C)
    self.assertEqual(cc.fnv1a64(b"foobar"), 0x85944171F73967E8)
    self.assertEqual(len(CONFIG.block()), 76)

  def test_rx_state_rules(self):
    T = cc.MsgType
    st = cc.RxState()
    with self.assertRaises(cc.ProtocolError) as e:
      st.check(cc.Message(T.REG_READ_RESP, 0, 0))
    self.assertEqual(e.exception.code, cc.WireError.NOT_READY)
    st.check(cc.Message(T.ERROR, 0, 0))  # a refusal stands outside the sequence
    self.assertFalse(st.hello_seen)
    st.check(cc.Message(T.HELLO_ACK, 0, 100))
    st.check(cc.Message(T.HEARTBEAT, 1, 100))
    # a misnumbered message changes nothing; a rejected one with the right seq uses it up
    for seq, cycle, code, next_seq in ((3, 100, cc.WireError.OUT_OF_ORDER,
                                        2), (1, 100, cc.WireError.OUT_OF_ORDER, 2),
                                       (2, 99, cc.WireError.BAD_CYCLE, 3), (3, 200, None, 4)):
      if code is None:
        st.check(cc.Message(T.SLEEP_DONE, seq, cycle))
        self.assertEqual((st.next_seq, st.last_cycle), (next_seq, 200))
        continue
      with self.assertRaises(cc.ProtocolError) as e:
        st.check(cc.Message(T.SLEEP_DONE, seq, cycle))
      self.assertEqual(e.exception.code, code)
      self.assertEqual(st, cc.RxState(True, next_seq, 100))
    # a frame decode() refused: uses up its seq only if it had the expected one
    for ref_seq, next_seq in ((cc.SEQ_NONE, 4), (9, 4), (4, 5)):
      st.skip(cc.ProtocolError(cc.WireError.BAD_FIELD, ref_seq, "bad payload"))
      self.assertEqual(st, cc.RxState(True, next_seq, 200))

  def test_encode_refuses_what_decode_rejects(self):
    T = cc.MsgType
    bad = [
        cc.Message(T.TX_QUANTUM, count=1, lanes=65, words=[0] * 65),
        cc.Message(T.TX_QUANTUM, count=0, lanes=1, words=[]),
        cc.Message(T.ERROR, code=0),
        cc.Message(T.BYE, status=3),
        cc.Message(T.REG_READ_RESP, status=2),
        cc.Message(T.SLEEP, cycle=10, until_cycle=9),
        cc.Message(T.PARKED, cycle=10, until_cycle=10),  # an empty span
        cc.Message(T.RX_PARKED, cycle=10, first_cycle=10),
        cc.Message(T.HELLO, role=2),  # adopt from a model
        cc.Message(T.HEARTBEAT, flags=1),
        cc.Message(99)
    ]
    for m in bad:
      with self.subTest(m.type):
        with self.assertRaises(ValueError):
          cc.encode(m)


if __name__ == "__main__":
  args = sys.argv[1:]
  if len(args) >= 2 and args[0] == "--helper":
    HELPER = args[1]
    args = args[2:]
  if not HELPER:
    sys.exit("usage: test_codec_interop.py --helper PATH [unittest args]")
  unittest.main(argv=[sys.argv[0], *args], verbosity=2)
