// One die-to-die endpoint (the ASIC side or the optical-engine side; the same design): link
// training state machine, sideband with register tunnel, transmit and receive lanes, lane maps,
// training log, behind the d2d register block.
//
// Wires: tx_wire_o/rx_wire_i index w = 0..P-1 data and spare lanes, P the valid lane, P+1 the
// clock lane (P = NumLanes + NumSpare); rx_phase_o is the sampling phase per receive wire, used
// by the channel's sampler model. Payload: tx_data_i is taken in the cycles where tx_valid_i and
// tx_ready_o are both high (ACTIVE without BIST); logical lanes at and above width_o are unused.
// rx_data_o is valid with rx_valid_o; rx_err_o marks a cycle whose valid-lane check failed.
// The register tunnel initiator (TUN_* registers) reaches the partner's tunnel target, which
// executes accesses on its m_* APB master port (TunTarget = 0: refused as unsupported).
module cpo_d2d_ep
  import cpo_apb_pkg::*;
  import cpo_d2d_pkg::*;
  import cpo_d2d_reg_pkg::*;
  import cpo_prbs_pkg::*;
#(
  parameter int unsigned NumLanes        = 8,
  parameter int unsigned NumSpare        = 1,
  parameter bit          Side            = 1'b0,       // 0 ASIC, 1 optical engine
  parameter int unsigned TimerShift      = 0,          // default timer scaling (TIMER register)
  parameter bit          TunTarget       = 1'b1,
  localparam int unsigned NumPhys  = NumLanes + NumSpare,
  localparam int unsigned NumRx    = NumPhys + 1,
  localparam int unsigned NumWires = NumPhys + 2
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  // time: the datapath cycle number (0 in the first cycle after reset), cycles per microsecond
  // (Q16.16); the earliest cycle a training timer falls due, and whether the state machine only
  // waits (cpo_d2d_ltsm's next_event_o and wait_o)
  input  logic [63:0]                        cycle_i,
  input  logic [31:0]                        cycles_per_us_i,
  output logic [63:0]                        next_event_o,
  output logic                               wait_o,
  // register port (APB3; the registers decode the low CPO_D2D_ADDR_BITS of paddr)
  input  apb_req_t                           req_i,
  output apb_rsp_t                           rsp_o,
  // register tunnel target: accesses from the partner (APB3 master)
  output apb_req_t                           m_req_o,
  input  apb_rsp_t                           m_rsp_i,
  // lanes
  output logic [NumWires-1:0][WordBits-1:0]  tx_wire_o,
  input  logic [NumWires-1:0][WordBits-1:0]  rx_wire_i,
  output logic [NumWires-1:0][PhaseBits-1:0] rx_phase_o,
  output logic [2:0]                         speed_o,
  // sideband
  output logic                               sb_clk_o,
  output logic                               sb_dat_o,
  input  logic                               sb_clk_i,
  input  logic                               sb_dat_i,
  // payload
  input  logic [NumLanes-1:0][WordBits-1:0]  tx_data_i,
  input  logic                               tx_valid_i,
  output logic                               tx_ready_o,
  output logic [NumLanes-1:0][WordBits-1:0]  rx_data_o,
  output logic                               rx_valid_o,
  output logic                               rx_err_o,
  // status
  output ltsm_state_e                        state_o,
  output logic                               link_up_o,
  output logic [7:0]                         width_o
);

  // ---- Registers -----------------------------------------------------------------------------
  cpo_d2d_reg2hw_t reg2hw;
  cpo_d2d_hw2reg_t hw2reg;
  logic            hw2reg_re;

  cpo_d2d_reg_top u_regs (
    .*,  // clock, reset and the register port, passed through by name
    .reg2hw_o   (reg2hw),
    .hw2reg_i   (hw2reg),
    .hw2reg_re_o(hw2reg_re)
  );

  logic [31:0] cycle_q;  // the CYCLE register and the log's stamps
  assign cycle_q = cycle_i[31:0];

  logic [4:0] timer_shift;
  logic       cnt_clear, bist;
  prbs_poly_e bist_poly;
  assign timer_shift = reg2hw.timer.use_shift ? reg2hw.timer.shift : 5'(TimerShift);
  assign cnt_clear = reg2hw.cmd.cnt_clear;
  assign bist = reg2hw.ctrl.bist_en;
  assign bist_poly = prbs_poly_e'(reg2hw.ctrl.bist_poly);

  // ---- Sideband ------------------------------------------------------------------------------
  logic              pat_en, pat_iter, pat_seen;
  sb_pkt_t [3:0]     sb_tx;
  logic [3:0]        sb_tx_ready;
  sb_pkt_t           sb_msg, sb_req, sb_cpl;
  logic [15:0]       sb_tx_pkts, sb_rx_pkts, sb_parity, sb_framing;

  cpo_d2d_sideband u_sb (
    .clk_i,
    .rst_ni,
    .sb_clk_o,
    .sb_dat_o,
    .sb_clk_i,
    .sb_dat_i,
    .pat_en_i      (pat_en),
    .pat_iter_o    (pat_iter),
    .pat_seen_o    (pat_seen),
    .tx_i          (sb_tx),
    .tx_ready_o    (sb_tx_ready),
    .msg_o         (sb_msg),
    .req_o         (sb_req),
    .cpl_o         (sb_cpl),
    .cnt_clear_i   (cnt_clear),
    .tx_pkts_o     (sb_tx_pkts),
    .rx_pkts_o     (sb_rx_pkts),
    .parity_errs_o (sb_parity),
    .framing_errs_o(sb_framing)
  );

  // ---- Training state machine ----------------------------------------------------------------
  tx_pat_e            tx_pat;
  logic               clk_en, op_start, op_done, apply_data, apply_vld, rev, active;
  rx_op_e             rx_op;
  logic               clk_ok, val_ok, rev_detect, deskew_ok, vld_err, retrain_req;
  logic [NumPhys-1:0] rx_bad_res, rx_err_res, rx_bad, tx_bad, rx_used, tx_used;
  logic               half, rx_upd, tx_upd;
  width_mode_e        rx_mode, tx_mode;
  ltsm_state_e        state, prev_state, log_from, log_to, err_state;
  logic               log_push;
  err_cause_e         cause;
  logic [2:0]         speed, rmt_speed, neg_speed;
  logic               rmt_half, rmt_rev, neg_half;
  logic [3:0]         rmt_mod;
  logic [15:0]        trainings, retrains, retries;
  logic [7:0]         unexp_resp;

  cpo_d2d_ltsm #(
    .NumLanes(NumLanes),
    .NumSpare(NumSpare)
  ) u_ltsm (
    .clk_i,
    .rst_ni,
    .enable_i       (reg2hw.ctrl.enable),
    .link_reset_i   (reg2hw.cmd.link_reset),
    .retrain_i      (reg2hw.cmd.retrain),
    .timer_shift_i  (timer_shift),
    .cycle_i,
    .cycles_per_us_i,
    .next_event_o,
    .wait_o,
    .cap_speed_i    (reg2hw.cap.max_speed),
    .cap_half_i     (reg2hw.cap.half),
    .module_id_i    (reg2hw.cap.module_id),
    .pat_en_o       (pat_en),
    .pat_iter_i     (pat_iter),
    .pat_seen_i     (pat_seen),
    .msg_i          (sb_msg),
    .req_o          (sb_tx[2]),
    .req_ready_i    (sb_tx_ready[2]),
    .resp_o         (sb_tx[0]),
    .resp_ready_i   (sb_tx_ready[0]),
    .tx_pat_o       (tx_pat),
    .clk_en_o       (clk_en),
    .speed_o        (speed),
    .rx_op_o        (rx_op),
    .rx_op_start_o  (op_start),
    .apply_data_o   (apply_data),
    .apply_vld_o    (apply_vld),
    .rev_o          (rev),
    .active_o       (active),
    .rx_op_done_i   (op_done),
    .clk_ok_i       (clk_ok),
    .val_ok_i       (val_ok),
    .rev_detect_i   (rev_detect),
    .deskew_ok_i    (deskew_ok),
    .vld_err_i      (vld_err),
    .rx_bad_i       (rx_bad_res),
    .rx_err_i       (rx_err_res),
    .retrain_req_i  (retrain_req),
    .rx_bad_o       (rx_bad),
    .tx_bad_o       (tx_bad),
    .half_o         (half),
    .rx_map_update_o(rx_upd),
    .tx_map_update_o(tx_upd),
    .rx_mode_i      (rx_mode),
    .tx_mode_i      (tx_mode),
    .rx_used_i      (rx_used),
    .tx_used_i      (tx_used),
    .state_o        (state),
    .prev_state_o   (prev_state),
    .log_push_o     (log_push),
    .log_from_o     (log_from),
    .log_to_o       (log_to),
    .cause_o        (cause),
    .err_state_o    (err_state),
    .remote_speed_o (rmt_speed),
    .remote_half_o  (rmt_half),
    .remote_module_o(rmt_mod),
    .remote_rev_o   (rmt_rev),
    .neg_speed_o    (neg_speed),
    .neg_half_o     (neg_half),
    .trainings_o    (trainings),
    .retrains_o     (retrains),
    .unexpected_o   (unexp_resp),
    .retries_o      (retries)
  );

  // ---- Lane maps -----------------------------------------------------------------------------
  logic [NumLanes-1:0][5:0] rx_map, tx_map;
  logic [7:0]               rx_width, tx_width, width;

  cpo_d2d_lanemap #(.NumLanes(NumLanes), .NumSpare(NumSpare)) u_rx_map (
    .clk_i,
    .rst_ni,
    .bad_i      (rx_bad),
    .half_only_i(half),
    .update_i   (rx_upd),
    .map_o      (rx_map),
    .used_o     (rx_used),
    .width_o    (rx_width),
    .mode_o     (rx_mode)
  );

  cpo_d2d_lanemap #(.NumLanes(NumLanes), .NumSpare(NumSpare)) u_tx_map (
    .clk_i,
    .rst_ni,
    .bad_i      (tx_bad),
    .half_only_i(half),
    .update_i   (tx_upd),
    .map_o      (tx_map),
    .used_o     (tx_used),
    .width_o    (tx_width),
    .mode_o     (tx_mode)
  );

  // Both directions carry the same number of logical lanes.
  assign width = (rx_width < tx_width) ? rx_width : tx_width;

  // ---- Lanes ---------------------------------------------------------------------------------
  assign tx_ready_o = active && !bist;

  // Payload is registered on the way in, so no top-level input drives the transmit datapath
  // combinationally (the simulator would re-evaluate it on every input change).
  logic [NumLanes-1:0][WordBits-1:0] tx_data_q;
  logic                              tx_valid_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tx_data_q <= '0;
      tx_valid_q <= 1'b0;
    end else begin
      tx_data_q <= tx_data_i;
      tx_valid_q <= tx_valid_i && tx_ready_o;
    end
  end

  cpo_d2d_tx_lanes #(.NumLanes(NumLanes), .NumSpare(NumSpare)) u_tx (
    .clk_i,
    .rst_ni,
    .pat_i        (tx_pat),
    .clk_en_i     (clk_en),
    .map_i        (tx_map),
    .width_i      (width),
    .bist_i       (bist),
    .poly_i       (bist_poly),
    .inject_i     (reg2hw.bist_inj.inject),
    .inject_lane_i(reg2hw.bist_inj.lane),
    .inject_pos_i (reg2hw.bist_inj.pos),
    .data_i       (tx_data_q),
    .valid_i      (tx_valid_q && active && !bist),
    .wire_o       (tx_wire_o)
  );

  lane_stat_t [NumRx-1:0]  lane_stat;
  logic [NumRx-1:0][31:0]  lane_errs;
  logic [31:0]             err_cycles, valid_words;

  cpo_d2d_rx_lanes #(.NumLanes(NumLanes), .NumSpare(NumSpare)) u_rx (
    .clk_i,
    .rst_ni,
    .wire_i        (rx_wire_i),
    .phase_o       (rx_phase_o),
    .op_i          (rx_op),
    .op_start_i    (op_start),
    .op_done_o     (op_done),
    .apply_data_i  (apply_data),
    .apply_vld_i   (apply_vld),
    .settle_i      (reg2hw.train_cfg.settle),
    .window_i      (reg2hw.train_cfg.window),
    .frames_i      (reg2hw.train_cfg.scan_frames),
    .rev_i         (rev),
    .map_i         (rx_map),
    .width_i       (width),
    .clk_ok_o      (clk_ok),
    .val_ok_o      (val_ok),
    .rev_detect_o  (rev_detect),
    .deskew_ok_o   (deskew_ok),
    .bad_o         (rx_bad_res),
    .err_o         (rx_err_res),
    .vld_err_o     (vld_err),
    .active_i      (active),
    .bist_i        (bist),
    .poly_i        (bist_poly),
    .cnt_clear_i   (cnt_clear),
    .burst_win_i   (reg2hw.retrain_cfg.window),
    .burst_thresh_i(reg2hw.retrain_cfg.thresh),
    .retrain_o     (retrain_req),
    .data_o        (rx_data_o),
    .valid_o       (rx_valid_o),
    .err_cycle_o   (rx_err_o),
    .err_cycles_o  (err_cycles),
    .valid_words_o (valid_words),
    .stat_re_i     (hw2reg_re),
    .stat_o        (lane_stat),
    .lane_errs_o   (lane_errs)
  );

  // ---- Register tunnel -----------------------------------------------------------------------
  logic        tun_busy, tun_done, tun_err, tun_to;
  logic [31:0] tun_rdata;
  logic [4:0]  tun_tag;
  logic [7:0]  unexp_cpl, tgt_dropped;

  cpo_d2d_tun_ini u_tun_ini (
    .clk_i,
    .rst_ni,
    .go_i        (reg2hw.tun_ctrl.go),
    .write_i     (reg2hw.tun_ctrl.write),
    .be_i        (reg2hw.tun_ctrl.be),
    .addr_i      (reg2hw.tun_addr.addr),
    .wdata_i     (reg2hw.tun_wdata.data),
    .timeout_i   (reg2hw.tun_ctrl.timeout),
    .tx_o        (sb_tx[3]),
    .tx_ready_i  (sb_tx_ready[3]),
    .cpl_i       (sb_cpl),
    .busy_o      (tun_busy),
    .done_o      (tun_done),
    .err_o       (tun_err),
    .timeout_o   (tun_to),
    .rdata_o     (tun_rdata),
    .tag_o       (tun_tag),
    .unexpected_o(unexp_cpl)
  );

  cpo_d2d_tun_tgt #(.Enable(TunTarget)) u_tun_tgt (
    .clk_i,
    .rst_ni,
    .req_i      (sb_req),
    .tx_o       (sb_tx[1]),
    .tx_ready_i (sb_tx_ready[1]),
    .m_req_o,
    .m_rsp_i,
    .dropped_o  (tgt_dropped)
  );

  // ---- Training log --------------------------------------------------------------------------
  logic        log_valid, log_ovf;
  logic [31:0] log_cycle;
  ltsm_state_e log_head_from, log_head_to;
  logic [7:0]  log_count;

  cpo_d2d_log u_log (
    .clk_i,
    .rst_ni,
    .cycle_i     (cycle_q + 32'd1),  // the new state begins in the next cycle
    .push_i      (log_push),
    .from_i      (log_from),
    .to_i        (log_to),
    .pop_i       (reg2hw.cmd.log_pop),
    .clear_i     (reg2hw.cmd.log_clear),
    .valid_o     (log_valid),
    .head_cycle_o(log_cycle),
    .head_from_o (log_head_from),
    .head_to_o   (log_head_to),
    .count_o     (log_count),
    .overflow_o  (log_ovf)
  );

  // ---- Status registers ----------------------------------------------------------------------
  localparam int unsigned MaxLanes = CPO_D2D_MAX_LANES;
  logic [39:0] rx_bad40, tx_bad40;
  assign rx_bad40 = 40'(rx_bad);
  assign tx_bad40 = 40'(tx_bad);

  // A receiver lane's status in the LANE_STAT register layout (VLD_STAT has the same one).
  function automatic cpo_d2d_hw2reg_lane_stat_reg_t lane_stat_reg(lane_stat_t st);
    return '{phase: st.phase, eye_len: st.eye_len, eye_found: st.eye_found, locked: st.locked,
             id_valid: st.id_valid, id: st.id, delay: st.delay};
  endfunction

  // Assembled only in the cycle a register read looks at it, and held (a latch) in the others:
  // the register block reads hw2reg only in a read cycle (it has no w1c/rc field whose set
  // mask would be read every cycle), so what it holds in between is never seen, and the
  // simulator neither rebuilds nor clears the 3000-odd bits of status while the bus is idle
  // (an always_comb's '0 in idle cycles cost a 3387-bit clear on every evaluation, the block
  // being evaluated whenever cycle_i changes).
  always_latch begin
    if (hw2reg_re) begin
      hw2reg = '0;
      hw2reg.config_.num_lanes = 8'(NumLanes);
      hw2reg.config_.num_spare = 8'(NumSpare);
      hw2reg.config_.word_bits = 8'(WordBits);
      hw2reg.config_.side = Side;
      hw2reg.config_.num_phases = 5'(NumPhases - 1);
      hw2reg.timer.shift_eff = timer_shift;
      hw2reg.status.state = state;
      hw2reg.status.prev_state = prev_state;
      hw2reg.status.link_up = active;
      hw2reg.status.speed = speed;
      hw2reg.status.width = width;
      hw2reg.neg.remote_max_speed = rmt_speed;
      hw2reg.neg.remote_half = rmt_half;
      hw2reg.neg.remote_module_id = rmt_mod;
      hw2reg.neg.neg_speed = neg_speed;
      hw2reg.neg.neg_half = neg_half;
      hw2reg.neg.reversed = rev;
      hw2reg.neg.remote_reversed = rmt_rev;
      hw2reg.neg.rx_mode = rx_mode;
      hw2reg.neg.tx_mode = tx_mode;
      hw2reg.rx_bad_lo.mask = rx_bad40[31:0];
      hw2reg.rx_bad_hi.mask = rx_bad40[39:32];
      hw2reg.tx_bad_lo.mask = tx_bad40[31:0];
      hw2reg.tx_bad_hi.mask = tx_bad40[39:32];
      hw2reg.train_cnt.trainings = trainings;
      hw2reg.train_cnt.retrains = retrains;
      hw2reg.err_status.cause = cause;
      hw2reg.err_status.state = err_state;
      hw2reg.active_errs.count = err_cycles;
      hw2reg.active_words.count = valid_words;
      hw2reg.sb_pkts.tx = sb_tx_pkts;
      hw2reg.sb_pkts.rx = sb_rx_pkts;
      hw2reg.sb_errs.parity = sb_parity;
      hw2reg.sb_errs.framing = sb_framing;
      hw2reg.sb_match.unexp_resp = unexp_resp;
      hw2reg.sb_match.unexp_cpl = unexp_cpl;
      hw2reg.sb_match.tgt_dropped = tgt_dropped;
      hw2reg.sb_retries.count = retries;
      hw2reg.log_status.count = log_count;
      hw2reg.log_status.overflow = log_ovf;
      hw2reg.log_status.valid = log_valid;
      hw2reg.log_cycle.cycle = log_cycle;
      hw2reg.log_entry.from = log_head_from;
      hw2reg.log_entry.to = log_head_to;
      hw2reg.cycle.count = cycle_q;
      hw2reg.tun_status.busy = tun_busy;
      hw2reg.tun_status.done = tun_done;
      hw2reg.tun_status.err = tun_err;
      hw2reg.tun_status.timeout = tun_to;
      hw2reg.tun_status.tag = tun_tag;
      hw2reg.tun_rdata.data = tun_rdata;
      hw2reg.vld_stat = lane_stat_reg(lane_stat[NumPhys]);
      hw2reg.vld_errs.count = lane_errs[NumPhys];
      for (int unsigned r = 0; r < NumPhys; r++) begin
        hw2reg.lane_stat[r] = lane_stat_reg(lane_stat[r]);
        hw2reg.lane_errs[r].count = lane_errs[r];
      end
      for (int unsigned j = 0; j < NumLanes; j++) begin
        hw2reg.lane_map[j].tx_lane = tx_map[j];
        hw2reg.lane_map[j].rx_lane = rev ? 6'(NumPhys - 1 - 32'(rx_map[j])) : rx_map[j];
        hw2reg.lane_map[j].used = j < 32'(width);
      end
    end
  end

  assign speed_o = speed;
  assign state_o = state;
  assign link_up_o = active;
  assign width_o = width;

  // The register block's scratch word and the lane arrays beyond this design have no hardware.
  logic unused_regs;
  assign unused_regs = ^reg2hw.scratch;

  // ---- Assertions ----------------------------------------------------------------------------
  // At most one sideband client is granted per cycle.
  SbGrantOneHot_A: assert property (@(posedge clk_i) disable iff (!rst_ni) $onehot0(sb_tx_ready));
  // Payload is only accepted in ACTIVE.
  PayloadOnlyActive_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      tx_ready_o |-> state == StActive);
  // The lane maps never use more logical lanes than exist.
  WidthInRange_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      32'(width) <= NumLanes);

  initial begin : LanesFit_A
    assert (NumPhys <= MaxLanes && NumPhys <= 38 && NumLanes % 2 == 0 && NumLanes >= 2)
    else $fatal(1, "cpo_d2d_ep: %0d + %0d lanes do not fit (max 38, even lane count)", NumLanes,
                NumSpare);
  end

endmodule : cpo_d2d_ep
