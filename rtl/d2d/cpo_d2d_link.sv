// The whole die-to-die link: ASIC-side endpoint, channel, optical-engine-side endpoint.
//
// Register ports (each behind a register slice, cpo_d2d_apb_cut: accesses take two extra
// cycles): asic_* reaches the ASIC endpoint (the host's view), ch_* the channel block
// (tests and scenarios set faults there), oe_* the OE endpoint directly (the OE's local
// controller; tests use it as a backdoor). The ASIC's register tunnel reaches the OE space of
// rtl/addrmap.toml: its OE_D2D block is the OE endpoint's own registers (shared with oe_*
// through an arbiter), the rest (OE_CTRL) goes out on rmt_* (the OE controller's registers).
// The ASIC endpoint accepts no tunnel accesses from the OE.
// a2o_wire_o / o2a_wire_o show what each transmitter puts on the wires (for tests and traces).
//
// Time: cycle_i is the datapath cycle number (0 in the first cycle after reset; the harness sets
// it before every clocked cycle and moves it on over skipped ones), cycles_per_us_i the clock
// (Q16.16) the 1 ms / 8 ms training timers are counted in. next_event_o is the earliest cycle a
// training timer of either end falls due (all ones for none). quiet_o: nothing in the link
// changes until then but its free-running payload, so a parked design may skip cycles up to it
// (cycle_i keeps the timers, the log and the channel's random streams exact): both ends ACTIVE,
// or both ends only waiting (RESET, SBINIT's pattern-off half, TRAINERROR) with both sideband
// directions silent for longer than a training request's resend period, so that no message is
// under way or due.
module cpo_d2d_link
  import cpo_apb_pkg::*;
  import cpo_d2d_pkg::*;
  import cpo_addrmap_pkg::*;
  import cpo_d2d_reg_pkg::*;
  import cpo_d2dch_reg_pkg::*;
