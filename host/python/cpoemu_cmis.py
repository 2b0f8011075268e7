"""The CMIS host driver for Python over cpoemu_client.Client: the C driver's calls (host/cmis,
cpo/cmis.h), making the same register accesses in the same order, and `CmisEeprom`, a
byte-addressed EEPROM over the linear space (bank * 256 + page) * 128 + byte, the interface
existing Python CMIS host stacks sit on::

    import cpoemu_client, cpoemu_cmis
    with cpoemu_client.Client(endpoint) as c:
      cmis = cpoemu_cmis.Cmis(c)
      cmis.bringup(app_sel=1)                 # every lane to DPActivated
      cmis.els()                              # the external laser source: a dict per lane
      eeprom = cpoemu_cmis.CmisEeprom(c)
      ident = eeprom.read(0, 1)               # lower page byte 0

The names come from the generated cmis_map.py (rtl/cmis/cmis.toml) and addrmap.py. Lanes in
messages are numbered from 1, as CMIS does; lists are indexed from 0.
"""
import cpoemu_analog

m = cpoemu_analog._generated("cmis_map")  # rtl/cmis/cmis.toml
_addrmap = cpoemu_analog._generated("addrmap")  # rtl/addrmap.toml

ENGINE_BASE = _addrmap.CPO_ADDRMAP_ENGINE_OE_BASE + _addrmap.CPO_ADDRMAP_CMIS_BASE
LANES_PER_BANK = m.CPO_CMIS_LANES_PER_BANK
MAX_APPS = 15
CDB_MAX_MS = 1000  # no CDB busy time is advertised: a host's own bound (as the C driver's)
# Polls: every 1/100 of the bound (1/1000 waiting for Activated), between 10 us and 10 ms, never
# sooner after a poll than its reads took (the C driver's, for the same trace).
_POLL_MIN_NS, _POLL_MAX_NS = 10_000, 10_000_000
_POLLS_PER_BOUND, _POLLS_PER_BOUND_ACTIVATION = 100, 1000
_P01_APP9 = 223
ELS_MAX_LANES = 8
NO_ELS = "the engine has no external laser source (pages 1Ah/1Bh not advertised)"


class CmisError(Exception):
  """The module did not do what was asked; the text names the lane, state and bound."""


def _be16(b, at):
  return (b[at] << 8) | b[at + 1]


def duration_code_ms(code):
  """A duration code in ms; reserved codes as the longest defined (a bound never too short)."""
  return m.duration_ms(code) if code < len(m.DURATION_MS) else m.DURATION_MS[-1]


def parse_apps(lower, p01=None):
  """Applications from page images (lists of 256 indexed by byte number): [(host_if, media_if,
  host_lanes, media_lanes, host_lane_options, media_lane_options)]."""
  apps = []
  for i in range(MAX_APPS):
    if i < 8:
      at, img = m.CPO_CMIS_LOWER_APP1_HOST_IF_OFFSET + 4 * i, lower
    elif p01 is not None:
      at, img = _P01_APP9 + 4 * (i - 8), p01
    else:
      break
    d = img[at:at + 4]
    if d[0] in (0xFF, 0x00):
      break
    media_opts = p01[m.CPO_CMIS_P01_APP1_MEDIA_LANE_OPTIONS_OFFSET + i] if p01 is not None else 0xFF
    apps.append((d[0], d[1], d[2] >> 4, d[2] & 0x0F, d[3], media_opts))
  return apps


def dp_plan(apps, app_sel, lanes):
  """How application app_sel tiles `lanes` lanes into data paths of its host lane count: the
  first lane (0-based, module-wide) of each lane's data path (the C driver's cpo_cmis_dp_plan).
  CmisError naming the application, lane and reason if it does not tile."""
  if not 1 <= app_sel <= len(apps):
    raise CmisError(f"AppSel {app_sel}: the module advertises applications 1-{len(apps)}")
  per_dp, options = apps[app_sel - 1][2], apps[app_sel - 1][4]
  if per_dp == 0 or LANES_PER_BANK % per_dp:
    raise CmisError(f"AppSel {app_sel}: {per_dp} host lanes per data path do not tile a bank "
                    f"of {LANES_PER_BANK} lanes")
  first = []
  for l in range(min(lanes, 64)):
    in_bank = l % LANES_PER_BANK
    first.append(l - in_bank % per_dp)
    if in_bank % per_dp == 0 and not options >> in_bank & 1:
      raise CmisError(f"AppSel {app_sel}: a data path of {per_dp} lanes cannot start on lane "
                      f"{l + 1} (host lane options 0x{options:02x})")
  return first


# {name: (page 01h byte, field)} of the advertised durations (cmis.toml's DUR_* bytes)
_DURATIONS = {
    "dp_init_ms": ("DUR_DP", "DP_INIT"),
    "dp_deinit_ms": ("DUR_DP", "DP_DEINIT"),
    "module_pwr_up_ms": ("DUR_MODULE", "PWR_UP"),
    "module_pwr_dn_ms": ("DUR_MODULE", "PWR_DN"),
    "dp_tx_on_ms": ("DUR_TX", "TX_ON"),
    "dp_tx_off_ms": ("DUR_TX", "TX_OFF"),
}


def parse_durations(p01):
  """{name: ms} of page 01h's advertised durations."""

  def field(byte, name):
    prefix = f"CPO_CMIS_P01_{byte}"
    mask, shift = getattr(m, f"{prefix}_{name}_MASK"), getattr(m, f"{prefix}_{name}_SHIFT")
    return duration_code_ms((p01[getattr(m, f"{prefix}_OFFSET")] & mask) >> shift)

  return {name: field(byte, f) for name, (byte, f) in _DURATIONS.items()}


