// The optical engine behind its die-to-die link (ARCHITECTURE section 1's picture), one top:
//
//   ASIC: host-lane PRBS generators -> cpo_d2d_link ASIC->OE payload; checkers on OE->ASIC
//   cpo_d2d_link: ASIC endpoint, channel (faults settable at run time), OE endpoint; one module
//       per LinkLanes host lanes (a D2D module carries at most MaxLinkLanes: wider engines have
//       several side by side, as UCIe builds wide links, each with its own spare, channel and
//       registers; module k carries host lanes k * LinkLanes .. (k + 1) * LinkLanes - 1)
//   OE: host lanes -> gearbox -> media lanes (media_tx_o, the analog boundary) and back from
//       media_rx_i; the converter bank (cpo_afe_bank); the OE controller's registers (oe.regs.toml)
//
// Host lane h rides media lane h / Ratio, Ratio = NumHostLanes / NumMediaLanes: the Ratio host
// lanes of a media lane are bit-interleaved into its word (a bit mux), media bit i * Ratio + k
// is bit i of host lane m * Ratio + k; Ratio = 1 is the 1:1 map. Bit 0 of every word is first
// in time. A media lane that does not stream is parked: its TX word is zero and its received
// words are ignored (its host lanes return zeros to the link).
//
// CMIS (rtl/cmis, cpo_cmis; block CMIS of the OE space) manages the lanes: its lanes are the
// host lanes, its monitors the media lanes' (NumLanes = NumHostLanes, NumMediaLanes), and its
// application 1 has Ratio host lanes and one media lane per data path (the 32/8 gearbox: 4:1).
// Which media lanes stream:
//   media_stream_o[m] = STREAM_EN[m] & ((CMIS_CTRL.BYPASS & ~managed) | cmis_stream[m])
// cmis_stream[m]: lane m's CMIS data path is Activated; managed: the module has left LowPwr
// since reset (a CMIS host powered it up). BYPASS resets to 1, so a host that never powers the
// module up through CMIS streams by STREAM_EN alone, as before CMIS; once one does (or clears
// BYPASS), the data-path states decide: lanes park until Activated and after they deactivate.
// CMIS's timers are deadlines against cycle_i (the harness's datapath cycle number, which jumps
// while parked cycles are skipped); next_event_o is the earliest cycle the harness must clock
// (cpo_cmis's), all ones when none. DPInit's "calibration done" per media lane is OE CAL_DONE
// (the calibration firmware sets it; when a laser current was preset before cycle 0, the
// calibrated snapshot stands in for the firmware that ran, and the first cycle sets every lane's
// bit, which the firmware may clear to recalibrate a lane). OE CAL_REQ shows the firmware
// the lanes DPInit waits on (they may stream meanwhile, for it to measure), OE DP_ACTIVE the
// lanes whose data path is Activated; OE TX_LOL, which it writes, latches CMIS's Tx LOL flags.
//
// One host APB port: the ENGINE space of rtl/addrmap.toml (cpo_addrmap_engine_dec). The ASIC
// endpoints, the traffic block and the channels are reached directly; ENGINE_OE is the OE die's
// management port (the OE space: module 0's OE endpoint through its oe_* port, the OE
// controller behind OE_CTRL, which holds module 1's OE endpoint OE_D2D1). Each module's
// register tunnel reaches the same OE controller (its rmt_* port); arbiters share it between
// the direct route and the tunnels (why both: addrmap.toml).
//
// The D2D timers run at their real durations (1 ms sideband pattern, 8 ms residency timeout, in
// cycles from cycles_per_us_i) unless TimerShift or the endpoints' TIMER registers scale them;
// they too are deadlines against cycle_i, so next_event_o is the earlier of CMIS's and the D2D
// modules' (cpo_d2d_link next_event_o), and d2d_quiet_o says per module that nothing in it
// changes until then but its free-running payload (the harness skips parked cycles only then).
module cpo_engine_top
  import cpo_apb_pkg::*;
  import cpo_prbs_pkg::*;
  import cpo_d2d_pkg::*;
  import cpo_addrmap_pkg::*;
  import cpo_d2d_reg_pkg::*;
  import cpo_d2dch_reg_pkg::*;
  import cpo_traffic_reg_pkg::*;
  import cpo_oe_reg_pkg::*;
  import cpo_lanes_reg_pkg::*;
  import cpo_afe_pkg::*;