#(
  parameter int unsigned NumLanes        = 8,
  parameter int unsigned NumSpare        = 1,
  parameter int unsigned TimerShift      = 0,
  localparam int unsigned NumPhys  = NumLanes + NumSpare,
  localparam int unsigned NumWires = NumPhys + 2,
  localparam int unsigned TunAddrBits = CPO_ADDRMAP_OE_ADDR_BITS
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  // time
  input  logic [63:0]                       cycle_i,
  input  logic [31:0]                       cycles_per_us_i,
  output logic [63:0]                       next_event_o,
  output logic                              quiet_o,
  // ASIC endpoint registers
  input  logic                              asic_psel_i,
  input  logic                              asic_penable_i,
  input  logic                              asic_pwrite_i,
  input  logic [CPO_D2D_ADDR_BITS-1:0]      asic_paddr_i,
  input  logic [31:0]                       asic_pwdata_i,
  output logic [31:0]                       asic_prdata_o,
  output logic                              asic_pready_o,
  output logic                              asic_pslverr_o,
  // OE endpoint registers (local port)
  input  logic                              oe_psel_i,
  input  logic                              oe_penable_i,
  input  logic                              oe_pwrite_i,
  input  logic [CPO_D2D_ADDR_BITS-1:0]      oe_paddr_i,
  input  logic [31:0]                       oe_pwdata_i,
  output logic [31:0]                       oe_prdata_o,
  output logic                              oe_pready_o,
  output logic                              oe_pslverr_o,
  // channel registers
  input  logic                              ch_psel_i,
  input  logic                              ch_penable_i,
  input  logic                              ch_pwrite_i,
  input  logic [CPO_D2DCH_ADDR_BITS-1:0]    ch_paddr_i,
  input  logic [31:0]                       ch_pwdata_i,
  output logic [31:0]                       ch_prdata_o,
  output logic                              ch_pready_o,
  output logic                              ch_pslverr_o,
  // tunnel accesses beyond the OE endpoint's registers
  output logic                              rmt_psel_o,
  output logic                              rmt_penable_o,
  output logic                              rmt_pwrite_o,
  output logic [TunAddrBits-1:0]            rmt_paddr_o,
  output logic [31:0]                       rmt_pwdata_o,
  input  logic [31:0]                       rmt_prdata_i,
  input  logic                              rmt_pready_i,
  input  logic                              rmt_pslverr_i,
  // payload ASIC -> OE
  input  logic [NumLanes-1:0][WordBits-1:0] a2o_tx_data_i,
  input  logic                              a2o_tx_valid_i,
  output logic                              a2o_tx_ready_o,
  output logic [NumLanes-1:0][WordBits-1:0] a2o_rx_data_o,
  output logic                              a2o_rx_valid_o,
  output logic                              a2o_rx_err_o,
  // payload OE -> ASIC
  input  logic [NumLanes-1:0][WordBits-1:0] o2a_tx_data_i,
  input  logic                              o2a_tx_valid_i,
  output logic                              o2a_tx_ready_o,
  output logic [NumLanes-1:0][WordBits-1:0] o2a_rx_data_o,
  output logic                              o2a_rx_valid_o,
  output logic                              o2a_rx_err_o,
  // observation
  output logic [4:0]                        asic_state_o,
  output logic [4:0]                        oe_state_o,
  output logic                              asic_link_up_o,
  output logic                              oe_link_up_o,
  output logic [NumWires-1:0][WordBits-1:0] a2o_wire_o,
  output logic [NumWires-1:0][WordBits-1:0] o2a_wire_o
);

  logic [NumWires-1:0][WordBits-1:0]  a2o_rx, o2a_rx;
  logic [NumWires-1:0][PhaseBits-1:0] a2o_phase, o2a_phase;
  logic [2:0]                         asic_speed, oe_speed;
  logic                               a2o_sbc_tx, a2o_sbd_tx, a2o_sbc_rx, a2o_sbd_rx;
  logic                               o2a_sbc_tx, o2a_sbd_tx, o2a_sbc_rx, o2a_sbd_rx;
  ltsm_state_e                        asic_state, oe_state;
  logic [7:0]                         asic_width, oe_width;
  logic [63:0]                        asic_next, oe_next;
  logic                               asic_wait, oe_wait;

  // ---- Register ports: registered slices cut the top-level inputs off the register blocks ----
  apb_req_t a_req, o_req, c_req;
  apb_rsp_t a_rsp, o_rsp, c_rsp;
  cpo_d2d_apb_cut #(.AddrBits(CPO_D2D_ADDR_BITS)) u_asic_cut (
    .clk_i,
    .rst_ni,
    .psel_i   (asic_psel_i),
    .penable_i(asic_penable_i),
    .pwrite_i (asic_pwrite_i),
    .paddr_i  (asic_paddr_i),
    .pwdata_i (asic_pwdata_i),
    .prdata_o (asic_prdata_o),
    .pready_o (asic_pready_o),
    .pslverr_o(asic_pslverr_o),
    .req_o    (a_req),
    .rsp_i    (a_rsp)
  );

  cpo_d2d_apb_cut #(.AddrBits(CPO_D2D_ADDR_BITS)) u_oe_cut (
    .clk_i,
    .rst_ni,
    .psel_i   (oe_psel_i),
    .penable_i(oe_penable_i),
    .pwrite_i (oe_pwrite_i),
    .paddr_i  (oe_paddr_i),
    .pwdata_i (oe_pwdata_i),
    .prdata_o (oe_prdata_o),
    .pready_o (oe_pready_o),
    .pslverr_o(oe_pslverr_o),
    .req_o    (o_req),
    .rsp_i    (o_rsp)
  );

  cpo_d2d_apb_cut #(.AddrBits(CPO_D2DCH_ADDR_BITS)) u_ch_cut (
    .clk_i,
    .rst_ni,
    .psel_i   (ch_psel_i),
    .penable_i(ch_penable_i),
    .pwrite_i (ch_pwrite_i),
    .paddr_i  (ch_paddr_i),
    .pwdata_i (ch_pwdata_i),
    .prdata_o (ch_prdata_o),
    .pready_o (ch_pready_o),
    .pslverr_o(ch_pslverr_o),
    .req_o    (c_req),
    .rsp_i    (c_rsp)
  );

  // ---- ASIC endpoint -------------------------------------------------------------------------
  apb_req_t asic_m_req;

  cpo_d2d_ep #(
    .NumLanes       (NumLanes),
    .NumSpare       (NumSpare),
    .Side           (1'b0),
    .TimerShift     (TimerShift),
    .TunTarget      (1'b0)
  ) u_asic (
    .clk_i,
    .rst_ni,
    .cycle_i,
    .cycles_per_us_i,
    .next_event_o(asic_next),
    .wait_o      (asic_wait),
    .req_i      (a_req),
    .rsp_o      (a_rsp),
    .m_req_o    (asic_m_req),
    .m_rsp_i    ('{prdata: '0, pready: 1'b1, pslverr: 1'b1}),
    .tx_wire_o  (a2o_wire_o),
    .rx_wire_i  (o2a_rx),
    .rx_phase_o (o2a_phase),
    .speed_o    (asic_speed),
    .sb_clk_o   (a2o_sbc_tx),
    .sb_dat_o   (a2o_sbd_tx),
    .sb_clk_i   (o2a_sbc_rx),
    .sb_dat_i   (o2a_sbd_rx),
    .tx_data_i  (a2o_tx_data_i),
    .tx_valid_i (a2o_tx_valid_i),
    .tx_ready_o (a2o_tx_ready_o),
    .rx_data_o  (o2a_rx_data_o),
    .rx_valid_o (o2a_rx_valid_o),
    .rx_err_o   (o2a_rx_err_o),
    .state_o    (asic_state),
    .link_up_o  (asic_link_up_o),
    .width_o    (asic_width)
  );

  // ---- Channel -------------------------------------------------------------------------------
  cpo_d2d_channel #(
    .NumLanes(NumLanes),
    .NumSpare(NumSpare)
  ) u_channel (
    .clk_i,
    .rst_ni,
    .cycle_i,
    .req_i       (c_req),
    .rsp_o       (c_rsp),
    .a2o_tx_i    (a2o_wire_o),
    .a2o_rx_o    (a2o_rx),
    .a2o_phase_i (a2o_phase),
    .a2o_speed_i (asic_speed),
    .a2o_sb_clk_i(a2o_sbc_tx),
    .a2o_sb_dat_i(a2o_sbd_tx),
    .a2o_sb_clk_o(a2o_sbc_rx),
    .a2o_sb_dat_o(a2o_sbd_rx),
    .o2a_tx_i    (o2a_wire_o),
    .o2a_rx_o    (o2a_rx),
    .o2a_phase_i (o2a_phase),
    .o2a_speed_i (oe_speed),
    .o2a_sb_clk_i(o2a_sbc_tx),
    .o2a_sb_dat_i(o2a_sbd_tx),
    .o2a_sb_clk_o(o2a_sbc_rx),
    .o2a_sb_dat_o(o2a_sbd_rx)
  );

  // ---- OE endpoint and its register access paths ---------------------------------------------
  apb_req_t               oe_m_req;
  apb_rsp_t               oe_m_rsp;
  logic [TunAddrBits-1:0] oe_m_paddr;
  assign oe_m_paddr = oe_m_req.paddr[TunAddrBits-1:0];
  // The tunnel addresses the map's OE space: its OE_D2D block stays here, the rest is OE_CTRL.
  logic        tun_local, unused_tun_ctrl, unused_tun_none;
  cpo_addrmap_oe_dec u_tun_dec (
    .paddr_i  (oe_m_paddr),
    .oe_d2d_o (tun_local),
    .oe_ctrl_o(unused_tun_ctrl),
    .none_o   (unused_tun_none)
  );

  // tunnel accesses outside the endpoint's window go out on rmt_*
  assign rmt_psel_o = oe_m_req.psel && !tun_local;
  assign rmt_penable_o = oe_m_req.penable && !tun_local;
  assign rmt_pwrite_o = oe_m_req.pwrite;
  assign rmt_paddr_o = oe_m_paddr;
  assign rmt_pwdata_o = oe_m_req.pwdata;

  // the arbiter's master 1: the tunnel's accesses to the endpoint's window
  apb_req_t       tun_req, r_req;
  apb_rsp_t [1:0] arb_rsp;
  apb_rsp_t       r_rsp;
  always_comb begin
    tun_req = oe_m_req;
    tun_req.psel = oe_m_req.psel && tun_local;
  end

  cpo_d2d_apb_arb u_oe_arb (
    .clk_i,
    .rst_ni,
    .req_i({tun_req, o_req}),
    .rsp_o(arb_rsp),
    .req_o(r_req),
    .rsp_i(r_rsp)
  );
  assign o_rsp = arb_rsp[0];
  assign oe_m_rsp = tun_local ? arb_rsp[1] :
      '{prdata: rmt_prdata_i, pready: rmt_pready_i, pslverr: rmt_pslverr_i};

  cpo_d2d_ep #(
    .NumLanes       (NumLanes),
    .NumSpare       (NumSpare),
    .Side           (1'b1),
    .TimerShift     (TimerShift),
    .TunTarget      (1'b1)
  ) u_oe (
    .clk_i,
    .rst_ni,
    .cycle_i,
    .cycles_per_us_i,
    .next_event_o(oe_next),
    .wait_o      (oe_wait),
    .req_i      (r_req),
    .rsp_o      (r_rsp),
    .m_req_o    (oe_m_req),
    .m_rsp_i    (oe_m_rsp),
    .tx_wire_o  (o2a_wire_o),
    .rx_wire_i  (a2o_rx),
    .rx_phase_o (a2o_phase),
    .speed_o    (oe_speed),
    .sb_clk_o   (o2a_sbc_tx),
    .sb_dat_o   (o2a_sbd_tx),
    .sb_clk_i   (a2o_sbc_rx),
    .sb_dat_i   (a2o_sbd_rx),
    .tx_data_i  (o2a_tx_data_i),
    .tx_valid_i (o2a_tx_valid_i),
    .tx_ready_o (o2a_tx_ready_o),
    .rx_data_o  (a2o_rx_data_o),
    .rx_valid_o (a2o_rx_valid_o),
    .rx_err_o   (a2o_rx_err_o),
    .state_o    (oe_state),
    .link_up_o  (oe_link_up_o),
    .width_o    (oe_width)
  );

  assign asic_state_o = asic_state;
  assign oe_state_o = oe_state;

  // ---- Time ----------------------------------------------------------------------------------
  // The last cycle a sideband clock ran on either direction's wires (sent or received). Silence
  // longer than a request's resend period (RetryCycles) plus the channel's few cycles means no
  // request is outstanding and nothing is in flight.
  localparam int unsigned SbSilentCycles = 2048 + 64;
  logic [63:0] sb_last_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) sb_last_q <= '0;
    else if (a2o_sbc_tx || a2o_sbc_rx || o2a_sbc_tx || o2a_sbc_rx) sb_last_q <= cycle_i;
  end
  assign next_event_o = asic_next < oe_next ? asic_next : oe_next;
  assign quiet_o = (asic_link_up_o && oe_link_up_o) ||
                   (asic_wait && oe_wait && cycle_i - sb_last_q > 64'(SbSilentCycles));

  // The ASIC endpoint's tunnel target is disabled: its master port is idle. The tunnel reaches
  // the OE space only.
  logic unused_link;
  assign unused_link = ^{asic_m_req, asic_width, oe_width, oe_m_req.paddr[31:TunAddrBits]};

  // Both ends agree on the link width once both are ACTIVE.
  WidthAgrees_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      (asic_link_up_o && oe_link_up_o) |-> asic_width == oe_width);

endmodule : cpo_d2d_link