def cdb_chk(hdr, lpl=b""):
  """CdbChkCode of header bytes 128-135 (all but 133) and the LPL."""
  return 0xFF - ((sum(hdr[:5]) + sum(hdr[6:8]) + sum(lpl)) & 0xFF)


def rpl_chk(rpl):
  return 0xFF - (sum(rpl) & 0xFF)


def temp_degc(b, at):
  v = _be16(b, at)
  return (v - 0x10000 if v >= 0x8000 else v) / 256.0


def vcc_v(b, at):
  return _be16(b, at) * 100e-6


def power_w(b, at):
  return _be16(b, at) * 0.1e-6


def tx_bias_a(b, at):
  return _be16(b, at) * 2e-6


def els_bias_a(b, at):
  return _be16(b, at) * 10e-6


def els_power_w(b, at):
  return _be16(b, at) * 10e-6


def els_freq_thz(b, at):
  return _be16(b, at) * 0.01


def els_state_of(p1a, lane):
  """ELS lane `lane`'s state (0-7): two bits of page 1Ah byte 221 + lane // 4."""
  b = p1a[m.CPO_CMIS_P1A_ELS_LANE_STATE_OFFSET + lane // 4]
  return (b >> (m.CPO_CMIS_P1A_ELS_LANE_STATE_LANE1_SHIFT * (lane % 4))) & \
      m.CPO_CMIS_P1A_ELS_LANE_STATE_LANE0_MASK


def els_setpoint_code(v, lsb=10e-6):
  """A setpoint in lsb units, rounded half up; None if not within 0..65535 (the C driver's
  cpo_cmis_els_setpoint_encode)."""
  code = v / lsb + 0.5
  return int(code) if 0.0 <= code < 65536.0 else None


def decode_els(p1a, p1b):
  """Pages 1Ah/1Bh images (256 bytes each, indexed by byte number) as a dict per ELS lane (the
  C driver's cpo_cmis_els_decode); the latched flags are flags()'."""
  lanes = min(p1a[m.CPO_CMIS_P1A_ELS_LANES_OFFSET], ELS_MAX_LANES)
  out = []
  for l in range(lanes):
    st = els_state_of(p1a, l)
    out.append({
        "lane": l,
        "state": _enum_or_int(m.ElsLaneState, st),
        "enabled": bool(p1a[m.CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET] >> l & 1),
        "fibre_checked": bool(p1a[m.CPO_CMIS_P1A_ELS_FIBRE_CHECKED_OFFSET] >> l & 1),
        "freq_thz": els_freq_thz(p1a, m.CPO_CMIS_P1A_ELS_LANE_FREQ_OFFSET + 2 * l),
        "mode": "power" if p1b[m.CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET] >> l & 1 else "current",
        "bias_setpoint_a": els_bias_a(p1b, m.CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET + 2 * l),
        "power_setpoint_w": els_power_w(p1b, m.CPO_CMIS_P1B_ELS_POWER_SETPOINT_OFFSET + 2 * l),
        "bias_a": els_bias_a(p1b, m.CPO_CMIS_P1B_ELS_BIAS_OFFSET + 2 * l),
        "power_w": els_power_w(p1b, m.CPO_CMIS_P1B_ELS_POWER_OFFSET + 2 * l),
        "temp_degc": temp_degc(p1b, m.CPO_CMIS_P1B_ELS_TEMP_OFFSET + 2 * l),
    })
  return out


def _enum_or_int(enum, v):
  try:
    return enum(v)
  except ValueError:
    return v


def _nibble(p11, off, lane):
  b = p11[off + lane // 2]
  return b >> 4 if lane % 2 else b & 0x0F


def _state_text(enum, v):
  try:
    return enum(v).name
  except ValueError:
    return f"a reserved state ({v})"


# page 02h: monitor -> (first threshold byte, LSB in SI units, signed)
_THRESH_UNITS = {
    "temp_degc": (m.CPO_CMIS_P02_TEMP_THRESH_OFFSET, 1.0 / 256, True),
    "vcc_v": (m.CPO_CMIS_P02_VCC_THRESH_OFFSET, 100e-6, False),
    "tx_power_w": (m.CPO_CMIS_P02_TX_POWER_THRESH_OFFSET, 0.1e-6, False),
    "tx_bias_a": (m.CPO_CMIS_P02_TX_BIAS_THRESH_OFFSET, 2e-6, False),
    "rx_power_w": (m.CPO_CMIS_P02_RX_POWER_THRESH_OFFSET, 0.1e-6, False),
}


def _put16(v, lsb, signed):
  """v in units of lsb as 16 bits big-endian, rounded half away from zero, saturated (as the C
  driver's cpo_cmis_thresholds_encode)."""
  code = int(v / lsb + (-0.5 if v < 0 else 0.5))
  lo, hi = (-32768, 32767) if signed else (0, 65535)
  return (max(lo, min(hi, code)) & 0xFFFF).to_bytes(2, "big")


class TracingClient:
  """A client that writes one line per access to `out` (a text file), the C driver's HAL trace
  format (cpo_cmis_trace_hal, `cpoemu cmis --trace`): "@CYCLE R 0xADDR 0xDATA", "@CYCLE W 0xADDR
  0xDATA" (" error N" appended if it failed), "@CYCLE S CYCLES". Everything else passes through."""

  def __init__(self, client, out):
    self._c, self._out = client, out

  def __getattr__(self, name):
    return getattr(self._c, name)

  def _access(self, kind, addr, data, call):
    cycle = self._c.now()
    try:
      v = call()
    except Exception as e:
      # The C status of a bus error (CPO_ERR_BUS); anything else ends the session anyway.
      status = -10 if "bus error" in str(e) else -1
      self._out.write(f"@{cycle} {kind} 0x{addr:08x} 0x{0 if kind == 'R' else data:08x} "
                      f"error {status}\n")
      raise
    self._out.write(f"@{cycle} {kind} 0x{addr:08x} 0x{(v if kind == 'R' else data):08x}\n")
    return v

  def read(self, addr):
    return self._access("R", addr, 0, lambda: self._c.read(addr))

  def write(self, addr, data):
    return self._access("W", addr, data, lambda: self._c.write(addr, data))

  def sleep_cycles(self, n):
    self._out.write(f"@{self._c.now()} S {n}\n")
    return self._c.sleep_cycles(n)


class Cmis:
  """The CMIS driver over a connected cpoemu_client.Client (the C driver's calls)."""

  def __init__(self, client, base=ENGINE_BASE):
    self.c = client
    self.base = base
    self._bank = self._page = None  # as last written and read back; None: unknown
    self.info = None

  # -- byte access ---------------------------------------------------------------------------
  def _rd(self, byte):
    return self.c.read(self.base + 4 * byte) & 0xFF

  def _wr(self, byte, v):
    self.c.write(self.base + 4 * byte, v & 0xFF)

  def present(self):
    """Byte 0 (the identifier); a CpoError from the client if the window answers SLVERR."""
    return self._rd(m.CPO_CMIS_LOWER_IDENTIFIER_OFFSET)

  def select(self, bank, page):
    """Write the bank (pages 10h-FFh) and page selects that differ, then read them back (not a
    bank the probe found advertised: the module takes it)."""
    if not (0 <= bank <= 255 and 0 <= page <= 255):
      raise ValueError(f"bank {bank} page {page}: each must be 0-255")
    if self.info and self.info["flat_mem"] and (page or bank):
      raise CmisError(f"page {page:02x}h: the module has flat memory (page 00h only)")
    wrote = []
    if page >= m.CPO_CMIS_PAGE_P10 and self._bank != bank:
      self._bank = None
      self._wr(m.CPO_CMIS_LOWER_BANK_SELECT_OFFSET, bank)
      if self.info and bank < self.info["banks"]:
        self._bank = bank
      else:
        wrote.append((m.CPO_CMIS_LOWER_BANK_SELECT_OFFSET, bank, "bank"))
    if self._page != page:
      self._page = None
      self._wr(m.CPO_CMIS_LOWER_PAGE_SELECT_OFFSET, page)
      wrote.append((m.CPO_CMIS_LOWER_PAGE_SELECT_OFFSET, page, "page"))
    for byte, value, what in wrote:
      got = self._rd(byte)
      if what == "bank":
        self._bank = got
      else:
        self._page = got
      if got != value:
        raise CmisError(f"the module refused {what} 0x{value:02x}: byte {byte} reads back "
                        f"0x{got:02x} (not advertised)")

  def _view(self, bank, page, byte, n):
    if byte > 255 or n > 256 - byte or (byte < 128 and byte + n > 128):
      raise ValueError(f"bytes {byte}-{byte + n - 1}: a run is within the lower page (0-127) "
                       "or the upper (128-255)")
    if byte >= 128:
      self.select(bank, page)

  def read(self, bank, page, byte, n=1):
    self._view(bank, page, byte, n)
    return bytes(self._rd(byte + k) for k in range(n))

  def write(self, bank, page, byte, data):
    data = bytes(data)
    self._view(bank, page, byte, len(data))
    for k, v in enumerate(data):
      self._wr(byte + k, v)
      if byte + k == m.CPO_CMIS_LOWER_BANK_SELECT_OFFSET:
        self._bank = None
      if byte + k == m.CPO_CMIS_LOWER_PAGE_SELECT_OFFSET:
        self._page = None

  def _runs(self, addr, n):
    while n:
      bank, page, byte = m.split_linear(addr)
      run = min(n, (128 if byte < 128 else 256) - byte)
      yield addr, bank, page, byte, run
      addr += run
      n -= run

  def read_linear(self, addr, n):
    return b"".join(self.read(b, p, byte, run) for _, b, p, byte, run in self._runs(addr, n))

  def write_linear(self, addr, data):
    data = bytes(data)
    for a, b, p, byte, run in self._runs(addr, len(data)):
      self.write(b, p, byte, data[a - addr:a - addr + run])

  def _upper(self, bank, page):
    return bytes(128) + self.read(bank, page, 128, 128)

  # -- advertising and states ----------------------------------------------------------------
  def probe(self):
    lower = bytearray(256)
    lower[0:3] = self.read(0, 0, 0, 3)
    app = m.CPO_CMIS_LOWER_APP1_HOST_IF_OFFSET
    lower[app:app + 32] = self.read(0, 0, app, 32)
    flat = bool(lower[m.CPO_CMIS_LOWER_CHARACTERISTICS_OFFSET] &
                m.CPO_CMIS_LOWER_CHARACTERISTICS_FLAT_MEM_MASK)
    self.info = None
    p01 = bytes(256) if flat else self._upper(0, m.CPO_CMIS_PAGE_P01)
    banks = 1 if flat else 1 << (
        (p01[m.CPO_CMIS_P01_BANKS_SUPPORTED_OFFSET] &
         m.CPO_CMIS_P01_BANKS_SUPPORTED_BANKS_MASK) >> m.CPO_CMIS_P01_BANKS_SUPPORTED_BANKS_SHIFT)
    info = {
        "identifier": lower[m.CPO_CMIS_LOWER_IDENTIFIER_OFFSET],
        "revision": lower[m.CPO_CMIS_LOWER_REVISION_OFFSET],
        "flat_mem": flat,
        "banks": banks,
        "lanes": banks * LANES_PER_BANK,
        "durations": parse_durations(p01),
        # page 01h byte 160: Tx bias (bit 0), Tx power (1), Rx power (2) monitored
        "mon_support": p01[m.CPO_CMIS_P01_MON_SUPPORT_OFFSET],
        "apps": parse_apps(lower, None if flat else p01),
        "els_lanes": None,  # unknown until els_lanes() asks
        "els_modes": None,
    }
    self.info = info
    return self.info

  def els_lanes(self):
    """ELS lanes (0: none), into info["els_lanes"]/["els_modes"]: the first call after each
    probe selects page 1Ah and reads bytes 128-129; a refused select (byte 127 reads back
    unchanged; no advertisement bit says so) means no external laser source. Not in probe(): a
    bring-up that never asks keeps its accesses and timing (the C driver's cpo_cmis_els_lanes)."""
    info = self._need_probe()
    if info["els_lanes"] is None:
      lanes = modes = 0
      if not info["flat_mem"]:
        try:
          lanes, modes = self.read(0, m.CPO_CMIS_PAGE_P1A, m.CPO_CMIS_P1A_ELS_LANES_OFFSET, 2)
        except CmisError:
          if self._page is None or self._page == m.CPO_CMIS_PAGE_P1A:
            raise
          # refused: not a failure, the answer
      info["els_lanes"], info["els_modes"] = min(lanes, ELS_MAX_LANES), modes
    return info["els_lanes"]

  def _need_probe(self):
    return self.info or self.probe()

  def module_state(self):
    b = self._rd(m.CPO_CMIS_LOWER_MODULE_STATE_OFFSET)
    return (b &
            m.CPO_CMIS_LOWER_MODULE_STATE_STATE_MASK) >> m.CPO_CMIS_LOWER_MODULE_STATE_STATE_SHIFT

  def _dp_states_of_bank(self, bank):
    raw = self.read(bank, m.CPO_CMIS_PAGE_P11, m.CPO_CMIS_P11_DP_STATE_OFFSET,
                    m.CPO_CMIS_P11_DP_STATE_COUNT)
    return [_nibble(raw, 0, l) for l in range(LANES_PER_BANK)]

  def dp_states(self):
    info = self._need_probe()
    states = []
    for bank in range(info["banks"]):
      states += self._dp_states_of_bank(bank)
    return states

  # -- waits in simulated time ---------------------------------------------------------------
  def _wait_start(self, bound_ms, polls_per_bound=_POLLS_PER_BOUND):
    poll_ns = min(max(bound_ms * 1_000_000 // polls_per_bound, _POLL_MIN_NS), _POLL_MAX_NS)
    start = self.c.now()
    # [start, deadline, poll period, when the poll now ending began] in cycles
    return [
        start, start + self.c.ns_to_cycles(bound_ms * 1_000_000),
        self.c.ns_to_cycles(poll_ns), start
    ]

  def _wait_next(self, w):
    """True to poll again after a sleep, False once the bound has passed. As the C driver's
    cpo_cmis_wait_next: never sooner after a poll than its own reads took."""
    now = self.c.now()
    if now >= w[1]:
      return False
    self.c.sleep_cycles(max(w[2], now - w[3]))
    w[3] = self.c.now()
    return True

  def _elapsed_ms(self, w):
    return (self.c.now() - w[0]) * self.c.config.cycle_s() * 1e3

  def _wait_module(self, want, bound_ms, bound_name):
    w = self._wait_start(bound_ms)
    while True:
      st = self.module_state()
      if st == want:
        return
      if st == m.ModuleState.FAULT:
        self.check_fault()
      if not self._wait_next(w):
        raise CmisError(f"module: {_state_text(m.ModuleState, st)} ({st}) after "
                        f"{self._elapsed_ms(w):.3f} ms; expected {m.ModuleState(want).name} "
                        f"within {bound_name} = {bound_ms} ms")

  def _wait_dp(self, want, bound_ms, bound_name):
    """As the C driver's s_wait_dp: the banks in order, each poll no further than the first bank
    not yet in @want; a bank seen there is not read again."""
    w = self._wait_start(
        bound_ms, _POLLS_PER_BOUND_ACTIVATION if want == m.DpState.ACTIVATED else _POLLS_PER_BOUND)
    banks = self._need_probe()["banks"]
    states = [0] * (banks * LANES_PER_BANK)
    there = [False] * banks
    there_before = None  # lanes there at the poll before
    while True:
      for bank in range(banks):
        if there[bank]:
          continue
        got = self._dp_states_of_bank(bank)
        states[bank * LANES_PER_BANK:(bank + 1) * LANES_PER_BANK] = got
        there[bank] = all(s == want for s in got)
        if not there[bank]:
          break
      bad = [l for l, s in enumerate(states) if s != want]
      if not bad:
        return
      # as the C driver: a poll that found more lanes there than the one before polls again at
      # once for the rest, within the bound
      lanes_there = len(states) - len(bad)
      progress = there_before is not None and lanes_there > there_before
      there_before = lanes_there
      if progress and self.c.now() < w[1]:
        w[3] = self.c.now()
        continue
      if not self._wait_next(w):
        st = states[bad[0]]
        text = (f"lane {bad[0] + 1}: {_state_text(m.DpState, st)} ({st}) after "
                f"{self._elapsed_ms(w):.3f} ms; expected {m.DpState(want).name} within "
                f"{bound_name} = {bound_ms} ms")
        mst = self.module_state()
        if mst != m.ModuleState.READY:
          text += f" (module: {_state_text(m.ModuleState, mst)})"
        raise CmisError(text)

  def _wait_config(self, app_sel, bound_ms):
    w = self._wait_start(bound_ms)
    while True:
      pending = None
      for bank in range(self.info["banks"]):
        raw = self.read(bank, m.CPO_CMIS_PAGE_P11, m.CPO_CMIS_P11_CONFIG_STATUS_OFFSET,
                        m.CPO_CMIS_P11_CONFIG_STATUS_COUNT)
        for l in range(LANES_PER_BANK):
          st, lane = _nibble(raw, 0, l), bank * LANES_PER_BANK + l
          if m.ConfigStatus.REJECTED <= st <= m.ConfigStatus.REJECTED_PARTIAL_DATA_PATH:
            raise CmisError(f"lane {lane + 1}: AppSel {app_sel}: {m.ConfigStatus(st).name} "
                            f"(config status {st})")
          if st != m.ConfigStatus.SUCCESS and pending is None:
            pending = (lane, st)
      if pending is None:
        return
      if not self._wait_next(w):
        raise CmisError(f"lane {pending[0] + 1}: config status {pending[1]} after "
                        f"{self._elapsed_ms(w):.3f} ms; expected ConfigSuccess within "
                        f"MaxDurationDPInit = {bound_ms} ms")

  # -- module control and bring-up -----------------------------------------------------------
  def _module_control(self, clear, set_):
    off = m.CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET
    v = self.read(0, 0, off)[0]
    nv = (v & ~clear & ~m.CPO_CMIS_LOWER_MODULE_CONTROL_SOFTWARE_RESET_MASK & 0xFF) | set_
    if nv != v:
      self.write(0, 0, off, [nv])

  def set_low_power(self, low_power):
    info = self._need_probe()
    mask = m.CPO_CMIS_LOWER_MODULE_CONTROL_LOW_PWR_REQUEST_SW_MASK
    self._module_control(0 if low_power else mask, mask if low_power else 0)
    d = info["durations"]
    if low_power:
      self._wait_module(m.ModuleState.LOW_PWR, d["module_pwr_dn_ms"], "MaxDurationModulePwrDn")
    else:
      self._wait_module(m.ModuleState.READY, d["module_pwr_up_ms"], "MaxDurationModulePwrUp")

  def _p10_all(self, byte, v):
    for bank in range(self.info["banks"]):
      self.write(bank, m.CPO_CMIS_PAGE_P10, byte, [v])

  def bringup(self, app_sel=1):
    """Every lane to DPActivated on application app_sel, as the C driver's cpo_cmis_bringup."""
    info = self._need_probe()
    if info["flat_mem"]:
      raise CmisError("the module has flat memory: no data paths to bring up")
    first = dp_plan(info["apps"], app_sel, info["lanes"])
    if self.module_state() == m.ModuleState.FAULT:
      self.check_fault()
    d = info["durations"]
    self._p10_all(m.CPO_CMIS_P10_DP_DEINIT_OFFSET, 0xFF)
    self._p10_all(m.CPO_CMIS_P10_TX_DISABLE_OFFSET, 0xFF)
    self.set_low_power(False)
    self._wait_dp(m.DpState.DEACTIVATED, d["dp_tx_off_ms"] + d["dp_deinit_ms"],
                  "MaxDurationDPTxTurnOff + MaxDurationDPDeinit")
    for bank in range(info["banks"]):
      staged = [(app_sel << m.CPO_CMIS_P10_STAGED0_CONFIG_APP_SEL_SHIFT) |
                ((first[bank * LANES_PER_BANK + l] % LANES_PER_BANK) <<
                 m.CPO_CMIS_P10_STAGED0_CONFIG_DP_ID_SHIFT) for l in range(LANES_PER_BANK)]
      self.write(bank, m.CPO_CMIS_PAGE_P10, m.CPO_CMIS_P10_STAGED0_CONFIG_OFFSET, staged)
      self.write(bank, m.CPO_CMIS_PAGE_P10, m.CPO_CMIS_P10_APPLY_DP_INIT_OFFSET, [0xFF])
    self._wait_config(app_sel, d["dp_init_ms"])
    self._p10_all(m.CPO_CMIS_P10_DP_DEINIT_OFFSET, 0x00)
    self._wait_dp(m.DpState.INITIALIZED, d["dp_init_ms"], "MaxDurationDPInit")
    self._p10_all(m.CPO_CMIS_P10_TX_DISABLE_OFFSET, 0x00)
    self._wait_dp(m.DpState.ACTIVATED, d["dp_tx_on_ms"], "MaxDurationDPTxTurnOn")

  # -- monitors, thresholds, flags -----------------------------------------------------------
  def monitors(self):
    """{"temp_degc", "vcc_v", "tx_bias_a": [...], "tx_power_w": [...], "rx_power_w": [...]}"""
    info = self._need_probe()
    low = self.read(0, 0, m.CPO_CMIS_LOWER_TEMPERATURE_OFFSET, 4)
    out = {
        "temp_degc": temp_degc(low, 0),
        "vcc_v": vcc_v(low, 2),
        "tx_bias_a": [],
        "tx_power_w": [],
        "rx_power_w": []
    }
    first = m.CPO_CMIS_P11_TX_POWER_OFFSET
    n = m.CPO_CMIS_P11_RX_POWER_OFFSET + m.CPO_CMIS_P11_RX_POWER_COUNT - first
    for bank in range(info["banks"]):
      p11 = bytes(first) + self.read(bank, m.CPO_CMIS_PAGE_P11, first, n)
      for l in range(LANES_PER_BANK):
        out["tx_power_w"].append(power_w(p11, m.CPO_CMIS_P11_TX_POWER_OFFSET + 2 * l))
        out["tx_bias_a"].append(tx_bias_a(p11, m.CPO_CMIS_P11_TX_BIAS_OFFSET + 2 * l))
        out["rx_power_w"].append(power_w(p11, m.CPO_CMIS_P11_RX_POWER_OFFSET + 2 * l))
    return out

  def thresholds(self):
    """{monitor: (high alarm, low alarm, high warning, low warning)} in SI units."""
    first = m.CPO_CMIS_P02_TEMP_THRESH_OFFSET
    n = m.CPO_CMIS_P02_RX_POWER_THRESH_OFFSET + m.CPO_CMIS_P02_RX_POWER_THRESH_COUNT - first
    p02 = bytes(first) + self.read(0, m.CPO_CMIS_PAGE_P02, first, n)
    table = {
        "temp_degc": (m.CPO_CMIS_P02_TEMP_THRESH_OFFSET, temp_degc),
        "vcc_v": (m.CPO_CMIS_P02_VCC_THRESH_OFFSET, vcc_v),
        "tx_power_w": (m.CPO_CMIS_P02_TX_POWER_THRESH_OFFSET, power_w),
        "tx_bias_a": (m.CPO_CMIS_P02_TX_BIAS_THRESH_OFFSET, tx_bias_a),
        "rx_power_w": (m.CPO_CMIS_P02_RX_POWER_THRESH_OFFSET, power_w)
    }
    return {k: tuple(f(p02, off + 2 * i) for i in range(4)) for k, (off, f) in table.items()}

  def set_thresholds(self, th):
    """Write page 02h's thresholds from {monitor: (high alarm, low alarm, high warning, low
    warning)} in SI units (thresholds()' form; monitors left out keep what the module holds)."""
    cur = self.thresholds()
    cur.update(th)
    first = m.CPO_CMIS_P02_TEMP_THRESH_OFFSET
    img = bytearray(256)
    for key, (off, lsb, signed) in _THRESH_UNITS.items():
      for i, v in enumerate(cur[key]):
        img[off + 2 * i:off + 2 * i + 2] = _put16(v, lsb, signed)
    a, b = first, m.CPO_CMIS_P02_TX_POWER_THRESH_OFFSET
    self.write(0, m.CPO_CMIS_PAGE_P02, a,
               img[a:m.CPO_CMIS_P02_VCC_THRESH_OFFSET + m.CPO_CMIS_P02_VCC_THRESH_COUNT])
    self.write(0, m.CPO_CMIS_PAGE_P02, b,
               img[b:m.CPO_CMIS_P02_RX_POWER_THRESH_OFFSET + m.CPO_CMIS_P02_RX_POWER_THRESH_COUNT])

  def set_lane_mask(self, flag_byte, lanes):
    """Mask page 11h lane flag byte flag_byte (134-152) for the lanes of the bit mask lanes,
    unmask it for the others (page 10h byte 213 + flag_byte - 134 of every bank)."""
    info = self._need_probe()
    first = m.CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET
    if not first <= flag_byte < first + m.CPO_CMIS_P10_LANE_FLAG_MASKS_COUNT:
      raise CmisError(f"page 11h byte {flag_byte} is not a lane flag "
                      f"({first}-{first + m.CPO_CMIS_P10_LANE_FLAG_MASKS_COUNT - 1})")
    for bank in range(info["banks"]):
      self.write(bank, m.CPO_CMIS_PAGE_P10,
                 m.CPO_CMIS_P10_LANE_FLAG_MASKS_OFFSET + flag_byte - first,
                 [(lanes >> (bank * LANES_PER_BANK)) & 0xFF])

  def interrupt(self):
    """IntL asserted: an unmasked latched flag is set (lower byte 3 bit 0 low)."""
    return not self._rd(
        m.CPO_CMIS_LOWER_MODULE_STATE_OFFSET) & (m.CPO_CMIS_LOWER_MODULE_STATE_INTL_DEASSERTED_MASK)

  def flags(self):
    """Read (and so clear) the latched flags: {"module", "temp_vcc", per-lane masks, and
    "els_state_changed", "els_lane_fault" (page 1Ah; 0 without an external laser source)}."""
    info = self._need_probe()
    low = self.read(0, 0, m.CPO_CMIS_LOWER_MODULE_FLAGS_OFFSET, 2)
    f = {
        "module": low[0],
        "temp_vcc": low[1],
        "dp_state_changed": 0,
        "tx_fault": 0,
        "tx_los": 0,
        "tx_cdr_lol": 0,
        "rx_los": 0,
        "rx_cdr_lol": 0,
        "tx_power": [0] * 4,
        "tx_bias": [0] * 4,
        "rx_power": [0] * 4
    }
    first = m.CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET
    n = m.CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET + m.CPO_CMIS_P11_RX_POWER_FLAGS_COUNT - first
    for bank in range(info["banks"]):
      p11 = bytes(first) + self.read(bank, m.CPO_CMIS_PAGE_P11, first, n)
      sh = bank * LANES_PER_BANK
      for key, off in (("dp_state_changed", m.CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET),
                       ("tx_fault", m.CPO_CMIS_P11_TX_FAULT_OFFSET), ("tx_los",
                                                                      m.CPO_CMIS_P11_TX_LOS_OFFSET),
                       ("tx_cdr_lol",
                        m.CPO_CMIS_P11_TX_CDR_LOL_OFFSET), ("rx_los", m.CPO_CMIS_P11_RX_LOS_OFFSET),
                       ("rx_cdr_lol", m.CPO_CMIS_P11_RX_CDR_LOL_OFFSET)):
        f[key] |= p11[off] << sh
      for k in range(4):
        f["tx_power"][k] |= p11[m.CPO_CMIS_P11_TX_POWER_FLAGS_OFFSET + k] << sh
        f["tx_bias"][k] |= p11[m.CPO_CMIS_P11_TX_BIAS_FLAGS_OFFSET + k] << sh
        f["rx_power"][k] |= p11[m.CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET + k] << sh
    f["els_state_changed"] = f["els_lane_fault"] = 0
    if self.els_lanes():
      first = m.CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET
      b = self.read(0, m.CPO_CMIS_PAGE_P1A, first, m.CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET + 1 - first)
      f["els_state_changed"], f["els_lane_fault"] = b[0], b[1]
    return f

  # -- the external laser source: pages 1Ah/1Bh (the C driver's cpo_cmis_els_*) ----------------
  def _need_els(self):
    if not self.els_lanes():
      raise CmisError(NO_ELS)
    return self.info

  def _els_run(self, img, page, first, end):
    img[first:end] = self.read(0, page, first, end - first)

  def els(self):
    """The ELS lanes (pages 1Ah/1Bh) as a list of dicts, one per lane: lane (0-based), state
    (ElsLaneState), enabled, fibre_checked, freq_thz, mode ("power" or "current"),
    bias_setpoint_a, power_setpoint_w, bias_a, power_w, temp_degc. Reads neither latched flag
    (bytes 200-201): flags() does. CmisError if the engine has no external laser source."""
    info = self._need_els()
    p1a, p1b = bytearray(256), bytearray(256)
    p1a[m.CPO_CMIS_P1A_ELS_LANES_OFFSET] = info["els_lanes"]  # constant: as probed
    p1a[m.CPO_CMIS_P1A_ELS_CONTROL_MODES_OFFSET] = info["els_modes"]
    masks = m.CPO_CMIS_P1A_ELS_FLAG_MASKS_OFFSET
    freq = m.CPO_CMIS_P1A_ELS_LANE_FREQ_OFFSET
    self._els_run(p1a, m.CPO_CMIS_PAGE_P1A, masks, masks + m.CPO_CMIS_P1A_ELS_FLAG_MASKS_COUNT)
    self._els_run(p1a, m.CPO_CMIS_PAGE_P1A, m.CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET,
                  m.CPO_CMIS_P1A_ELS_FIBRE_CHECKED_OFFSET + m.CPO_CMIS_P1A_ELS_FIBRE_CHECKED_COUNT)
    self._els_run(p1a, m.CPO_CMIS_PAGE_P1A, freq, freq + m.CPO_CMIS_P1A_ELS_LANE_FREQ_COUNT)
    self._els_run(p1b, m.CPO_CMIS_PAGE_P1B, m.CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET,
                  m.CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET + m.CPO_CMIS_P1B_ELS_CONTROL_MODE_COUNT)
    self._els_run(p1b, m.CPO_CMIS_PAGE_P1B, m.CPO_CMIS_P1B_ELS_BIAS_OFFSET,
                  m.CPO_CMIS_P1B_ELS_TEMP_OFFSET + m.CPO_CMIS_P1B_ELS_TEMP_COUNT)
    return decode_els(p1a, p1b)

  def set_els_enable(self, mask):
    """Let the ELS lanes of the bit mask emit, switch the others off (page 1Ah byte 220)."""
    self._need_els()
    self.write(0, m.CPO_CMIS_PAGE_P1A, m.CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET, [mask & 0xFF])

  def set_els_setpoint(self, lane, bias_a=None, power_w=None, mode=None):
    """ELS lane `lane` (0-based): bias_a (current control's drive, 10 uA steps, 0 the product's
    nominal), power_w (power control's output, 10 uW steps, 0 as measured at bring-up), None to
    leave one as it is; then mode "current" or "power" (None: as it is). CmisError, before any
    write, for a lane the source does not have, a value beyond 0-0.65535, a mode not advertised."""
    info = self._need_els()
    lanes, modes = info["els_lanes"], info["els_modes"]
    if not 0 <= lane < lanes:
      raise CmisError(f"ELS lane {lane + 1}: the source has lanes 1-{lanes}")
    need = {
        None: 0,
        "current": m.CPO_CMIS_P1A_ELS_CONTROL_MODES_CURRENT_MASK,
        "power": m.CPO_CMIS_P1A_ELS_CONTROL_MODES_POWER_MASK
    }
    if mode not in need:
      raise ValueError(f"ELS mode {mode!r}: None, 'current' or 'power'")
    if mode is not None and not modes & need[mode]:
      num = 1 if mode == "current" else 2  # the C driver's cpo_cmis_els_mode_t
      raise CmisError(f"ELS lane {lane + 1}: control mode {num} not advertised "
                      f"(modes 0x{modes:02x})")
    codes = []
    for what, unit, v, off in (("bias", "A", bias_a, m.CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET),
                               ("power", "W", power_w, m.CPO_CMIS_P1B_ELS_POWER_SETPOINT_OFFSET)):
      if v is None:
        continue
      code = els_setpoint_code(v)
      if code is None:
        raise CmisError(f"ELS lane {lane + 1}: {what} setpoint {v:g} {unit} is not within "
                        f"0-0.65535 {unit} (10 u{unit} steps)")
      codes.append((off + 2 * lane, code))
    for off, code in codes:
      self.write(0, m.CPO_CMIS_PAGE_P1B, off, code.to_bytes(2, "big"))
    if mode is None:
      return
    off = m.CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET  # last: power control finds its setpoint set
    v = self.read(0, m.CPO_CMIS_PAGE_P1B, off)[0]
    nv = v | 1 << lane if mode == "power" else v & ~(1 << lane) & 0xFF
    if nv != v:
      self.write(0, m.CPO_CMIS_PAGE_P1B, off, [nv])

  def set_els_flag_mask(self, flag_byte, lanes):
    """Mask ELS flag byte flag_byte of page 1Ah (200 state changed, 201 lane fault) for the ELS
    lanes of the bit mask lanes, unmask it for the others (byte 208 + flag_byte - 200)."""
    self._need_els()
    first = m.CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET
    if not first <= flag_byte < first + m.CPO_CMIS_P1A_ELS_FLAG_MASKS_COUNT:
      raise CmisError(f"page 1Ah byte {flag_byte} is not an ELS flag "
                      f"({first}-{first + m.CPO_CMIS_P1A_ELS_FLAG_MASKS_COUNT - 1})")
    self.write(0, m.CPO_CMIS_PAGE_P1A, m.CPO_CMIS_P1A_ELS_FLAG_MASKS_OFFSET + flag_byte - first,
               [lanes & 0xFF])

  # -- CDB, faults, reset --------------------------------------------------------------------
  def cdb(self, cmd, lpl=b""):
    """Run CDB command cmd; the RPL (bytes). CmisError if it fails or its check code is wrong."""
    lpl = bytes(lpl)
    if len(lpl) > m.CPO_CMIS_P9F_CDB_PAYLOAD_COUNT:
      raise ValueError(f"CDB {cmd:04X}h: LPL of {len(lpl)} bytes, at most 120")
    p, at = m.CPO_CMIS_PAGE_P9F, m.CPO_CMIS_P9F_CDB_CMD_OFFSET
    hdr = [cmd >> 8, cmd & 0xFF, 0, 0, len(lpl), 0, 0, 0]
    hdr[5] = cdb_chk(hdr, lpl)
    self.write(0, p, at + 2, hdr[2:])
    if lpl:
      self.write(0, p, m.CPO_CMIS_P9F_CDB_PAYLOAD_OFFSET, lpl)
    self.write(0, p, at, hdr[:2])
    w = self._wait_start(CDB_MAX_MS)
    while True:
      st = self.read(0, 0, m.CPO_CMIS_LOWER_CDB_STATUS_OFFSET)[0]
      if not st & m.CPO_CMIS_LOWER_CDB_STATUS_BUSY_MASK:
        break
      if not self._wait_next(w):
        raise CmisError(f"CDB {cmd:04X}h: still busy (status 0x{st:02x}) after "
                        f"{self._elapsed_ms(w):.3f} ms (bound {CDB_MAX_MS} ms)")
    if st != m.CdbStatus.SUCCESS:
      raise CmisError(f"CDB {cmd:04X}h failed: status 0x{st:02x} ({_state_text(m.CdbStatus, st)})")
    n, chk = self.read(0, p, m.CPO_CMIS_P9F_CDB_RPL_LEN_OFFSET, 2)
    if n > m.CPO_CMIS_P9F_CDB_PAYLOAD_COUNT:
      raise CmisError(f"CDB {cmd:04X}h: RPL length {n}, at most 120")
    rpl = self.read(0, p, m.CPO_CMIS_P9F_CDB_PAYLOAD_OFFSET, n) if n else b""
    if rpl_chk(rpl) != chk:
      raise CmisError(f"CDB {cmd:04X}h: RPL check code 0x{chk:02x}, but its {n} bytes sum to "
                      f"check code 0x{rpl_chk(rpl):02x}")
    return rpl

  def cdb_query_status(self):
    return self.cdb(m.CdbCmd.QUERY_STATUS)[0]

  def cdb_fw_info(self):
    r = self.cdb(m.CdbCmd.GET_FW_INFO)
    return {
        "image_status": r[0],
        "image_info": r[1],
        "a_major": r[2],
        "a_minor": r[3],
        "a_build": (r[4] << 8) | r[5]
    }

  def check_fault(self):
    """CmisError naming the cause if the module is in ModuleFault or has a latched fault."""
    st = self.module_state()
    cause = self.read(0, 0, m.CPO_CMIS_LOWER_FAULT_CAUSE_OFFSET)[0]
    flags = self.read(0, 0, m.CPO_CMIS_LOWER_MODULE_FLAGS_OFFSET)[0]
    fw = flags & m.CPO_CMIS_LOWER_MODULE_FLAGS_FW_FAULT_MASK
    dp_fw = flags & m.CPO_CMIS_LOWER_MODULE_FLAGS_DP_FW_FAULT_MASK
    if st != m.ModuleState.FAULT and not fw and not dp_fw:
      return
    raise CmisError(f"module fault: {_state_text(m.ModuleState, st)}, fault cause 0x{cause:02x}" +
                    (", module firmware fault latched" if fw else "") +
                    (", data-path firmware fault latched" if dp_fw else ""))

  def hold_to_end(self):
    """Sleep to the run's last cycle (as `cpoemu cmis --hold-to-end`): the rtl skips a parked
    tail while its host sleeps; after the host has gone, it clocks it."""
    last, now = self.c.config.total_cycles - 1, self.c.now()
    if now < last:
      self.c.sleep_cycles(last - now)

  def reset(self):
    info = self._need_probe()
    self._module_control(0, m.CPO_CMIS_LOWER_MODULE_CONTROL_SOFTWARE_RESET_MASK)
    self._bank = self._page = None
    self._wait_module(m.ModuleState.LOW_PWR, info["durations"]["module_pwr_up_ms"],
                      "MaxDurationModulePwrUp")


class CmisEeprom:
  """A byte-addressed EEPROM over CMIS's linear space: offset (bank * 256 + page) * 128 + byte
  (byte 128-255; 0-127 the lower page), as Linux's module EEPROM interface and the Python CMIS
  stacks address it. Page and bank selects are written (and read back) as needed."""

  def __init__(self, client, base=ENGINE_BASE):
    self.cmis = client if isinstance(client, Cmis) else Cmis(client, base)

  def read(self, offset, num_bytes):
    return self.cmis.read_linear(offset, num_bytes)

  def write(self, offset, data):
    self.cmis.write_linear(offset, data)
    return True
