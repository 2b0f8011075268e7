// The engine's CMIS management interface (rtl/cmis/README.md): the memory map of
// rtl/cmis/cmis.toml (cpo_cmis_pkg, generated) behind an APB3 port, one byte per 32-bit word
// (word k = byte k of the current view: lower page, then the upper page selected by bytes 126/127),
// the module and per-lane data-path state machines, monitors with latched flags, and CDB.
//
// Time: every timer is a compare against cycle_i (the harness's datapath cycle number, which may
// jump while the design is parked), never a count of clocks. next_event_o is the earliest cycle
// at which the block acts on its own (cycle_i itself when it has something to do at the next
// edge; all ones when nothing is armed): the harness must not skip past it. After changing an
// input (cal_done_i, tx_lol_i, rx_lock_i, fault_i, the monitor codes) the harness clocks at least
// once.
//
// Management bus: each access costs the bus time of its frame (README.md), at the bit times the
// profile's bus gives (bus_bit_ps_i, bus_header_bit_ps_i): PREADY stays low until cycle_i reaches
// the access's end.
module cpo_cmis
  import cpo_apb_pkg::*;
  import cpo_cmis_pkg::*;
#(
  parameter int unsigned NumLanes = 8,  // host lanes, a multiple of 8: banks = NumLanes / 8
  // media lanes: NumLanes / NumMediaLanes (1, 2, 4 or 8) host lanes share one (a gearbox), and
  // application 1's data paths have that many host lanes and one media lane
  parameter int unsigned NumMediaLanes = NumLanes,
  // Real durations (us); each must be within what page 01h advertises (checked below).
  parameter int unsigned PwrUpUs = 200_000,  // laser warm-up and bias settle (adv. 500 ms)
  parameter int unsigned PwrDnUs = 5_000,  // (adv. 10 ms)
  parameter int unsigned DpInitMinUs = 20_000,  // ring lock before calibration can be done
  parameter int unsigned DpDeinitUs = 500,  // (adv. 1 ms)
  parameter int unsigned TxTurnOnUs = 5_000,  // (adv. 10 ms)
  parameter int unsigned TxTurnOffUs = 500,  // (adv. 1 ms)
  parameter int unsigned CdbUs = 1_000,  // CDB command execution
  parameter int unsigned MonPeriodUs = 10_000,  // monitor and flag update period
  // Status from the monitors (README.md): a laser driven (drive code above zero) but emitting
  // less than TxFaultPower (0.1 uW: 100 uW) by its own monitor has a laser fault (the module goes
  // to Fault); a lane whose laser is driven but whose tap reads less has a Tx fault; a lane
  // receiving less than RxLosPower (0.1 uW: 20 uW, -17 dBm) has lost its signal.
  parameter int unsigned TxFaultPower = 1000,
  parameter int unsigned RxLosPower = 200,
  // An ELS lane that is on (the firmware says) but emits less than ElsFaultPower (10 uW: 1 mW)
  // has a lane fault (page 1Ah byte 201): its laser or its fibre to the engine failed.
  parameter int unsigned ElsFaultPower = 100,
  // Monitor conversions value = (code * scale + offset) >>> 16, from cmis.toml's [[monitor]]s
  parameter longint TempScaleQ16 = CPO_CMIS_MON_TEMPERATURE_SCALE_Q16,
  parameter longint TempOffsetQ16 = CPO_CMIS_MON_TEMPERATURE_OFFSET_Q16,
  parameter longint VccScaleQ16 = CPO_CMIS_MON_VCC_SCALE_Q16,
  parameter longint VccOffsetQ16 = CPO_CMIS_MON_VCC_OFFSET_Q16,
  parameter longint TxBiasScaleQ16 = CPO_CMIS_MON_TX_BIAS_SCALE_Q16,
  parameter longint TxBiasOffsetQ16 = CPO_CMIS_MON_TX_BIAS_OFFSET_Q16,
  parameter longint LaserPowerScaleQ16 = CPO_CMIS_MON_LASER_POWER_SCALE_Q16,
  parameter longint LaserPowerOffsetQ16 = CPO_CMIS_MON_LASER_POWER_OFFSET_Q16,
  parameter longint RxPowerScaleQ16 = CPO_CMIS_MON_RX_POWER_SCALE_Q16,
  parameter longint RxPowerOffsetQ16 = CPO_CMIS_MON_RX_POWER_OFFSET_Q16,
  parameter longint ElsBiasScaleQ16 = CPO_CMIS_MON_ELS_BIAS_SCALE_Q16,
  parameter longint ElsBiasOffsetQ16 = CPO_CMIS_MON_ELS_BIAS_OFFSET_Q16,
  parameter longint ElsPowerScaleQ16 = CPO_CMIS_MON_ELS_POWER_SCALE_Q16,
  parameter longint ElsPowerOffsetQ16 = CPO_CMIS_MON_ELS_POWER_OFFSET_Q16,
  parameter longint ElsTempScaleQ16 = CPO_CMIS_MON_ELS_TEMP_SCALE_Q16,
  parameter longint ElsTempOffsetQ16 = CPO_CMIS_MON_ELS_TEMP_OFFSET_Q16
) (
  input  logic clk_i,
  input  logic rst_ni,
  input  apb_req_t req_i,  // paddr[9:2] = the byte; paddr[22:10] != 0 or paddr[1:0] != 0: PSLVERR
  output apb_rsp_t rsp_o,
  input  logic [63:0] cycle_i,
  input  logic [31:0] cycles_per_us_i,  // datapath cycles per microsecond, Q16.16
  // The management bus, constants of the run: a bit's time (ps), and that of the address header
  // after a START (a two-wire interface: the same; I3C SDR: its open-drain phase)
  input  logic [31:0] bus_bit_ps_i,
  input  logic [31:0] bus_header_bit_ps_i,
  output logic [63:0] next_event_o,
  // an access is under way and waits only on its bus time, which ends at next_event_o: nothing
  // happens before then, so the harness may skip to it
  output logic bus_wait_o,
  input  logic [NumMediaLanes-1:0] cal_done_i,  // per media lane: DPInit's calibration is done
  input  logic [NumMediaLanes-1:0] tx_lol_i,  // per media lane: the firmware reports Tx LOL
  input  logic [NumLanes-1:0] rx_lock_i,  // per host lane: what the Rx path delivers is recovered
  input  logic fault_i,  // an engine fault: the module goes to Fault
  input  logic [15:0] temp_code_i,  // ADC mod_temp of the module's reference lane
  input  logic [15:0] vcc_code_i,  // supply monitor, 1 mV
  // per laser (the engine's own: one per media lane; an external source's: ELS lane i is laser
  // i): its drive current code and its power monitor's ADC code
  input  logic [NumMediaLanes-1:0][15:0] tx_bias_code_i,
  input  logic [NumMediaLanes-1:0][15:0] tx_power_code_i,
  // per media lane: the tap photodiode's ADC code before the modulator, and the engine's
  // calibration of it (Tx power in 0.1 uW per code, Q16.16, a constant of the run)
  input  logic [NumMediaLanes-1:0][15:0] tx_tap_code_i,
  input  logic [31:0] tx_tap_scale_q16_i,
  input  logic [NumMediaLanes-1:0][15:0] rx_power_code_i,  // its Rx power ADC code
  // The external laser source (pages 1Ah/1Bh, README.md): its lanes (lasers; 0: none, the pages
  // are not advertised), their nominal frequency (10 GHz), what the firmware reports of them
  // (two state bits per lane: cpo_cmis_els_lane_state_t; fibre checked), and each laser's
  // temperature ADC code; ELS lane i's drive and power are tx_bias_code_i[i], tx_power_code_i[i].
  // An engine with a source has no laser per lane: it does not advertise Tx bias (page 01h byte
  // 160), and media lane l is fed by ELS lane l / (NumMediaLanes / els_lanes_i).
  input  logic [3:0] els_lanes_i,
  input  logic [15:0] els_freq_i,
  input  logic [15:0] els_state_i,
  input  logic [7:0] els_fibre_i,
  input  logic [NumMediaLanes-1:0][15:0] els_temp_code_i,
  // the source's lanes (bit i: ELS lane i exists); what the host set: lanes enabled, lanes in
  // power control, setpoints (10 uA, 10 uW)
  output logic [7:0] els_lane_mask_o,
  output logic [7:0] els_enable_o,
  output logic [7:0] els_power_mode_o,
  output logic [7:0][15:0] els_bias_set_o,
  output logic [7:0][15:0] els_power_set_o,
  output logic [7:0] els_set_written_o,  // a cycle's pulse: the host wrote lane i's setpoints/mode
  output logic [NumMediaLanes-1:0] stream_en_o,  // the media lane's data path is Activated
  // the module has left LowPwr since the last hard reset: a CMIS host manages the data paths
  // (sticky through a software reset, which returns every lane to Deactivated)
  output logic managed_o,
  // observation (waveforms, plots): the module state and each lane's data-path state, coded as
  // CMIS codes them (lower page byte 3, page 11h bytes 128-...)
  output logic [2:0] module_state_o,
  output logic [NumLanes-1:0][3:0] dp_state_o
);
  localparam int unsigned NumBanks = NumLanes / CPO_CMIS_LANES_PER_BANK;
  localparam int unsigned Lpb = CPO_CMIS_LANES_PER_BANK;
  localparam int unsigned Ratio = NumLanes / NumMediaLanes;  // host lanes per data path
  localparam logic [63:0] Never = '1;
  localparam int unsigned ElsMax = 8;  // ELS lanes pages 1Ah/1Bh describe
  // Bit times of one byte access (README.md): a random read is START, the address (W), the byte
  // offset, repeated START, the address (R), the data, STOP; a write is START, address, offset,
  // data, STOP; a byte that continues the previous access is 9 bits. Of each frame, the START and
  // the first address with its acknowledge are the header (HeaderBits).
  localparam int unsigned ReadBits = 39, WriteBits = 29, NextBits = 9, HeaderBits = 10;

  if (NumLanes % Lpb != 0 || NumBanks < 1 || NumBanks > CPO_CMIS_MAX_BANKS) begin : g_lanes_err
    $error("cpo_cmis: NumLanes %0d is not 8, 16, ... %0d", NumLanes, 8 * CPO_CMIS_MAX_BANKS);
  end
  if (NumMediaLanes * Ratio != NumLanes || !(Ratio inside {1, 2, 4, 8})) begin : g_ratio_err
    $error("cpo_cmis: %0d host lanes on %0d media lanes is not 1, 2, 4 or 8 per media lane",
           NumLanes, NumMediaLanes);
  end
  // Application 1 (README.md): one data path per media lane, Ratio host lanes each, starting on
  // every Ratio-th host lane; a 1:1 engine is 200GAUI-1 to 200GBASE-DR1, a gearbox (host side the
  // D2D link) a vendor-specific code (SFF-8024's custom range) on both sides.
  localparam logic [7:0] App1HostIf = Ratio == 1 ? 8'h80 : 8'hc0;  // 200GAUI-1
  localparam logic [7:0] App1MediaIf = Ratio == 1 ? 8'h73 : 8'hc0;  // 200GBASE-DR1
  localparam logic [7:0] App1LaneCounts = 8'((Ratio << 4) | 1);
  localparam logic [7:0] App1HostLaneOptions = Ratio == 1 ? 8'hff : Ratio == 2 ? 8'h55 :
                                               Ratio == 4 ? 8'h11 : 8'h01;
  function automatic bit dur_ok(int unsigned us, logic [3:0] code);
    return us <= CPO_CMIS_DURATION_MS[code] * 1000;
  endfunction
  if (!dur_ok(PwrUpUs, 4'(CPO_CMIS_P01_DUR_MODULE_PWR_UP_RESET)) ||
      !dur_ok(PwrDnUs, 4'(CPO_CMIS_P01_DUR_MODULE_PWR_DN_RESET)) ||
      !dur_ok(DpInitMinUs, 4'(CPO_CMIS_P01_DUR_DP_DP_INIT_RESET)) ||
      !dur_ok(DpDeinitUs, 4'(CPO_CMIS_P01_DUR_DP_DP_DEINIT_RESET)) ||
      !dur_ok(TxTurnOnUs, 4'(CPO_CMIS_P01_DUR_TX_TX_ON_RESET)) ||
      !dur_ok(TxTurnOffUs, 4'(CPO_CMIS_P01_DUR_TX_TX_OFF_RESET))) begin : g_dur_err
    $error("cpo_cmis: a duration exceeds what page 01h advertises (rtl/cmis/cmis.toml)");
  end

  // Datapath cycles of @ns nanoseconds at cycles_per_us_i (at least 1).
  function automatic logic [63:0] ns_cycles(longint unsigned ns);
    logic [63:0] c;
    c = (ns * 64'(cycles_per_us_i) / 1000) >> 16;
    return c == 0 ? 64'd1 : c;
  endfunction
  function automatic logic [63:0] us_cycles(int unsigned us);
    return ns_cycles(64'(us) * 1000);
  endfunction
  // Datapath cycles of a bus frame: @header bits at the header's bit time, @bits more at the bus's.
  function automatic logic [63:0] bus_cycles(int unsigned header, int unsigned bits);
    logic [63:0] c;
    c = ((64'(header) * 64'(bus_header_bit_ps_i) + 64'(bits) * 64'(bus_bit_ps_i)) *
         64'(cycles_per_us_i) / 1_000_000) >> 16;
    return c == 0 ? 64'd1 : c;
  endfunction
  function automatic logic [15:0] monitor(logic [15:0] code, longint scale, longint offset,
                                         bit is_signed);
    longint v;
    v = (longint'({48'd0, code}) * scale + offset) >>> 16;
    if (is_signed) return v > 32767 ? 16'h7fff : v < -32768 ? 16'h8000 : 16'(v);
    return v > 65535 ? 16'hffff : v < 0 ? 16'h0000 : 16'(v);
  endfunction
  // A laser's fault: driven (drive above zero) but dark (power below TxFaultPower).
  function automatic logic laser_fault_at(logic [15:0] bias_code, logic [15:0] power_code);
    return monitor(bias_code, TxBiasScaleQ16, TxBiasOffsetQ16, 1'b0) != 0 &&
           monitor(power_code, LaserPowerScaleQ16, LaserPowerOffsetQ16, 1'b0) < 16'(TxFaultPower);
  endfunction
  // Flags of a value against four thresholds: {low warn, high warn, low alarm, high alarm}.
  typedef logic [3:0][15:0] thresh_t;
  function automatic logic [3:0] crossed(logic [15:0] v, thresh_t t, bit is_signed);
    logic [3:0] f;
    if (is_signed) begin
      f[0] = $signed(v) > $signed(t[0]);
      f[1] = $signed(v) < $signed(t[1]);
      f[2] = $signed(v) > $signed(t[2]);
      f[3] = $signed(v) < $signed(t[3]);
    end else begin
      f = {v < t[3], v > t[2], v < t[1], v > t[0]};
    end
    return f;
  endfunction

  // ---- State -----------------------------------------------------------------------------------
  // packed arrays throughout: Verilator 5.0 cannot assign unpacked ones in a loop
  logic [CPO_CMIS_NUM_RW_SLOTS-1:0][7:0] rw_q;
  logic [CPO_CMIS_NUM_COR_SLOTS-1:0][7:0] cor_q;
  logic [2:0] mod_q;
  logic [63:0] mod_due_q;
  logic [7:0] fault_cause_q;
  logic [NumLanes-1:0][3:0] dp_q;
  logic [NumLanes-1:0][1:0] init_phase_q;  // DPInit: 0 minimum time, 1 awaiting calibration, 2 late
  logic [NumLanes-1:0][63:0] dp_due_q;
  logic [NumLanes-1:0][7:0] active_q;
  logic [NumLanes-1:0][3:0] cfg_q;
  logic [NumLanes-1:0] pending_q;
  logic [15:0] temp_q, vcc_q;
  logic [NumMediaLanes-1:0][15:0] tx_bias_q, tx_power_q, rx_power_q;
  logic [ElsMax-1:0][15:0] els_bias_q, els_power_q, els_temp_q;
  logic [15:0] els_state_q;  // the firmware's report as last seen (state changes latch a flag)
  logic els;  // the engine has an external laser source: pages 1Ah/1Bh are advertised
  assign els = els_lanes_i != '0;
  logic [7:0] els_lane_mask;  // the lanes the source has
  assign els_lane_mask_o = els_lane_mask;
  logic [15:0] els_state_mask;  // their state bits
  always_comb begin
    for (int i = 0; i < ElsMax; i++) begin
      els_lane_mask[i] = i < int'(els_lanes_i);
      els_state_mask[2*i+:2] = {2{els_lane_mask[i]}};
    end
  end
  logic [63:0] mon_due_q;
  logic [7:0] cdb_q;
  logic [63:0] cdb_due_q;
  logic bus_busy_q;
  logic [63:0] bus_due_q, bus_last_end_q;
  logic [7:0] bus_last_byte_q;
  logic bus_last_write_q, bus_last_valid_q;
  logic act_q, soft_rst_q;

  // The four thresholds (high alarm, low alarm, high warning, low warning) the host may have
  // written to page 02h at slot s on: 16-bit big-endian each.
  function automatic thresh_t thresh(int unsigned s);
    thresh_t t;
    for (int k = 0; k < 4; k++) t[k] = {rw_q[s+2*k], rw_q[s+2*k+1]};
    return t;
  endfunction

  // IntL (byte 3 bit 0 low): a latched flag is set whose mask bit is clear. Module flags (bytes
  // 8, 9) have their masks at lower bytes 31, 32; a lane flag of page 11h byte 134 + k at page
  // 10h byte 213 + k of the same bank.
  localparam int unsigned LaneMaskBytes = CPO_CMIS_P10_LANE_FLAG_MASKS_COUNT;
  function automatic logic lane_unmasked(int unsigned cor_slot, int unsigned count,
                                         int unsigned offset);
    logic any;
    any = 1'b0;
    for (int b = 0; b < NumBanks; b++)
      for (int k = 0; k < 4; k++)
        if (k < int'(count))
          any |= |(cor_q[cor_slot+b*count+k] &
                   ~rw_q[CPO_CMIS_P10_LANE_FLAG_MASKS_SLOT+b*LaneMaskBytes+
                         offset-CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET+k]);
    return any;
  endfunction
  logic intr;
  always_comb begin
    intr = |(cor_q[CPO_CMIS_LOWER_MODULE_FLAGS_SLOT] & ~rw_q[CPO_CMIS_LOWER_MODULE_FLAGS_MASK_SLOT]) |
           |(cor_q[CPO_CMIS_LOWER_TEMP_VCC_FLAGS_SLOT] &
             ~rw_q[CPO_CMIS_LOWER_TEMP_VCC_FLAGS_MASK_SLOT]);
    intr |= lane_unmasked(CPO_CMIS_P11_DP_STATE_CHANGED_SLOT, 1, CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET);
    intr |= lane_unmasked(CPO_CMIS_P11_TX_FAULT_SLOT, 1, CPO_CMIS_P11_TX_FAULT_OFFSET);
    intr |= lane_unmasked(CPO_CMIS_P11_TX_LOS_SLOT, 1, CPO_CMIS_P11_TX_LOS_OFFSET);
    intr |= lane_unmasked(CPO_CMIS_P11_TX_CDR_LOL_SLOT, 1, CPO_CMIS_P11_TX_CDR_LOL_OFFSET);
    intr |= lane_unmasked(CPO_CMIS_P11_TX_POWER_FLAGS_SLOT, 4, CPO_CMIS_P11_TX_POWER_FLAGS_OFFSET);
    intr |= lane_unmasked(CPO_CMIS_P11_TX_BIAS_FLAGS_SLOT, 4, CPO_CMIS_P11_TX_BIAS_FLAGS_OFFSET);
    intr |= lane_unmasked(CPO_CMIS_P11_RX_LOS_SLOT, 1, CPO_CMIS_P11_RX_LOS_OFFSET);
    intr |= lane_unmasked(CPO_CMIS_P11_RX_CDR_LOL_SLOT, 1, CPO_CMIS_P11_RX_CDR_LOL_OFFSET);
    intr |= lane_unmasked(CPO_CMIS_P11_RX_POWER_FLAGS_SLOT, 4, CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET);
    for (int k = 0; k < 2; k++)  // ELS flags 200, 201, masked by 208, 209
      intr |= |(cor_q[CPO_CMIS_P1A_ELS_STATE_CHANGED_SLOT+k] &
                ~rw_q[CPO_CMIS_P1A_ELS_FLAG_MASKS_SLOT+k]);
  end

  // Software reset (byte 26 bit 3): the block returns to its reset state, bus included, the cycle
  // after the write (soft_rst_q is a flop: the internal reset is glitch-free).
  logic rst_n;
  assign rst_n = rst_ni & ~soft_rst_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) soft_rst_q <= 1'b0;
    else soft_rst_q <= rw_q[CPO_CMIS_LOWER_MODULE_CONTROL_SLOT][CPO_CMIS_LOWER_MODULE_CONTROL_SOFTWARE_RESET_SHIFT];
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) managed_o <= 1'b0;
    else if (mod_q != 3'(CPO_CMIS_MODULE_STATE_LOW_PWR)) managed_o <= 1'b1;
  end

  // ---- The bus side ----------------------------------------------------------------------------
  logic access, in_range, done;
  logic [7:0] addr, page, wdata;
  logic [2:0] bank;
  assign access = req_i.psel & req_i.penable;
  assign in_range = req_i.paddr[22:10] == '0 && req_i.paddr[1:0] == '0;
  assign addr = req_i.paddr[9:2];
  assign wdata = req_i.pwdata[7:0];
  assign page = rw_q[CPO_CMIS_LOWER_PAGE_SELECT_SLOT];
  assign bank = cmis_page_banked(page) ? rw_q[CPO_CMIS_LOWER_BANK_SELECT_SLOT][2:0] : 3'd0;
  assign done = access & (!in_range | (bus_busy_q & (cycle_i >= bus_due_q)));
  assign bus_wait_o = access & in_range & bus_busy_q & ~done;

  // A byte the block computes (source = "hw" in cmis.toml).
  function automatic logic [7:0] hw_byte(cmis_src_e src, logic [6:0] idx);
    int unsigned base, l;
    base = int'(bank) * Lpb;
    unique case (src)
      CmisSrcLowerModuleState: return {4'd0, mod_q, ~intr};
      CmisSrcLowerApp1HostIf: return App1HostIf;
      CmisSrcLowerApp1MediaIf: return App1MediaIf;
      CmisSrcLowerApp1LaneCounts: return App1LaneCounts;
      CmisSrcLowerApp1HostLaneOptions: return App1HostLaneOptions;
      CmisSrcLowerTemperature: return idx[0] ? temp_q[7:0] : temp_q[15:8];
      CmisSrcLowerVcc: return idx[0] ? vcc_q[7:0] : vcc_q[15:8];
      CmisSrcLowerCdbStatus: return cdb_q;
      CmisSrcLowerFaultCause: return fault_cause_q;
      CmisSrcP01BanksSupported: return 8'($clog2(NumBanks));
      CmisSrcP01MonSupport:
        return 8'(CPO_CMIS_P01_MON_SUPPORT_TX_POWER_MASK | CPO_CMIS_P01_MON_SUPPORT_RX_POWER_MASK |
                  (els ? 0 : CPO_CMIS_P01_MON_SUPPORT_TX_BIAS_MASK));
      CmisSrcP11DpState: begin
        l = base + 2 * int'(idx);
        return {dp_q[l+1], dp_q[l]};
      end
      CmisSrcP11ConfigStatus: begin
        l = base + 2 * int'(idx);
        return {cfg_q[l+1], cfg_q[l]};
      end
      CmisSrcP11TxPower, CmisSrcP11TxBias, CmisSrcP11RxPower: begin
        logic [15:0] v;
        l = base + int'(idx) / 2;  // a media lane: banks beyond the media lanes read 0
        if (l >= NumMediaLanes) return 8'h00;
        v = src == CmisSrcP11TxPower ? tx_power_q[l] : src == CmisSrcP11TxBias ? tx_bias_q[l]
                                                                                : rx_power_q[l];
        return idx[0] ? v[7:0] : v[15:8];
      end
      CmisSrcP11ActiveConfig: return active_q[base+int'(idx)];
      CmisSrcP1aElsLanes: return 8'(els_lanes_i);
      CmisSrcP1aElsLaneState: return idx[0] ? els_state_q[15:8] : els_state_q[7:0];
      CmisSrcP1aElsFibreChecked: return els_fibre_i & els_lane_mask;
      CmisSrcP1aElsLaneFreq: begin
        l = int'(idx) / 2;
        if (l >= int'(els_lanes_i)) return 8'h00;
        return idx[0] ? els_freq_i[7:0] : els_freq_i[15:8];
      end
      CmisSrcP1bElsBias, CmisSrcP1bElsPower, CmisSrcP1bElsTemp: begin
        logic [15:0] v;
        l = int'(idx) / 2;
        v = src == CmisSrcP1bElsBias ? els_bias_q[l] : src == CmisSrcP1bElsPower ? els_power_q[l]
                                                                                  : els_temp_q[l];
        return idx[0] ? v[7:0] : v[15:8];
      end
      CmisSrcP11DpInitPending: return pending_q[base+:Lpb];
      default: return 8'h00;
    endcase
  endfunction

  cmis_loc_t loc;
  always_comb begin
    loc = cmis_decode(page, bank, addr);
    rsp_o = '{prdata: '0, pready: done, pslverr: access & ~in_range};
    if (done && in_range && !req_i.pwrite) begin
      unique case (loc.kind)
        CmisConst: rsp_o.prdata = 32'(loc.value);
        CmisHw: rsp_o.prdata = 32'(hw_byte(loc.src, loc.idx));
        CmisRw: rsp_o.prdata = 32'(rw_q[int'(loc.slot)]);
        CmisCor: rsp_o.prdata = 32'(cor_q[int'(loc.slot)]);
        default: ;
      endcase
    end
  end

  // The bus time of this access, given the one before.
  logic [63:0] bus_cost;
  always_comb begin
    int unsigned bits;
    bits = req_i.pwrite ? WriteBits : ReadBits;
    if (bus_last_valid_q && bus_last_write_q == req_i.pwrite && addr == bus_last_byte_q + 8'd1 &&
        cycle_i <= bus_last_end_q + bus_cycles(0, NextBits))
      bus_cost = bus_cycles(0, NextBits);
    else bus_cost = bus_cycles(HeaderBits, bits - HeaderBits);
  end

  // ---- Everything that changes state, in one process (the bus and the state machines both
  //      write the byte store) ----------------------------------------------------------------
  localparam int unsigned SlotMc = CPO_CMIS_LOWER_MODULE_CONTROL_SLOT;
  localparam int unsigned SlotFlags = CPO_CMIS_LOWER_MODULE_FLAGS_SLOT;
  localparam int unsigned SlotCdb = CPO_CMIS_P9F_CDB_CMD_SLOT;  // bytes 128-255 in order

  logic [7:0] lowpwr_req;
  assign lowpwr_req = rw_q[SlotMc];

  // The process acts on events only: a bus access, a deadline reached (due_min: the earliest
  // armed one), what it did in the cycle before (act_q: its own writes take effect now), or an
  // input it watches changing (calibration done, an engine fault, the ELS lane states the
  // firmware reports; the monitor inputs are sampled at their deadline). In any other cycle
  // nothing in it can change, and it is skipped: at 64 lanes its per-lane loops were 7 % of the
  // streaming engine's instructions a cycle.
  logic [63:0] due_min;
  always_comb begin
    due_min = mod_due_q < mon_due_q ? mod_due_q : mon_due_q;
    if (cdb_due_q < due_min) due_min = cdb_due_q;
    if (bus_busy_q && bus_due_q < due_min) due_min = bus_due_q;
    for (int l = 0; l < NumLanes; l++) if (dp_due_q[l] < due_min) due_min = dp_due_q[l];
  end
  logic [NumMediaLanes-1:0] cal_done_q;  // cal_done_i a cycle ago
  always_ff @(posedge clk_i or negedge rst_n) begin
    if (!rst_n) cal_done_q <= '0;
    else cal_done_q <= cal_done_i;
  end
  logic wake;
  assign wake = access || act_q || cycle_i >= due_min || cal_done_i != cal_done_q || fault_i ||
                (els_state_i & els_state_mask) != els_state_q;

  always_ff @(posedge clk_i or negedge rst_n) begin
    if (!rst_n) begin
      for (int s = 0; s < CPO_CMIS_NUM_RW_SLOTS; s++) rw_q[s] <= CPO_CMIS_RW_RESET[s];
      for (int s = 0; s < CPO_CMIS_NUM_COR_SLOTS; s++) cor_q[s] <= '0;
      mod_q <= 3'(CPO_CMIS_MODULE_STATE_LOW_PWR);
      mod_due_q <= Never;
      fault_cause_q <= '0;
      for (int l = 0; l < NumLanes; l++) begin
        dp_q[l] <= 4'(CPO_CMIS_DP_STATE_DEACTIVATED);
        init_phase_q[l] <= '0;
        dp_due_q[l] <= Never;
        active_q[l] <= 8'(CPO_CMIS_P10_STAGED0_CONFIG_LANE_RESET) | 8'((l % Lpb) << 1);
        cfg_q[l] <= 4'(CPO_CMIS_CONFIG_STATUS_UNDEFINED);
      end
      tx_bias_q <= '0;
      tx_power_q <= '0;
      rx_power_q <= '0;
      els_bias_q <= '0;
      els_power_q <= '0;
      els_temp_q <= '0;
      els_state_q <= '0;
      els_set_written_o <= '0;
      pending_q <= '0;
      temp_q <= '0;
      vcc_q <= '0;
      mon_due_q <= '0;
      cdb_q <= 8'(CPO_CMIS_CDB_STATUS_IDLE);
      cdb_due_q <= Never;
      bus_busy_q <= 1'b0;
      bus_due_q <= Never;
      bus_last_end_q <= '0;
      bus_last_byte_q <= '0;
      bus_last_write_q <= 1'b0;
      bus_last_valid_q <= 1'b0;
      act_q <= 1'b1;
    end else if (!wake) begin
      act_q <= 1'b0;
      els_set_written_o <= '0;
    end else begin
      logic act, laser_fault;
      logic [2:0] mod_d;
      logic [7:0] els_written;
      act = 1'b0;
      els_written = '0;

      // -- the bus: start the byte's bus time, then complete it
      if (access && in_range && !bus_busy_q) begin
        bus_busy_q <= 1'b1;
        bus_due_q <= cycle_i + bus_cost;
      end
      if (done && in_range) begin
        bus_busy_q <= 1'b0;
        bus_due_q <= Never;
        bus_last_valid_q <= 1'b1;
        bus_last_write_q <= req_i.pwrite;
        bus_last_byte_q <= addr;
        bus_last_end_q <= cycle_i;
        if (req_i.pwrite) begin
          act = 1'b1;
          if (loc.kind == CmisRw) begin
            int unsigned s;
            s = int'(loc.slot);
            if (s == CPO_CMIS_LOWER_PAGE_SELECT_SLOT) begin
              if (cmis_page_ok(wdata, els)) rw_q[s] <= wdata;  // unadvertised: refused
            end else if (s == CPO_CMIS_LOWER_BANK_SELECT_SLOT) begin
              if (32'(wdata) < NumBanks) rw_q[s] <= wdata;  // so is a bank beyond NumBanks
            end else begin
              rw_q[s] <= (rw_q[s] & ~CPO_CMIS_RW_WMASK[s]) | (wdata & CPO_CMIS_RW_WMASK[s]);
            end
            // an ELS lane's setpoints or control mode written: the firmware re-reads them
            for (int i = 0; i < ElsMax; i++)
              if (s == CPO_CMIS_P1B_ELS_BIAS_SETPOINT_SLOT + 2 * i ||
                  s == CPO_CMIS_P1B_ELS_BIAS_SETPOINT_SLOT + 2 * i + 1 ||
                  s == CPO_CMIS_P1B_ELS_POWER_SETPOINT_SLOT + 2 * i ||
                  s == CPO_CMIS_P1B_ELS_POWER_SETPOINT_SLOT + 2 * i + 1)
                els_written[i] = 1'b1;
            if (s == CPO_CMIS_P1B_ELS_CONTROL_MODE_SLOT) els_written |= rw_q[s] ^ wdata;
            if (s == SlotCdb + 1 && !cdb_q[7]) begin  // command ID's low byte: start
              cdb_q <= 8'(CPO_CMIS_CDB_STATUS_BUSY_CAPTURED);
              cdb_due_q <= cycle_i + us_cycles(CdbUs);
            end
          end
        end else if (loc.kind == CmisCor) begin
          cor_q[int'(loc.slot)] <= '0;  // a flag set in this very cycle is set again below
        end
      end

      // -- the module state machine
      laser_fault = 1'b0;
      if (cycle_i >= mon_due_q && mod_q == 3'(CPO_CMIS_MODULE_STATE_READY)) begin
        for (int m = 0; m < NumMediaLanes; m++)
          laser_fault |= laser_fault_at(tx_bias_code_i[m], tx_power_code_i[m]);
      end
      mod_d = mod_q;
      unique case (mod_q)
        3'(CPO_CMIS_MODULE_STATE_LOW_PWR):
          if (!lowpwr_req[CPO_CMIS_LOWER_MODULE_CONTROL_LOW_PWR_REQUEST_SW_SHIFT]) begin
            mod_d = 3'(CPO_CMIS_MODULE_STATE_PWR_UP);
            mod_due_q <= cycle_i + us_cycles(PwrUpUs);
          end
        3'(CPO_CMIS_MODULE_STATE_PWR_UP):
          if (lowpwr_req[CPO_CMIS_LOWER_MODULE_CONTROL_LOW_PWR_REQUEST_SW_SHIFT]) begin
            mod_d = 3'(CPO_CMIS_MODULE_STATE_PWR_DN);
            mod_due_q <= cycle_i + us_cycles(PwrDnUs);
          end else if (cycle_i >= mod_due_q) begin
            mod_d = 3'(CPO_CMIS_MODULE_STATE_READY);
            mod_due_q <= Never;
          end
        3'(CPO_CMIS_MODULE_STATE_READY):
          if (lowpwr_req[CPO_CMIS_LOWER_MODULE_CONTROL_LOW_PWR_REQUEST_SW_SHIFT]) begin
            mod_d = 3'(CPO_CMIS_MODULE_STATE_PWR_DN);
            mod_due_q <= cycle_i + us_cycles(PwrDnUs);
          end
        3'(CPO_CMIS_MODULE_STATE_PWR_DN):
          if (cycle_i >= mod_due_q) begin
            mod_d = 3'(CPO_CMIS_MODULE_STATE_LOW_PWR);
            mod_due_q <= Never;
          end
        default: ;  // Fault: until a reset
      endcase
      if ((fault_i || laser_fault) && mod_q != 3'(CPO_CMIS_MODULE_STATE_FAULT)) begin
        mod_d = 3'(CPO_CMIS_MODULE_STATE_FAULT);
        mod_due_q <= Never;
        fault_cause_q <= fault_i ? 8'h20 : 8'h21;
      end
      if (mod_d != mod_q) begin
        mod_q <= mod_d;
        cor_q[SlotFlags][CPO_CMIS_LOWER_MODULE_FLAGS_STATE_CHANGED_SHIFT] <= 1'b1;
        act = 1'b1;
      end

      // -- ApplyDPInit / ApplyImmediate: staged set 0 -> active set, per bank
      for (int b = 0; b < NumBanks; b++) begin
        logic [7:0] init_mask, imm_mask;
        init_mask = rw_q[CPO_CMIS_P10_APPLY_DP_INIT_SLOT+b];
        imm_mask = rw_q[CPO_CMIS_P10_APPLY_IMMEDIATE_SLOT+b];
        if ((init_mask | imm_mask) != 0) begin
          act = 1'b1;
          rw_q[CPO_CMIS_P10_APPLY_DP_INIT_SLOT+b] <= '0;
          rw_q[CPO_CMIS_P10_APPLY_IMMEDIATE_SLOT+b] <= '0;
          for (int i = 0; i < Lpb; i++) begin
            if (init_mask[i] || imm_mask[i]) begin
              logic [7:0] staged;
              staged = rw_q[CPO_CMIS_P10_STAGED0_CONFIG_SLOT+b*Lpb+i];
              // the engine advertises application 1 only; its DataPathID is the first host
              // lane of the lane's data path (Ratio lanes each)
              if (staged[7:4] != 4'd1) begin
                cfg_q[b*Lpb+i] <= 4'(CPO_CMIS_CONFIG_STATUS_REJECTED_INVALID_APP_SEL);
              end else if (staged[3:1] != 3'((i / Ratio) * Ratio)) begin
                cfg_q[b*Lpb+i] <= 4'(CPO_CMIS_CONFIG_STATUS_REJECTED_INVALID_DATA_PATH);
              end else begin
                active_q[b*Lpb+i] <= staged;
                cfg_q[b*Lpb+i] <= 4'(CPO_CMIS_CONFIG_STATUS_SUCCESS);
                if (init_mask[i]) pending_q[b*Lpb+i] <= 1'b1;
              end
            end
          end
        end
      end

      // -- the data path of each lane
      for (int l = 0; l < NumLanes; l++) begin
        logic deinit, txdis;
        logic [3:0] dp_d;
        deinit = rw_q[CPO_CMIS_P10_DP_DEINIT_SLOT+l/Lpb][l%Lpb];
        txdis = rw_q[CPO_CMIS_P10_TX_DISABLE_SLOT+l/Lpb][l%Lpb];
        dp_d = dp_q[l];
        if (mod_q != 3'(CPO_CMIS_MODULE_STATE_READY)) begin
          dp_d = 4'(CPO_CMIS_DP_STATE_DEACTIVATED);  // PwrDn and Fault take every lane down
          dp_due_q[l] <= Never;
        end else begin
          unique case (dp_q[l])
            4'(CPO_CMIS_DP_STATE_DEACTIVATED):
              if (!deinit) begin
                dp_d = 4'(CPO_CMIS_DP_STATE_INIT);
                init_phase_q[l] <= 2'd0;
                dp_due_q[l] <= cycle_i + us_cycles(DpInitMinUs);
              end
            4'(CPO_CMIS_DP_STATE_INIT):
              if (deinit) begin
                dp_d = 4'(CPO_CMIS_DP_STATE_DEINIT);
                dp_due_q[l] <= cycle_i + us_cycles(DpDeinitUs);
              end else if (init_phase_q[l] != 2'd0 || cycle_i >= dp_due_q[l]) begin
                if (cal_done_i[l/Ratio]) begin
                  dp_d = 4'(CPO_CMIS_DP_STATE_INITIALIZED);
                  dp_due_q[l] <= Never;
                  pending_q[l] <= 1'b0;
                end else if (init_phase_q[l] == 2'd0) begin
                  // wait for calibration until the advertised MaxDurationDPInit
                  init_phase_q[l] <= 2'd1;
                  dp_due_q[l] <= dp_due_q[l] + us_cycles(
                      CPO_CMIS_DURATION_MS[CPO_CMIS_P01_DUR_DP_DP_INIT_RESET] * 1000 - DpInitMinUs);
                end else if (init_phase_q[l] == 2'd1 && cycle_i >= dp_due_q[l]) begin
                  init_phase_q[l] <= 2'd2;  // late: report it once, keep waiting
                  dp_due_q[l] <= Never;
                  cor_q[SlotFlags][CPO_CMIS_LOWER_MODULE_FLAGS_DP_FW_FAULT_SHIFT] <= 1'b1;
                  act = 1'b1;
                end
              end
            4'(CPO_CMIS_DP_STATE_INITIALIZED):
              if (deinit) begin
                dp_d = 4'(CPO_CMIS_DP_STATE_DEINIT);
                dp_due_q[l] <= cycle_i + us_cycles(DpDeinitUs);
              end else if (!txdis) begin
                dp_d = 4'(CPO_CMIS_DP_STATE_TX_TURN_ON);
                dp_due_q[l] <= cycle_i + us_cycles(TxTurnOnUs);
              end
            4'(CPO_CMIS_DP_STATE_TX_TURN_ON):
              if (deinit || txdis) begin
                dp_d = 4'(CPO_CMIS_DP_STATE_TX_TURN_OFF);
                dp_due_q[l] <= cycle_i + us_cycles(TxTurnOffUs);
              end else if (cycle_i >= dp_due_q[l]) begin
                dp_d = 4'(CPO_CMIS_DP_STATE_ACTIVATED);
                dp_due_q[l] <= Never;
              end
            4'(CPO_CMIS_DP_STATE_ACTIVATED):
              if (deinit || txdis) begin
                dp_d = 4'(CPO_CMIS_DP_STATE_TX_TURN_OFF);
                dp_due_q[l] <= cycle_i + us_cycles(TxTurnOffUs);
              end
            4'(CPO_CMIS_DP_STATE_TX_TURN_OFF):
              if (cycle_i >= dp_due_q[l]) begin
                dp_d = 4'(CPO_CMIS_DP_STATE_INITIALIZED);
                dp_due_q[l] <= Never;
              end
            4'(CPO_CMIS_DP_STATE_DEINIT):
              if (cycle_i >= dp_due_q[l]) begin
                dp_d = 4'(CPO_CMIS_DP_STATE_DEACTIVATED);
                dp_due_q[l] <= Never;
              end
            default: ;
          endcase
        end
        if (dp_d != dp_q[l]) begin
          dp_q[l] <= dp_d;
          cor_q[CPO_CMIS_P11_DP_STATE_CHANGED_SLOT+l/Lpb][l%Lpb] <= 1'b1;
          act = 1'b1;
        end
      end

      // -- monitors and their latched flags, every MonPeriodUs
      if (cycle_i >= mon_due_q) begin
        logic [15:0] t, v;
        logic [3:0] f;
        mon_due_q <= cycle_i + us_cycles(MonPeriodUs);
        t = monitor(temp_code_i, TempScaleQ16, TempOffsetQ16, 1'b1);
        v = monitor(vcc_code_i, VccScaleQ16, VccOffsetQ16, 1'b0);
        temp_q <= t;
        vcc_q <= v;
        // flags are set bit by bit: a read clearing the byte in this cycle loses none
        f = crossed(t, thresh(CPO_CMIS_P02_TEMP_THRESH_SLOT), 1'b1);
        for (int k = 0; k < 4; k++) if (f[k]) cor_q[CPO_CMIS_LOWER_TEMP_VCC_FLAGS_SLOT][k] <= 1'b1;
        f = crossed(v, thresh(CPO_CMIS_P02_VCC_THRESH_SLOT), 1'b0);
        for (int k = 0; k < 4; k++)
          if (f[k]) cor_q[CPO_CMIS_LOWER_TEMP_VCC_FLAGS_SLOT][4+k] <= 1'b1;
        for (int l = 0; l < NumMediaLanes; l++) begin  // media lanes, numbered as host lanes
          logic [15:0] tp, tb, rp;
          logic [3:0] ftp, ftb, frp;
          int unsigned per, laser;  // media lanes per laser; the laser that feeds lane l
          per = els && int'(els_lanes_i) <= NumMediaLanes ? NumMediaLanes / int'(els_lanes_i) : 1;
          laser = l / per;
          tp = monitor(tx_tap_code_i[l], longint'(tx_tap_scale_q16_i), 0, 1'b0);
          tb = els ? '0 : monitor(tx_bias_code_i[l], TxBiasScaleQ16, TxBiasOffsetQ16, 1'b0);
          rp = monitor(rx_power_code_i[l], RxPowerScaleQ16, RxPowerOffsetQ16, 1'b0);
          tx_power_q[l] <= tp;
          tx_bias_q[l] <= tb;
          rx_power_q[l] <= rp;
          ftp = crossed(tp, thresh(CPO_CMIS_P02_TX_POWER_THRESH_SLOT), 1'b0);
          ftb = els ? '0 : crossed(tb, thresh(CPO_CMIS_P02_TX_BIAS_THRESH_SLOT), 1'b0);
          frp = crossed(rp, thresh(CPO_CMIS_P02_RX_POWER_THRESH_SLOT), 1'b0);
          // Tx fault (in ModuleReady: the lasers are warm) and Rx loss of signal, latched
          if (mod_q == 3'(CPO_CMIS_MODULE_STATE_READY) && laser < NumMediaLanes &&
              monitor(tx_bias_code_i[laser], TxBiasScaleQ16, TxBiasOffsetQ16, 1'b0) != 0 &&
              tp < 16'(TxFaultPower))
            cor_q[CPO_CMIS_P11_TX_FAULT_SLOT+l/Lpb][l%Lpb] <= 1'b1;
          if (rp < 16'(RxLosPower)) cor_q[CPO_CMIS_P11_RX_LOS_SLOT+l/Lpb][l%Lpb] <= 1'b1;
          for (int k = 0; k < 4; k++) begin
            if (ftp[k]) cor_q[CPO_CMIS_P11_TX_POWER_FLAGS_SLOT+(l/Lpb)*4+k][l%Lpb] <= 1'b1;
            if (ftb[k]) cor_q[CPO_CMIS_P11_TX_BIAS_FLAGS_SLOT+(l/Lpb)*4+k][l%Lpb] <= 1'b1;
            if (frp[k]) cor_q[CPO_CMIS_P11_RX_POWER_FLAGS_SLOT+(l/Lpb)*4+k][l%Lpb] <= 1'b1;
          end
        end
        // Tx and Rx LOL per host lane (CMIS numbers them so): Tx LOL on every host lane of a
        // media lane the firmware reports; Rx LOL where an Activated data path delivers what
        // cannot be recovered
        for (int l = 0; l < NumLanes; l++) begin
          if (tx_lol_i[l/Ratio]) cor_q[CPO_CMIS_P11_TX_CDR_LOL_SLOT+l/Lpb][l%Lpb] <= 1'b1;
          if (dp_q[l] == 4'(CPO_CMIS_DP_STATE_ACTIVATED) && !rx_lock_i[l])
            cor_q[CPO_CMIS_P11_RX_CDR_LOL_SLOT+l/Lpb][l%Lpb] <= 1'b1;
        end
        // the external source's monitors, and a lane on but dark: its lane fault
        for (int i = 0; i < ElsMax; i++) begin
          logic [15:0] eb, ep;
          if (i < int'(els_lanes_i) && i < int'(NumMediaLanes)) begin
            eb = monitor(tx_bias_code_i[i], ElsBiasScaleQ16, ElsBiasOffsetQ16, 1'b0);
            ep = monitor(tx_power_code_i[i], ElsPowerScaleQ16, ElsPowerOffsetQ16, 1'b0);
            els_bias_q[i] <= eb;
            els_power_q[i] <= ep;
            els_temp_q[i] <= monitor(els_temp_code_i[i], ElsTempScaleQ16, ElsTempOffsetQ16, 1'b1);
            if (els_state_i[2*i+:2] == 2'(CPO_CMIS_ELS_LANE_STATE_ON) && ep < 16'(ElsFaultPower))
              cor_q[CPO_CMIS_P1A_ELS_LANE_FAULT_SLOT][i] <= 1'b1;
          end
        end
      end

      // -- the external source's lane states as the firmware reports them: a change latches
      if ((els_state_i & els_state_mask) != els_state_q) begin
        els_state_q <= els_state_i & els_state_mask;
        for (int i = 0; i < ElsMax; i++)
          if (els_state_i[2*i+:2] != els_state_q[2*i+:2] && els_state_mask[2*i])
            cor_q[CPO_CMIS_P1A_ELS_STATE_CHANGED_SLOT][i] <= 1'b1;
        act = 1'b1;
      end

      // -- CDB: check and execute the captured command once its time is up
      if (cdb_q[7] && cycle_i >= cdb_due_q) begin
        logic [7:0] sum, lpl;
        logic [15:0] cmd;
        act = 1'b1;
        cdb_due_q <= Never;
        cmd = {rw_q[SlotCdb], rw_q[SlotCdb+1]};
        lpl = rw_q[SlotCdb+4];
        sum = '0;
        for (int k = 0; k < 8; k++) if (k != 5) sum += rw_q[SlotCdb+k];
        for (int k = 0; k < 120; k++) if (k < int'(lpl)) sum += rw_q[SlotCdb+8+k];
        if ({rw_q[SlotCdb+2], rw_q[SlotCdb+3]} != 0 || lpl > 8'd120) begin
          cdb_q <= 8'(CPO_CMIS_CDB_STATUS_FAILED_BAD_LENGTH);
        end else if (8'hff - sum != rw_q[SlotCdb+5]) begin
          cdb_q <= 8'(CPO_CMIS_CDB_STATUS_FAILED_CHECKSUM);
        end else if (cmd == 16'(CPO_CMIS_CDB_CMD_QUERY_STATUS)) begin
          // RPL: one status byte, 0 = no password lock, not in a firmware update
          rw_q[SlotCdb+6] <= 8'd1;
          rw_q[SlotCdb+7] <= 8'hff;
          rw_q[SlotCdb+8] <= 8'h00;
          cdb_q <= 8'(CPO_CMIS_CDB_STATUS_SUCCESS);
        end else if (cmd == 16'(CPO_CMIS_CDB_CMD_GET_FW_INFO)) begin
          // RPL: image status (A running, committed, valid), image info (A present), A's
          // major, minor and build (0)
          logic [7:0] rpl[6];
          logic [7:0] rsum;
          rpl = '{8'h07, 8'h01, 8'(CPO_CMIS_LOWER_FW_REVISION_RESET >> 8),
                  8'(CPO_CMIS_LOWER_FW_REVISION_RESET), 8'h00, 8'h00};
          rsum = '0;
          for (int k = 0; k < 6; k++) begin
            rw_q[SlotCdb+8+k] <= rpl[k];
            rsum += rpl[k];
          end
          rw_q[SlotCdb+6] <= 8'd6;
          rw_q[SlotCdb+7] <= 8'hff - rsum;
          cdb_q <= 8'(CPO_CMIS_CDB_STATUS_SUCCESS);
        end else begin
          cdb_q <= 8'(CPO_CMIS_CDB_STATUS_FAILED_UNKNOWN_CMD);
        end
      end

      act_q <= act;
      els_set_written_o <= els_written & els_lane_mask;
    end
  end

  // ---- Outputs ---------------------------------------------------------------------------------
  // A lane streams once its data path is Activated: through TxTurnOn (the Tx output turning
  // on, 5 ms: tens of millions of cycles at the real clock) it stays parked, as the harness
  // can skip it.
  for (genvar m = 0; m < NumMediaLanes; m++) begin : g_stream
    logic [Ratio-1:0] active;
    for (genvar k = 0; k < Ratio; k++) begin : g_lane
      assign active[k] = dp_q[m*Ratio+k] == 4'(CPO_CMIS_DP_STATE_ACTIVATED);
    end
    assign stream_en_o[m] = &active;
  end
  assign dp_state_o = dp_q;
  assign els_enable_o = rw_q[CPO_CMIS_P1A_ELS_LANE_ENABLE_SLOT] & els_lane_mask;
  assign els_power_mode_o = rw_q[CPO_CMIS_P1B_ELS_CONTROL_MODE_SLOT] & els_lane_mask;
  for (genvar i = 0; i < ElsMax; i++) begin : g_els_set
    assign els_bias_set_o[i] = {rw_q[CPO_CMIS_P1B_ELS_BIAS_SETPOINT_SLOT+2*i],
                                rw_q[CPO_CMIS_P1B_ELS_BIAS_SETPOINT_SLOT+2*i+1]};
    assign els_power_set_o[i] = {rw_q[CPO_CMIS_P1B_ELS_POWER_SETPOINT_SLOT+2*i],
                                 rw_q[CPO_CMIS_P1B_ELS_POWER_SETPOINT_SLOT+2*i+1]};
  end
  assign module_state_o = mod_q;

  // an access whose bus time has not started yet starts at the next edge
  assign next_event_o = act_q || soft_rst_q || (access && in_range && !bus_busy_q) ? cycle_i
                                                                                    : due_min;

endmodule : cpo_cmis