#(
  parameter int unsigned NumHostLanes  = 8,
  parameter int unsigned NumMediaLanes = 8,
  parameter int unsigned TimerShift    = 0,
  localparam int unsigned Ratio         = NumHostLanes / NumMediaLanes,
  localparam int unsigned MaxLinkLanes  = 32,
  localparam int unsigned NumLinks      = (NumHostLanes + MaxLinkLanes - 1) / MaxLinkLanes,
  localparam int unsigned LinkLanes     = NumHostLanes / NumLinks,
  localparam int unsigned MediaWordBits = WordBits * Ratio,
  localparam int unsigned AddrBits      = CPO_ADDRMAP_ENGINE_ADDR_BITS
) (
  input  logic clk_i,
  input  logic rst_ni,
  // host port: the ENGINE address space
  input  logic psel_i,
  input  logic penable_i,
  input  logic pwrite_i,
  input  logic [AddrBits-1:0] paddr_i,
  input  logic [31:0] pwdata_i,
  output logic [31:0] prdata_o,
  output logic pready_o,
  output logic pslverr_o,
  // the analog boundary: media lane words, and which lanes stream
  output logic [NumMediaLanes-1:0][MediaWordBits-1:0] media_tx_o,
  input  logic [NumMediaLanes-1:0][MediaWordBits-1:0] media_rx_i,
  output logic [NumMediaLanes-1:0] media_stream_o,
  // converter bank (as cpo_lanes_top's), one index per media lane
  input  logic [NumDacCh-1:0][NumMediaLanes-1:0][CodeBits-1:0] dac_preset_i,
  input  logic [NumAdcCh-1:0][NumMediaLanes-1:0][CodeBits-1:0] adc_code_i,
  output logic dac_we_o,
  output logic [7:0] dac_channel_o,
  output logic [7:0] dac_index_o,
  output logic [CodeBits-1:0] dac_code_o,
  // observation: the ASIC's checkers and both ends' link state, per D2D module
  output logic [NumHostLanes-1:0] lane_locked_o,
  output logic [NumHostLanes-1:0][63:0] lane_bits_o,
  output logic [NumHostLanes-1:0][63:0] lane_errors_o,
  output logic [NumLinks-1:0][4:0] asic_state_o,
  output logic [NumLinks-1:0][4:0] oe_state_o,
  output logic [NumLinks-1:0] asic_link_up_o,
  output logic [NumLinks-1:0] oe_link_up_o,
  output logic [NumLinks-1:0] d2d_quiet_o,
  // CMIS time (cpo_cmis): the datapath cycle number, cycles per microsecond (Q16.16); the cycle
  // CMIS or a D2D training timer must be clocked at next
  input  logic [63:0] cycle_i,
  input  logic [31:0] cycles_per_us_i,
  // The profile's external laser source (CMIS pages 1Ah/1Bh): its lasers (0: the lasers are the
  // engine's own) and their nominal frequency in 10 GHz; constants of the run, set before cycle 0
  input  logic [3:0] els_lanes_i,
  input  logic [15:0] els_freq_i,
  // The profile's management bus (cpo_cmis): a bit's time and the address header's (ps); the
  // engine's calibration of its Tx power taps (CMIS 0.1 uW per tap ADC code, Q16.16). Constants
  // of the run, set before cycle 0.
  input  logic [31:0] bus_bit_ps_i,
  input  logic [31:0] bus_header_bit_ps_i,
  input  logic [31:0] tx_tap_scale_q16_i,
  output logic [63:0] next_event_o,
  // the host port's access waits only on CMIS's bus time (until next_event_o): skippable
  output logic cmis_bus_wait_o,
  // observation: CMIS's module state and each host lane's data-path state (CMIS codes)
  output logic [2:0] cmis_module_state_o,
  output logic [NumHostLanes-1:0][3:0] cmis_dp_state_o
);

  localparam int unsigned MaxLanes = CPO_TRAFFIC_MAX_LANES;

  if (NumMediaLanes < 1 || NumHostLanes % NumMediaLanes != 0) begin : g_bad_ratio
    $error("cpo_engine_top: %0d host lanes do not divide onto %0d media lanes", NumHostLanes,
           NumMediaLanes);
  end
  // the two modules' blocks of the map (a third needs its blocks there first)
  if (NumLinks > 2 || NumHostLanes % NumLinks != 0 || LinkLanes % Ratio != 0) begin : g_bad_links
    $error("cpo_engine_top: %0d host lanes do not split onto %0d D2D modules of whole media lanes",
           NumHostLanes, NumLinks);
  end
  if (NumHostLanes > MaxLanes || MediaWordBits > 64) begin : g_too_wide
    $error("cpo_engine_top: %0d host lanes (max %0d), media word %0d bits (max 64)",
           NumHostLanes, MaxLanes, MediaWordBits);
  end
  // cpo_afe_bank decodes the lanes block's window layout; the OE block must use the same one.
  if (CPO_OE_DAC_SIZE_BITS != CPO_LANES_DAC_SIZE_BITS || CPO_OE_DAC_CH_LSB != CPO_LANES_DAC_CH_LSB ||
      CPO_OE_DAC_IDX_LSB != CPO_LANES_DAC_IDX_LSB || CPO_OE_DAC_IDX_BITS != CPO_LANES_DAC_IDX_BITS ||
      CPO_OE_ADC_SIZE_BITS != CPO_LANES_ADC_SIZE_BITS ||
      CPO_OE_ADC_CH_LSB != CPO_LANES_ADC_CH_LSB) begin : g_bad_window_layout
    $error("cpo_engine_top: oe.regs.toml's DAC/ADC windows must have lanes.regs.toml's layout");
  end

  // ---- Host port: the ENGINE space -----------------------------------------------------------
  logic [1:0] sel_asic, sel_ch;  // per module
  logic sel_traffic, sel_oe, sel_none;
  cpo_addrmap_engine_dec u_dec (
    .paddr_i,
    .engine_asic_d2d_o (sel_asic[0]),
    .engine_traffic_o  (sel_traffic),
    .engine_channel_o  (sel_ch[0]),
    .engine_asic_d2d1_o(sel_asic[1]),
    .engine_channel1_o (sel_ch[1]),
    .engine_oe_o       (sel_oe),
    .none_o            (sel_none)
  );
  // ENGINE_OE's offset is an OE-space address
  logic [CPO_ADDRMAP_OE_ADDR_BITS-1:0] oe_addr;
  logic oe_sel_d2d, oe_sel_ctrl, oe_sel_none;
  assign oe_addr = paddr_i[CPO_ADDRMAP_OE_ADDR_BITS-1:0];
  cpo_addrmap_oe_dec u_oe_dec (
    .paddr_i  (oe_addr),
    .oe_d2d_o (oe_sel_d2d),
    .oe_ctrl_o(oe_sel_ctrl),
    .none_o   (oe_sel_none)
  );

  apb_rsp_t [NumLinks-1:0] asic_rsp, ch_rsp, oe_d2d_rsp;
  apb_rsp_t traffic_rsp, oe_ctrl_rsp;
  always_comb begin
    apb_rsp_t r;
    r = '{prdata: '0, pready: 1'b1, pslverr: 1'b1};  // no block (or no such module): error at once
    for (int k = 0; k < NumLinks; k++) begin
      if (sel_asic[k]) r = asic_rsp[k];
      if (sel_ch[k]) r = ch_rsp[k];
    end
    if (sel_traffic) r = traffic_rsp;
    if (sel_oe && oe_sel_d2d) r = oe_d2d_rsp[0];
    if (sel_oe && oe_sel_ctrl) r = oe_ctrl_rsp;
    prdata_o = r.prdata;
    pready_o = r.pready;
    pslverr_o = r.pslverr;
  end

  // ---- The D2D modules -------------------------------------------------------------------------
  logic [NumHostLanes-1:0][WordBits-1:0] a2o_tx, a2o_rx, o2a_tx, o2a_rx;
  logic [NumLinks-1:0] a2o_rx_valid, o2a_rx_valid;
  logic [NumLinks-1:0][63:0] d2d_next;
  apb_req_t [NumLinks-1:0] rmt_req, oe_d2d_req;
  apb_rsp_t [NumLinks-1:0] rmt_rsp;
  // module 0's OE endpoint is OE_D2D (the OE port's own decode); module k > 0's sits inside
  // OE_CTRL (the controller's decode below)
  apb_req_t oe_d2d1_req;
  apb_rsp_t oe_d2d1_rsp;
  assign oe_d2d_req[0] = '{psel: psel_i & sel_oe & oe_sel_d2d, penable: penable_i,
                           pwrite: pwrite_i, paddr: 32'(oe_addr), pwdata: pwdata_i};

  for (genvar k = 0; k < NumLinks; k++) begin : g_link
    localparam int unsigned Lo = k * LinkLanes;
    logic unused_link;
    logic [1:0] unused_ready, unused_rx_err;
    logic [LinkLanes+2:0][WordBits-1:0] unused_a2o_wire, unused_o2a_wire;  // + spare, valid, clock
    logic [CPO_ADDRMAP_OE_ADDR_BITS-1:0] rmt_paddr;

    if (k > 0) begin : g_oe_port
      assign oe_d2d_req[k] = oe_d2d1_req;
      assign oe_d2d1_rsp = oe_d2d_rsp[k];
    end

    cpo_d2d_link #(
      .NumLanes  (LinkLanes),
      .TimerShift(TimerShift)
    ) u_link (
      .clk_i,
      .rst_ni,
      .cycle_i,
      .cycles_per_us_i,
      .next_event_o  (d2d_next[k]),
      .quiet_o       (d2d_quiet_o[k]),
      .asic_psel_i   (psel_i & sel_asic[k]),
      .asic_penable_i(penable_i),
      .asic_pwrite_i (pwrite_i),
      .asic_paddr_i  (paddr_i[CPO_D2D_ADDR_BITS-1:0]),
      .asic_pwdata_i (pwdata_i),
      .asic_prdata_o (asic_rsp[k].prdata),
      .asic_pready_o (asic_rsp[k].pready),
      .asic_pslverr_o(asic_rsp[k].pslverr),
      .oe_psel_i     (oe_d2d_req[k].psel),
      .oe_penable_i  (oe_d2d_req[k].penable),
      .oe_pwrite_i   (oe_d2d_req[k].pwrite),
      .oe_paddr_i    (oe_d2d_req[k].paddr[CPO_D2D_ADDR_BITS-1:0]),
      .oe_pwdata_i   (oe_d2d_req[k].pwdata),
      .oe_prdata_o   (oe_d2d_rsp[k].prdata),
      .oe_pready_o   (oe_d2d_rsp[k].pready),
      .oe_pslverr_o  (oe_d2d_rsp[k].pslverr),
      .ch_psel_i     (psel_i & sel_ch[k]),
      .ch_penable_i  (penable_i),
      .ch_pwrite_i   (pwrite_i),
      .ch_paddr_i    (paddr_i[CPO_D2DCH_ADDR_BITS-1:0]),
      .ch_pwdata_i   (pwdata_i),
      .ch_prdata_o   (ch_rsp[k].prdata),
      .ch_pready_o   (ch_rsp[k].pready),
      .ch_pslverr_o  (ch_rsp[k].pslverr),
      .rmt_psel_o    (rmt_req[k].psel),
      .rmt_penable_o (rmt_req[k].penable),
      .rmt_pwrite_o  (rmt_req[k].pwrite),
      .rmt_paddr_o   (rmt_paddr),
      .rmt_pwdata_o  (rmt_req[k].pwdata),
      .rmt_prdata_i  (rmt_rsp[k].prdata),
      .rmt_pready_i  (rmt_rsp[k].pready),
      .rmt_pslverr_i (rmt_rsp[k].pslverr),
      .a2o_tx_data_i (a2o_tx[Lo+:LinkLanes]),
      .a2o_tx_valid_i(1'b1),
      .a2o_tx_ready_o(unused_ready[0]),
      .a2o_rx_data_o (a2o_rx[Lo+:LinkLanes]),
      .a2o_rx_valid_o(a2o_rx_valid[k]),
      .a2o_rx_err_o  (unused_rx_err[0]),
      .o2a_tx_data_i (o2a_tx[Lo+:LinkLanes]),
      .o2a_tx_valid_i(1'b1),
      .o2a_tx_ready_o(unused_ready[1]),
      .o2a_rx_data_o (o2a_rx[Lo+:LinkLanes]),
      .o2a_rx_valid_o(o2a_rx_valid[k]),
      .o2a_rx_err_o  (unused_rx_err[1]),
      .asic_state_o  (asic_state_o[k]),
      .oe_state_o    (oe_state_o[k]),
      .asic_link_up_o(asic_link_up_o[k]),
      .oe_link_up_o  (oe_link_up_o[k]),
      .a2o_wire_o    (unused_a2o_wire),
      .o2a_wire_o    (unused_o2a_wire)
    );
    assign rmt_req[k].paddr = 32'(rmt_paddr);
    assign unused_link = ^{unused_ready, unused_rx_err, unused_a2o_wire, unused_o2a_wire};
  end
  if (NumLinks == 1) begin : g_one_link
    logic unused_d2d1;
    assign unused_d2d1 = ^{oe_d2d1_req, sel_asic[1], sel_ch[1]};
    assign oe_d2d1_rsp = '{prdata: '0, pready: 1'b1, pslverr: 1'b1};
  end

  // ---- ASIC: host-lane traffic ---------------------------------------------------------------
  cpo_traffic_reg2hw_t t_reg2hw;
  cpo_traffic_hw2reg_t t_hw2reg;
  apb_req_t traffic_req;
  assign traffic_req = '{psel: psel_i & sel_traffic, penable: penable_i, pwrite: pwrite_i,
                         paddr: 32'(paddr_i[CPO_TRAFFIC_ADDR_BITS-1:0]), pwdata: pwdata_i};
  logic traffic_re;
  cpo_traffic_reg_top u_traffic_reg (
    .clk_i,
    .rst_ni,
    .req_i      (traffic_req),
    .rsp_o      (traffic_rsp),
    .reg2hw_o   (t_reg2hw),
    .hw2reg_i   (t_hw2reg),
    .hw2reg_re_o(traffic_re)
  );

  prbs_poly_e poly;
  assign poly = prbs_poly_e'(t_reg2hw.ctrl.poly);
  // The block's status (every lane's counters: 4176 bits) is assembled only in the cycle a read
  // looks at it, and held (a latch) in the others, as cpo_d2d_ep's: rebuilt in every cycle, it
  // cost the simulator more per cycle than the host lanes' checkers.
  logic [MaxLanes-1:0] locked_all;
  assign locked_all = MaxLanes'(lane_locked_o);
  // The lanes' counters reach the ports through one process, word by word: per-lane continuous
  // assignments into the packed ports were merged by Verilator into one concatenation rebuilt
  // in every cycle (64 lanes: 20 k instructions a cycle, a fifth of the design's).
  logic [63:0] lane_bits [NumHostLanes], lane_errs [NumHostLanes];
  always_comb begin
    for (int unsigned l = 0; l < NumHostLanes; l++) begin
      lane_bits_o[l] = lane_bits[l];
      lane_errors_o[l] = lane_errs[l];
    end
  end
  always_latch begin
    if (traffic_re) begin
      t_hw2reg = '0;
      t_hw2reg.config_.num_lanes = 8'(NumHostLanes);
      t_hw2reg.config_.word_bits = 8'(WordBits);
      t_hw2reg.locked_lo.lanes = locked_all[31:0];
      t_hw2reg.locked_hi.lanes = locked_all[63:32];
      for (int unsigned l = 0; l < NumHostLanes; l++) begin
        t_hw2reg.lane_bits[l].value = lane_bits_o[l][31:0];
        t_hw2reg.lane_errs[l].value = lane_errors_o[l][31:0];
      end
    end
  end

  for (genvar l = 0; l < MaxLanes; l++) begin : g_host
    if (l < NumHostLanes) begin : g_lane
      // distinct non-zero seeds, as cpo_lanes_top's (lane + 1 in the bits PRBS7 uses)
      localparam logic [PrbsStateBits-1:0] Seed = {24'hace15d, 7'(l + 1)};
      cpo_traffic_lane #(.Width(WordBits), .Seed(Seed)) u_traffic (
        .clk_i,
        .rst_ni,
        .poly_i      (poly),
        .gen_en_i    (t_reg2hw.ctrl.gen_en),
        .inject_i    (t_reg2hw.lane_inject[l].inject),
        .inject_pos_i(t_reg2hw.lane_inject[l].pos),
        .tx_o        (a2o_tx[l]),
        .chk_en_i    (t_reg2hw.ctrl.chk_en),
        .rx_valid_i  (o2a_rx_valid[l/LinkLanes]),
        .rx_i        (o2a_rx[l]),
        .clear_i     (t_reg2hw.cnt_clear.clear),
        .locked_o    (lane_locked_o[l]),
        .bits_o      (lane_bits[l]),
        .errors_o    (lane_errs[l])
      );
    end
  end

  // ---- OE controller: the direct route and the tunnels share it -------------------------------
  // A chain of two-master arbiters: the tunnels of modules 0 .. k share one master (module 0
  // first), the direct route wins over them all (with one module: one arbiter, direct vs tunnel).
  apb_req_t [NumLinks-1:0] tun_req;  // tunnels 0 .. k, merged
  apb_rsp_t [NumLinks-1:0] tun_rsp;
  assign tun_req[0] = rmt_req[0];
  assign rmt_rsp[0] = tun_rsp[0];
  for (genvar k = 1; k < NumLinks; k++) begin : g_tun_arb
    apb_req_t [1:0] m_req;
    apb_rsp_t [1:0] m_rsp;
    assign m_req = {rmt_req[k], tun_req[k-1]};
    assign tun_rsp[k-1] = m_rsp[0];
    assign rmt_rsp[k] = m_rsp[1];
    cpo_d2d_apb_arb u_arb (
      .clk_i,
      .rst_ni,
      .req_i(m_req),
      .rsp_o(m_rsp),
      .req_o(tun_req[k]),
      .rsp_i(tun_rsp[k])
    );
  end

  apb_req_t [1:0] ctrl_req;
  apb_rsp_t [1:0] ctrl_rsp;
  apb_req_t       c_req;
  apb_rsp_t       c_rsp;
  assign ctrl_req[0] = '{psel: psel_i & sel_oe & oe_sel_ctrl, penable: penable_i,
                         pwrite: pwrite_i, paddr: 32'(oe_addr), pwdata: pwdata_i};
  assign ctrl_req[1] = tun_req[NumLinks-1];
  assign oe_ctrl_rsp = ctrl_rsp[0];
  assign tun_rsp[NumLinks-1] = ctrl_rsp[1];

  cpo_d2d_apb_arb u_ctrl_arb (
    .clk_i,
    .rst_ni,
    .req_i(ctrl_req),
    .rsp_o(ctrl_rsp),
    .req_o(c_req),
    .rsp_i(c_rsp)
  );

  // OE_CTRL holds the OE_MGMT block, module 1's OE endpoint (OE_D2D1) and CMIS; the rest
  // answers PSLVERR
  localparam int unsigned CmisBits = $clog2(CPO_ADDRMAP_CMIS_SIZE);
  logic [CPO_ADDRMAP_OE_ADDR_BITS-1:0] c_addr;
  logic mgmt_hit, d2d1_hit, cmis_hit, dac_window, adc_window, afe_window, unused_regs_window;
  assign c_addr = c_req.paddr[CPO_ADDRMAP_OE_ADDR_BITS-1:0];
  assign mgmt_hit = c_addr[CPO_ADDRMAP_OE_ADDR_BITS-1:CPO_OE_ADDR_BITS] ==
                    CPO_ADDRMAP_OE_MGMT_BASE[CPO_ADDRMAP_OE_ADDR_BITS-1:CPO_OE_ADDR_BITS];
  assign d2d1_hit = c_addr[CPO_ADDRMAP_OE_ADDR_BITS-1:CPO_D2D_ADDR_BITS] ==
                    CPO_ADDRMAP_OE_D2D1_BASE[CPO_ADDRMAP_OE_ADDR_BITS-1:CPO_D2D_ADDR_BITS];
  assign cmis_hit = c_addr[CPO_ADDRMAP_OE_ADDR_BITS-1:CmisBits] ==
                    CPO_ADDRMAP_CMIS_BASE[CPO_ADDRMAP_OE_ADDR_BITS-1:CmisBits];
  assign oe_d2d1_req = '{psel: c_req.psel & d2d1_hit, penable: c_req.penable,
                         pwrite: c_req.pwrite, paddr: 32'(c_addr), pwdata: c_req.pwdata};
  cpo_oe_reg_dec u_oe_win (
    .paddr_i(c_addr[CPO_OE_ADDR_BITS-1:0]),
    .dac_o  (dac_window),
    .adc_o  (adc_window),
    .regs_o (unused_regs_window)
  );
  assign afe_window = dac_window | adc_window;

  apb_rsp_t oe_reg_rsp, afe_rsp, cmis_rsp;
  always_comb begin
    c_rsp = '{prdata: '0, pready: 1'b1, pslverr: 1'b1};
    if (mgmt_hit) c_rsp = afe_window ? afe_rsp : oe_reg_rsp;
    if (d2d1_hit) c_rsp = oe_d2d1_rsp;
    if (cmis_hit) c_rsp = cmis_rsp;
  end

  cpo_oe_reg2hw_t o_reg2hw;
  cpo_oe_hw2reg_t o_hw2reg;
  apb_req_t oe_reg_req, afe_req;
  always_comb begin
    oe_reg_req = '{psel: c_req.psel & mgmt_hit & ~afe_window, penable: c_req.penable,
                   pwrite: c_req.pwrite, paddr: 32'(c_addr[CPO_OE_ADDR_BITS-1:0]),
                   pwdata: c_req.pwdata};
    afe_req = oe_reg_req;
    afe_req.psel = c_req.psel & mgmt_hit & afe_window;
  end
  logic unused_oe_re;
  cpo_oe_reg_top u_oe_reg (
    .clk_i,
    .rst_ni,
    .req_i      (oe_reg_req),
    .rsp_o      (oe_reg_rsp),
    .reg2hw_o   (o_reg2hw),
    .hw2reg_i   (o_hw2reg),
    .hw2reg_re_o(unused_oe_re)
  );
  assign o_hw2reg.config_.host_lanes = 8'(NumHostLanes);
  assign o_hw2reg.config_.media_lanes = 8'(NumMediaLanes);
  assign o_hw2reg.config_.host_word_bits = 8'(WordBits);
  assign o_hw2reg.config_.media_word_bits = 8'(MediaWordBits);
  assign o_hw2reg.d2d.modules = 8'(NumLinks);
  assign o_hw2reg.d2d.module_lanes = 8'(LinkLanes);
  assign o_hw2reg.conv.dac_channels = 8'(NumDacCh);
  assign o_hw2reg.conv.adc_channels = 8'(NumAdcCh);

  dac_write_t dac_write;
  cpo_afe_bank #(.NumLanes(NumMediaLanes)) u_afe (
    .clk_i,
    .rst_ni,
    .req_i       (afe_req),
    .dac_window_i(dac_window),
    .rsp_o       (afe_rsp),
    .dac_preset_i,
    .adc_code_i,
    .dac_write_o (dac_write)
  );

  // ---- CMIS (rtl/cmis): its window's offset is the block's own address -----------------------
  // Monitors: temperature from media lane 0's modulator ADC, Tx bias from each laser's current
  // DAC code (the last one that reached it through the ELS gate, the preset after reset), Tx
  // power from each lane's tap ADC, Rx power from its ADC (cpo_cmis derives laser faults, Tx
  // faults and Rx LOS from these and the lasers' power ADCs); Vcc: the converter bank has no
  // supply channel, so a constant 3.3 V supply code (1 mV).
  localparam logic [15:0] VccCodeMv = 16'd3300;
  // ELS lanes: enabled by the CMIS host, and those not darkened since a disable (below)
  logic [7:0] els_enable, els_lit_q;
  logic els_dark;
  logic [2:0] els_dark_lane;
  apb_req_t cmis_req;
  logic cmis_bus_wait;
  logic [63:0] cmis_next;
  always_comb begin
    next_event_o = cmis_next;
    for (int k = 0; k < NumLinks; k++) if (d2d_next[k] < next_event_o) next_event_o = d2d_next[k];
    if (els_dark) next_event_o = cycle_i;  // an ELS lane's 0 drive to write at the next edge
  end
  logic [NumMediaLanes-1:0] cmis_stream;
  logic cmis_managed;  // a host has powered the module up through CMIS: BYPASS no longer applies
  // each laser's drive as the lasers have it (the writes that crossed the ELS gate below: 0 for
  // a disabled ELS lane and one enabled again until the firmware drives it); CMIS monitors it
  logic [NumMediaLanes-1:0][CodeBits-1:0] bias_code_q;
  dac_write_t dac_out;  // the converter bank's writes through the ELS gate
  // A laser current preset before cycle 0 is the calibrated snapshot: it stands in for the
  // firmware that ran, so CAL_DONE starts with every media lane set (the first cycle sets them,
  // as the firmware would have); the firmware may clear a lane's bit later, to recalibrate it.
  logic cal_preset_q;
  logic [63:0] cal_done_all, cal_preset_all;
  logic [NumMediaLanes-1:0] cal_done;
  assign cal_done_all = {o_reg2hw.cal_done_hi.lanes, o_reg2hw.cal_done_lo.lanes};
  assign cal_done = cal_done_all[NumMediaLanes-1:0];
  assign cal_preset_all = 64'({NumMediaLanes{cal_preset_q}});
  assign o_hw2reg.cal_done_lo.lanes = cal_preset_all[31:0];
  assign o_hw2reg.cal_done_hi.lanes = cal_preset_all[63:32];
  // The external laser source: what the CMIS host set, for the firmware; what the firmware
  // reports (ELS_STATUS), for CMIS, preset on a calibrated start (every lane on and checked).
  logic [7:0] els_power_mode, els_lane_mask;
  logic [7:0][15:0] els_bias_set, els_power_set;
  logic [7:0] els_set_written, els_enable_q;
  logic [15:0] els_on_all;
  always_comb begin  // els_lane_mask: cpo_cmis's, from els_lanes_i
    for (int i = 0; i < 8; i++) begin
      els_on_all[2*i+:2] = els_lane_mask[i] ? 2'(cpo_cmis_pkg::CPO_CMIS_ELS_LANE_STATE_ON) : 2'd0;
    end
  end
  assign o_hw2reg.els_ctrl.enable = els_enable;
  assign o_hw2reg.els_ctrl.power_mode = els_power_mode;
  assign o_hw2reg.els_ctrl.setpoint_changed = els_set_written;
  assign o_hw2reg.els_ctrl.was_disabled = els_enable_q & ~els_enable & els_lane_mask;  // fell
  assign o_hw2reg.els_config.lanes = els_lanes_i;
  logic unused_els_events;  // the firmware's to read and clear: no hardware use
  assign unused_els_events = ^{o_reg2hw.els_ctrl.setpoint_changed, o_reg2hw.els_ctrl.was_disabled};
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) els_enable_q <= '1;
    else els_enable_q <= els_enable;
  end
  for (genvar i = 0; i < 8; i++) begin : g_els_set
    assign o_hw2reg.els_setpoint[i].bias = els_bias_set[i];
    assign o_hw2reg.els_setpoint[i].power = els_power_set[i];
  end
  assign o_hw2reg.els_status.state = cal_preset_q ? els_on_all : '0;
  assign o_hw2reg.els_status.fibre_checked = cal_preset_q ? els_lane_mask : '0;
  // Per media lane, over the Ratio host lanes of its data path: CAL_REQ, the data paths DPInit
  // waits on (a host lane in DPInit, the media lane not yet calibrated), for the firmware to
  // poll; DP_ACTIVE, those Activated on every host lane (as cpo_cmis's stream_en_o).
  logic [NumMediaLanes-1:0] cmis_dp_init, cmis_dp_active, cal_req;
  logic [63:0] cal_req_all, dp_active_all, tx_lol_all;
  for (genvar m = 0; m < NumMediaLanes; m++) begin : g_dp
    logic [Ratio-1:0] init, active;
    for (genvar k = 0; k < Ratio; k++) begin : g_lane
      assign init[k] = cmis_dp_state_o[m*Ratio+k] == 4'(cpo_cmis_pkg::CPO_CMIS_DP_STATE_INIT);
      assign active[k] =
          cmis_dp_state_o[m*Ratio+k] == 4'(cpo_cmis_pkg::CPO_CMIS_DP_STATE_ACTIVATED);
    end
    assign cmis_dp_init[m] = |init;
    assign cmis_dp_active[m] = &active;
  end
  assign cal_req = cmis_dp_init & ~cal_done;
  assign cal_req_all = 64'(cal_req);
  assign dp_active_all = 64'(cmis_dp_active);
  assign o_hw2reg.cal_req_lo.lanes = cal_req_all[31:0];
  assign o_hw2reg.cal_req_hi.lanes = cal_req_all[63:32];
  assign o_hw2reg.dp_active_lo.lanes = dp_active_all[31:0];
  assign o_hw2reg.dp_active_hi.lanes = dp_active_all[63:32];
  assign tx_lol_all = {o_reg2hw.tx_lol_hi.lanes, o_reg2hw.tx_lol_lo.lanes};
  assign cmis_req = '{psel: c_req.psel & cmis_hit, penable: c_req.penable, pwrite: c_req.pwrite,
                      paddr: 32'(c_addr[CmisBits-1:0]), pwdata: c_req.pwdata};
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bias_code_q <= dac_preset_i[DacLaserCurrent];
      cal_preset_q <= |dac_preset_i[DacLaserCurrent];
    end else begin
      cal_preset_q <= 1'b0;
      if (dac_out.we && 32'(dac_out.channel) == DacLaserCurrent) begin
        for (int m = 0; m < NumMediaLanes; m++)
          if (32'(dac_out.index) == m) bias_code_q[m] <= dac_out.code;
      end
    end
  end
  cpo_cmis #(.NumLanes(NumHostLanes), .NumMediaLanes(NumMediaLanes)) u_cmis (
    .clk_i,
    .rst_ni,
    .req_i          (cmis_req),
    .rsp_o          (cmis_rsp),
    .cycle_i,
    .cycles_per_us_i,
    .bus_bit_ps_i,
    .bus_header_bit_ps_i,
    .next_event_o   (cmis_next),
    .bus_wait_o     (cmis_bus_wait),
    .cal_done_i     (cal_done),
    .tx_lol_i       (tx_lol_all[NumMediaLanes-1:0]),
    .rx_lock_i      (lane_locked_o),
    .fault_i        (1'b0),
    .temp_code_i    (adc_code_i[AdcModTemp][0]),
    .vcc_code_i     (VccCodeMv),
    .tx_bias_code_i (bias_code_q),
    .tx_power_code_i(adc_code_i[AdcLaserPower]),
    .tx_tap_code_i  (adc_code_i[AdcTapPd]),
    .tx_tap_scale_q16_i,
    .rx_power_code_i(adc_code_i[AdcRxPower]),
    .els_lanes_i,
    .els_freq_i,
    .els_state_i    (o_reg2hw.els_status.state),
    .els_fibre_i    (o_reg2hw.els_status.fibre_checked),
    .els_temp_code_i(adc_code_i[AdcLaserTemp]),
    .els_lane_mask_o(els_lane_mask),
    .els_enable_o   (els_enable),
    .els_power_mode_o(els_power_mode),
    .els_bias_set_o (els_bias_set),
    .els_power_set_o(els_power_set),
    .els_set_written_o(els_set_written),
    .stream_en_o    (cmis_stream),
    .managed_o      (cmis_managed),
    .module_state_o (cmis_module_state_o),
    .dp_state_o     (cmis_dp_state_o)
  );

  // ELS lane enable (CMIS page 1Ah byte 220) gates the laser drive in hardware, for laser
  // safety: disabling a lane writes 0 to its laser (on the first cycle without a host write: one
  // write per cycle crosses the analog boundary) and drops the firmware's writes to it while it
  // is disabled (the DAC register keeps the code); enabling it lights nothing: the lane stays
  // dark until the firmware drives it, after its fibre check (OIF ELSFP's ramp).
  logic [7:0] els_gate_en, els_to_darken;
  logic els_gated;
  // lanes the source does not have are never gated
  assign els_gate_en = els_enable | ~els_lane_mask;
  assign els_to_darken = els_lit_q & ~els_gate_en;
  always_comb begin
    els_dark = 1'b0;
    els_dark_lane = '0;
    for (int i = 7; i >= 0; i--)
      if (els_to_darken[i]) begin
        els_dark = 1'b1;
        els_dark_lane = 3'(i);
      end
  end
  assign els_gated = dac_write.we && 32'(dac_write.channel) == DacLaserCurrent &&
                     32'(dac_write.index) < 8 && !els_gate_en[dac_write.index[2:0]];
  always_comb begin
    dac_out = dac_write;
    if (els_gated) dac_out.we = 1'b0;
    if (!dac_write.we && els_dark) begin
      dac_out.we = 1'b1;
      dac_out.channel = 8'(DacLaserCurrent);
      dac_out.index = 8'(els_dark_lane);
      dac_out.code = '0;
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) els_lit_q <= '1;  // the reset: every lane enabled (CMIS's reset too)
    else begin
      els_lit_q <= els_lit_q | els_gate_en;  // enabled: the firmware's writes go through again
      if (!dac_write.we && els_dark) els_lit_q[els_dark_lane] <= 1'b0;
    end
  end
  assign {dac_we_o, dac_channel_o, dac_index_o, dac_code_o} = dac_out; // dac_write_t's order

  // The host port's direct access is the one CMIS serves when no tunnel asks for the controller
  // (the arbiter's other master): then it waits on CMIS's bus timer alone.
  assign cmis_bus_wait_o = psel_i & sel_oe & oe_sel_ctrl & ~ctrl_req[1].psel & cmis_bus_wait;

  // ---- OE data path: host lanes <-> media lanes ----------------------------------------------
  logic [63:0] stream_all;
  assign stream_all = {o_reg2hw.stream_en_hi.lanes, o_reg2hw.stream_en_lo.lanes};
  // Under CMIS a lane streams once Activated, and while DPInit waits on its calibration (the
  // firmware measures traffic then; STREAM_EN says when).
  assign media_stream_o = stream_all[NumMediaLanes-1:0] &
                          (o_reg2hw.cmis_ctrl.bypass && !cmis_managed ? '1 : cmis_stream | cal_req);

  logic [NumMediaLanes-1:0][MediaWordBits-1:0] media_tx_q;
  for (genvar m = 0; m < NumMediaLanes; m++) begin : g_media
    logic [MediaWordBits-1:0] muxed;
    if (Ratio == 1) begin : g_direct  // whole words: Verilator evaluates a bit mux bit by bit
      assign muxed = a2o_rx[m];
      assign o2a_tx[m] = {WordBits{media_stream_o[m]}} & media_rx_i[m];
    end else begin : g_gearbox
      for (genvar k = 0; k < Ratio; k++) begin : g_slot
        for (genvar i = 0; i < WordBits; i++) begin : g_bit
          assign muxed[i*Ratio+k] = a2o_rx[m*Ratio+k][i];
          assign o2a_tx[m*Ratio+k][i] = media_stream_o[m] & media_rx_i[m][i*Ratio+k];
        end
      end
    end
    // what the link delivers, registered onto the media lane; idle (zeros) when the link
    // delivers nothing or the lane is parked
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) media_tx_q[m] <= '0;
      else media_tx_q[m] <= (a2o_rx_valid[m*Ratio/LinkLanes] && media_stream_o[m]) ? muxed : '0;
    end
  end
  assign media_tx_o = media_tx_q;

  logic unused_top;
  assign unused_top = ^{sel_none, oe_sel_none, unused_regs_window, stream_all, cal_done_all,
                         tx_lol_all,
                         c_req.paddr[31:CPO_ADDRMAP_OE_ADDR_BITS], o_reg2hw.scratch,
                         t_reg2hw.scratch, paddr_i[AddrBits-1:CPO_ADDRMAP_OE_ADDR_BITS]};

endmodule : cpo_engine_top
