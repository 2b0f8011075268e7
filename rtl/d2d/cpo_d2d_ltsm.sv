// Link training state machine of one endpoint, modelled on UCIe's (shared/D2D.md); both ends run
// the same machine and keep in step over the sideband.
//
// Every training state is a symmetric exchange: on entry each end sends a request for the
// state's start step and answers the partner's; when both its request is answered and the
// partner's request has been answered, it does the state's receiver work (if any) while its
// transmitter keeps sending the state's pattern, then exchanges a done step that carries its
// result; both ends then take the same decision from the two results. A request that gets no
// response is resent every RetryCycles (a dropped sideband message costs time, not the link);
// a request that arrives early (the partner is one step ahead) is kept until this end gets there.
// The exchanges and their retries are cpo_d2d_ltsm_xchg's; the message layouts are in
// cpo_d2d_pkg ("Training messages").
//
// SBINIT: send the clock pattern (1 ms on, 1 ms off, scaled) until two pattern units arrive,
// send four more, then "out of reset" (0x91) until the partner's arrives, then the SBINIT done
// exchange (0x95/0x9A). MBINIT.PARAM exchanges capabilities (0xA5/0xAA with data): speed is the
// lower maximum, half width if either end asks for it. REPAIRCLK/REPAIRVAL check the clock and
// valid lanes (a failure is unrecoverable here: TRAINERROR). REVERSALMB decodes lane IDs and
// mirrors the receiver if most lanes arrive reversed. REPAIRMB exchanges the bad-lane masks and
// both ends map the logical lanes onto the good ones (cpo_d2d_lanemap). MBTRAIN.SPEEDIDLE sets
// the negotiated speed the first time and one step lower after a failed LINKSPEED. The centre
// states sweep the sampling phase; RXDESKEW aligns the lanes; LINKSPEED checks every used lane
// at speed: clean -> LINKINIT, a few bad lanes -> MBTRAIN.REPAIR (remap, maybe narrower) ->
// TXSELFCAL, the valid lane or every lane bad or a failed deskew -> SPEEDIDLE one speed lower
// (TRAINERROR at the lowest). LINKINIT exchanges the link-management Active request (0x01/0x02,
// subcode 01).
// ACTIVE leaves for PHYRETRAIN on an error burst, a host request or the partner's PHYRETRAIN
// request; PHYRETRAIN -> TXSELFCAL. A state that outstays ResidencyUs >> timer_shift_i goes
// to TRAINERROR and tells the partner (0xE5); TRAINERROR holds until link_reset_i or the
// partner's LinkReset request, then RESET. link_reset_i in any state sends LinkReset (0x01,
// subcode 09) and goes to RESET.
//
// Time: the timers are deadlines against cycle_i (the datapath cycle number, 0 in the first cycle
// after reset; it may jump while a parked design skips cycles), never counts of clocks: tmr and
// res below are cycle_i minus the cycle they started at. The 1 ms pattern and 8 ms residency are
// real time, from cycles_per_us_i (Q16.16). next_event_o is the earliest cycle a timer of this
// machine falls due (all ones for none); wait_o says the machine does nothing until then or until
// a message or a register command arrives (RESET, SBINIT's pattern-off half, TRAINERROR).
module cpo_d2d_ltsm
  import cpo_d2d_pkg::*;
#(
  parameter int unsigned NumLanes         = 8,
  parameter int unsigned NumSpare         = 1,
  parameter int unsigned SbPatternUs      = 1000,  // 1 ms (UCIe)
  parameter int unsigned ResidencyUs      = 8000,  // 8 ms (UCIe residency timeout)
  parameter int unsigned RetryCycles      = 2048,
  parameter int unsigned ResetDwellCycles = 64,
  localparam int unsigned NumPhys = NumLanes + NumSpare
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  // control
  input  logic               enable_i,
  input  logic               link_reset_i,
  input  logic               retrain_i,
  input  logic [4:0]         timer_shift_i,
  input  logic [63:0]        cycle_i,
  input  logic [31:0]        cycles_per_us_i,
  output logic [63:0]        next_event_o,
  output logic               wait_o,
  input  logic [2:0]         cap_speed_i,
  input  logic               cap_half_i,
  input  logic [3:0]         module_id_i,
  // sideband
  output logic               pat_en_o,
  input  logic               pat_iter_i,
  input  logic               pat_seen_i,
  input  sb_pkt_t            msg_i,
  output sb_pkt_t            req_o,
  input  logic               req_ready_i,
  output sb_pkt_t            resp_o,
  input  logic               resp_ready_i,
  // lanes
  output tx_pat_e            tx_pat_o,
  output logic               clk_en_o,
  output logic [2:0]         speed_o,
  output rx_op_e             rx_op_o,
  output logic               rx_op_start_o,
  output logic               apply_data_o,
  output logic               apply_vld_o,
  output logic               rev_o,
  output logic               active_o,
  input  logic               rx_op_done_i,
  input  logic               clk_ok_i,
  input  logic               val_ok_i,
  input  logic               rev_detect_i,
  input  logic               deskew_ok_i,
  input  logic               vld_err_i,
  input  logic [NumPhys-1:0] rx_bad_i,
  input  logic [NumPhys-1:0] rx_err_i,
  input  logic               retrain_req_i,
  // lane maps
  output logic [NumPhys-1:0] rx_bad_o,
  output logic [NumPhys-1:0] tx_bad_o,
  output logic               half_o,
  output logic               rx_map_update_o,
  output logic               tx_map_update_o,
  input  width_mode_e        rx_mode_i,
  input  width_mode_e        tx_mode_i,
  input  logic [NumPhys-1:0] rx_used_i,
  input  logic [NumPhys-1:0] tx_used_i,
  // status
  output ltsm_state_e        state_o,
  output ltsm_state_e        prev_state_o,
  output logic               log_push_o,
  output ltsm_state_e        log_from_o,
  output ltsm_state_e        log_to_o,
  output err_cause_e         cause_o,
  output ltsm_state_e        err_state_o,
  output logic [2:0]         remote_speed_o,
  output logic               remote_half_o,
  output logic [3:0]         remote_module_o,
  output logic               remote_rev_o,
  output logic [2:0]         neg_speed_o,
  output logic               neg_half_o,
  output logic [15:0]        trainings_o,
  output logic [15:0]        retrains_o,
  output logic [7:0]         unexpected_o,
  output logic [15:0]        retries_o
);

  // Where a state is: a training state goes SubEntry (start step) -> SubXchg0 -> [SubWork ->
  // [SubMapRx] -> SubXchg1 (done step) -> [SubMapTx]] -> SubDecide; SBINIT goes SubEntry ->
  // SubPat -> SubPatTail -> SubOor -> SubXchg0; ACTIVE and TRAINERROR SubEntry -> SubHold.
  typedef enum logic [3:0] {
    SubEntry,
    SubXchg0,
    SubWork,
    SubMapRx,
    SubXchg1,
    SubMapTx,
    SubDecide,
    SubPat,
    SubPatTail,
    SubOor,
    SubHold
  } sub_e;

  // ---- What each state does ------------------------------------------------------------------
  function automatic rx_op_e rx_op_of(ltsm_state_e st);
    unique case (st)
      StMbinitRepairClk:                              return RxOpClkChk;
      StMbinitRepairVal:                              return RxOpValChk;
      StMbinitReversalMb, StMbinitRepairMb:           return RxOpIdScan;
      StMbtrainValTrainCenter, StMbtrainDataTrainCtr1,
      StMbtrainDataTrainCtr2:                         return RxOpSweep;
      StMbtrainRxDeskew:                              return RxOpDeskew;
      StMbtrainLinkSpeed:                             return RxOpErrCnt;
      default:                                        return RxOpNone;
    endcase
  endfunction

  function automatic tx_pat_e tx_pat_of(ltsm_state_e st);
    unique case (st)
      StMbinitRepairVal:                                   return TxValTrain;
      StMbinitReversalMb, StMbinitRepairMb, StMbtrainRxDeskew: return TxLaneId;
      StMbtrainValTrainCenter, StMbtrainDataTrainCtr1, StMbtrainDataTrainCtr2,
      StMbtrainLinkSpeed:                                  return TxPrbs;
      StActive:                                            return TxActive;
      default:                                             return TxIdle;
    endcase
  endfunction

  function automatic logic timed(ltsm_state_e st);
    return !(st == StReset || st == StActive || st == StTrainError || st >= StL1L2);
  endfunction

  // The states that run the symmetric exchange (start step, work, done step, decide).
  function automatic logic is_training(ltsm_state_e st);
    return !(st == StReset || st == StSbinit || st == StActive || st == StTrainError);
  endfunction

  // ---- State ---------------------------------------------------------------------------------
  ltsm_state_e        state_q, state_d, prev_q, prev_d;
  sub_e               sub_q, sub_d;
  logic [63:0]        res_q;               // cycles in this state (cycle_i - res_at_q)
  logic [63:0]        res_at_q, res_at_d;
  logic [63:0]        tmr_q, tmr_d;        // pattern on/off, reset dwell, 0x91 resend, map wait
  logic [63:0]        tmr_at_q, tmr_at_d;  // tmr_q is cycle_i - tmr_at_q
  logic               pat_on_q, pat_on_d;
  logic [2:0]         pat_cnt_q, pat_cnt_d;
  // link parameters
  logic [2:0]         speed_q, speed_d, neg_speed_q, neg_speed_d, rmt_speed_q, rmt_speed_d;
  logic               neg_half_q, neg_half_d, rmt_half_q, rmt_half_d;
  logic [3:0]         rmt_mod_q, rmt_mod_d;
  logic               speed_set_q, speed_set_d, degrade_q, degrade_d, rev_q, rev_d;
  logic               deskew_fail_q, deskew_fail_d;
  logic               rmt_rev_q, rmt_rev_d;
  logic [NumPhys-1:0] rx_bad_q, rx_bad_d, tx_bad_q, tx_bad_d;
  logic               rx_upd, tx_upd, rx_upd_q, tx_upd_q;
  // status
  err_cause_e         cause_q, cause_d;
  ltsm_state_e        err_st_q, err_st_d;
  logic [15:0]        trainings_q, trainings_d, retrains_q, retrains_d;

  // datapath cycles of @us microseconds, scaled by 2^-timer_shift_i (at least 1)
  function automatic logic [63:0] us_cycles(int unsigned us);
    logic [63:0] c;
    c = ((64'(us) * 64'(cycles_per_us_i)) >> 16) >> timer_shift_i;
    return c == 0 ? 64'd1 : c;
  endfunction
  logic [63:0] residency_limit, pattern_limit;
  assign residency_limit = us_cycles(ResidencyUs);
  assign pattern_limit = us_cycles(SbPatternUs);
  assign res_q = cycle_i - res_at_q;
  assign tmr_q = cycle_i - tmr_at_q;

  // ---- Message exchange ----------------------------------------------------------------------
  logic        x_start, x_has, x_send, x_clear, x_done, pend, oor_seen, peer_te, peer_reset;
  msg_id_t     x_id, x_send_id, pend_id;
  logic [63:0] x_data, peer_data;

  cpo_d2d_ltsm_xchg #(
    .RetryCycles (RetryCycles)
  ) u_xchg (
    .clk_i,
    .rst_ni,
    .start_i      (x_start),
    .start_id_i   (x_id),
    .start_has_i  (x_has),
    .start_data_i (x_data),
    .send_i       (x_send),
    .send_id_i    (x_send_id),
    .clear_i      (x_clear),
    .done_o       (x_done),
    .peer_data_o  (peer_data),
    .pend_o       (pend),
    .pend_id_o    (pend_id),
    .oor_seen_o   (oor_seen),
    .peer_te_o    (peer_te),
    .peer_reset_o (peer_reset),
    .msg_i,
    .req_o,
    .req_ready_i,
    .resp_o,
    .resp_ready_i,
    .unexpected_o,
    .retries_o
  );

  // ---- Results -------------------------------------------------------------------------------
  // This end's result, sent in the done step, and the partner's, received in it.
  done_data_t         result, peer_done;
  param_data_t        peer_param;
  logic [NumPhys-1:0] my_err, pr_err;
  logic               my_vld, pr_vld, peer_ok;
  assign peer_done = done_data_t'(peer_data);
  assign peer_param = param_data_t'(peer_data);
  assign peer_ok = done_ok(peer_done);
  assign my_err = rx_err_i & rx_used_i;
  assign pr_err = peer_done.lanes[NumPhys-1:0] & tx_used_i;
  assign my_vld = vld_err_i;
  assign pr_vld = peer_done.vld_err;

  always_comb begin
    result = '0;
    unique case (state_q)
      StMbinitRepairClk:  result = done_flag(clk_ok_i);
      StMbinitRepairVal:  result = done_flag(val_ok_i);
      StMbinitReversalMb: result = done_flag(rev_detect_i);
      StMbinitRepairMb: begin
        result.lanes = MaxDoneLanes'(rx_bad_i);
        result.width = rx_mode_i;
      end
      StMbtrainRxDeskew:  result = done_flag(deskew_ok_i);
      StMbtrainLinkSpeed: begin
        result.lanes = MaxDoneLanes'(my_err);
        result.vld_err = my_vld;
      end
      default: ;
    endcase
  end

  // LINKSPEED: clean; or failed as a whole at this speed; else a few lanes to repair.
  logic ls_clean, ls_fail_all;
  assign ls_clean = !deskew_fail_q && my_err == '0 && pr_err == '0 && !my_vld && !pr_vld;
  assign ls_fail_all = !ls_clean && (deskew_fail_q || my_vld || pr_vld || my_err == rx_used_i ||
                                     pr_err == tx_used_i);

  // ---- SBINIT: the clock pattern, "out of reset", the done exchange ---------------------------
  sub_e        sb_sub;
  logic [63:0] sb_tmr;
  logic        sb_start, sb_oor, sb_done;
  always_comb begin
    sb_sub = sub_q;
    sb_tmr = tmr_q + 64'd1;
    pat_on_d = pat_on_q;
    pat_cnt_d = pat_cnt_q;
    sb_start = 1'b0;
    sb_oor = 1'b0;
    sb_done = 1'b0;
    if (state_q == StSbinit) begin
      unique case (sub_q)
        SubEntry: begin
          pat_on_d = 1'b1;
          sb_tmr = '0;
          pat_cnt_d = '0;
          sb_sub = SubPat;
        end
        SubPat: begin
          if (tmr_q >= pattern_limit) begin
            pat_on_d = !pat_on_q;
            sb_tmr = '0;
          end
          if (pat_seen_i) pat_cnt_d = pat_cnt_q + 3'd1;
          if (pat_cnt_d >= 3'd2 || oor_seen) begin
            sb_sub = SubPatTail;
            pat_cnt_d = '0;
          end
        end
        SubPatTail: begin
          if (pat_iter_i) pat_cnt_d = pat_cnt_q + 3'd1;
          if (pat_cnt_d >= 3'd4) begin
            sb_sub = SubOor;
            sb_tmr = 64'(RetryCycles);
          end
        end
        SubOor: begin
          if (oor_seen || (pend && pend_id == SbinitDoneId)) begin
            sb_start = 1'b1;
            sb_sub = SubXchg0;
          end else if (tmr_q >= 64'(RetryCycles)) begin
            sb_tmr = '0;
            sb_oor = 1'b1;  // resend "out of reset"
          end
        end
        default: sb_done = x_done;  // SubXchg0
      endcase
    end
  end

  // ---- Training states: start exchange, receiver work, done exchange, decide ------------------
  sub_e         tr_sub;
  logic         tr_tmr_clr, tr_start, map_rx, map_tx, decide, op_start;
  msg_id_t      tr_id;
  logic         tr_has;
  logic [63:0]  tr_data;
  always_comb begin
    tr_sub = sub_q;
    tr_tmr_clr = 1'b0;
    tr_start = 1'b0;
    tr_id = step_id(state_q, StepDone);
    tr_has = 1'b1;
    tr_data = result;
    map_rx = 1'b0;
    map_tx = 1'b0;
    decide = 1'b0;
    op_start = 1'b0;
    if (is_training(state_q)) begin
      unique case (sub_q)
        SubEntry: begin
          tr_start = 1'b1;
          tr_id = step_id(state_q, StepStart);
          tr_has = state_q == StMbinitParam;
          tr_data = '0;
          if (state_q == StMbinitParam) begin
            tr_data = param_data(8'(cap_half_i ? NumLanes / 2 : NumLanes), module_id_i,
                                 cap_half_i, cap_speed_i);
          end
          tr_sub = SubXchg0;
        end
        SubXchg0: begin
          if (x_done) begin
            op_start = rx_op_of(state_q) != RxOpNone;
            tr_sub = op_start ? SubWork : SubDecide;
          end
        end
        SubWork: begin
          if (rx_op_done_i) begin
            // REPAIRMB first maps its receiver onto the good lanes
            map_rx = state_q == StMbinitRepairMb;
            tr_tmr_clr = map_rx;
            tr_start = !map_rx;
            tr_sub = map_rx ? SubMapRx : SubXchg1;
          end
        end
        // the map update is registered, the map is computed the cycle after
        SubMapRx: begin
          if (tmr_q >= 64'd2) begin
            tr_start = 1'b1;
            tr_sub = SubXchg1;
          end
        end
        SubXchg1: begin
          if (x_done) begin
            map_tx = state_q == StMbinitRepairMb;
            tr_tmr_clr = map_tx;
            tr_sub = map_tx ? SubMapTx : SubDecide;
          end
        end
        SubMapTx: if (tmr_q >= 64'd2) tr_sub = SubDecide;
        default: decide = 1'b1;  // SubDecide
      endcase
    end
  end

  // ---- Decision: the next state from both ends' results ---------------------------------------
  ltsm_state_e dec_nxt;
  err_cause_e  dec_cause;  // ErrNone: the cause stays
  always_comb begin
    dec_nxt = StTrainError;
    dec_cause = ErrNone;
    unique case (state_q)
      StMbinitParam:      dec_nxt = StMbinitCal;
      StMbinitCal:        dec_nxt = StMbinitRepairClk;
      StMbinitRepairClk: begin
        if (clk_ok_i && peer_ok) dec_nxt = StMbinitRepairVal;
        else dec_cause = ErrClk;
      end
      StMbinitRepairVal: begin
        if (val_ok_i && peer_ok) dec_nxt = StMbinitReversalMb;
        else dec_cause = ErrVal;
      end
      StMbinitReversalMb: dec_nxt = StMbinitRepairMb;
      StMbinitRepairMb, StMbtrainRepair: begin
        if (rx_mode_i == WidthNone || tx_mode_i == WidthNone) dec_cause = ErrRepair;
        else dec_nxt = (state_q == StMbinitRepairMb) ? StMbtrainValVref : StMbtrainTxSelfCal;
      end
      StMbtrainValVref:        dec_nxt = StMbtrainDataVref;
      StMbtrainDataVref:       dec_nxt = StMbtrainSpeedIdle;
      StMbtrainSpeedIdle:      dec_nxt = StMbtrainTxSelfCal;
      StMbtrainTxSelfCal:      dec_nxt = StMbtrainRxClkCal;
      StMbtrainRxClkCal:       dec_nxt = StMbtrainValTrainCenter;
      StMbtrainValTrainCenter: dec_nxt = StMbtrainValTrainVref;
      StMbtrainValTrainVref:   dec_nxt = StMbtrainDataTrainCtr1;
      StMbtrainDataTrainCtr1:  dec_nxt = StMbtrainDataTrainVref;
      StMbtrainDataTrainVref:  dec_nxt = StMbtrainRxDeskew;
      // a link that cannot be deskewed fails as a whole in LINKSPEED
      StMbtrainRxDeskew:       dec_nxt = StMbtrainDataTrainCtr2;
      StMbtrainDataTrainCtr2:  dec_nxt = StMbtrainLinkSpeed;
      StMbtrainLinkSpeed: begin
        if (ls_clean) dec_nxt = StLinkInit;
        else if (!ls_fail_all) dec_nxt = StMbtrainRepair;
        else if (speed_q != '0) dec_nxt = StMbtrainSpeedIdle;  // one speed lower
        else dec_cause = deskew_fail_q ? ErrDeskew : ErrSpeed;
      end
      StLinkInit:              dec_nxt = StActive;
      StPhyRetrain:            dec_nxt = StMbtrainTxSelfCal;
      default:                 dec_nxt = StTrainError;
    endcase
  end

  // ---- Link parameters: capabilities, speed, reversal, bad-lane masks -------------------------
  logic params_reset;  // entering RESET
  always_comb begin
    speed_d = speed_q;
    neg_speed_d = neg_speed_q;
    rmt_speed_d = rmt_speed_q;
    neg_half_d = neg_half_q;
    rmt_half_d = rmt_half_q;
    rmt_mod_d = rmt_mod_q;
    speed_set_d = speed_set_q;
    degrade_d = degrade_q;
    deskew_fail_d = deskew_fail_q;
    rev_d = rev_q;
    rmt_rev_d = rmt_rev_q;
    rx_bad_d = map_rx ? rx_bad_i : rx_bad_q;
    tx_bad_d = map_tx ? peer_done.lanes[NumPhys-1:0] : tx_bad_q;
    rx_upd = map_rx;
    tx_upd = map_tx;
    if (decide) begin
      unique case (state_q)
        StMbinitParam: begin
          rmt_speed_d = peer_param.speed;
          rmt_half_d = peer_param.half;
          rmt_mod_d = peer_param.module_id;
          neg_speed_d = (peer_param.speed < cap_speed_i) ? peer_param.speed : cap_speed_i;
          // the common lane count: half width unless both offer every lane
          neg_half_d = 32'(peer_param.lanes) < NumLanes || cap_half_i;
        end
        StMbinitReversalMb: begin
          rev_d = rev_detect_i;
          rmt_rev_d = peer_ok;
        end
        StMbtrainSpeedIdle: begin
          if (!speed_set_q) begin
            speed_d = neg_speed_q;
            speed_set_d = 1'b1;
          end else if (degrade_q) begin
            speed_d = speed_q - 3'd1;
            degrade_d = 1'b0;
          end
        end
        StMbtrainRxDeskew: deskew_fail_d = !(deskew_ok_i && peer_ok);
        StMbtrainLinkSpeed: begin
          if (ls_fail_all && speed_q != '0) degrade_d = 1'b1;
          if (!ls_clean && !ls_fail_all) begin
            rx_bad_d = rx_bad_q | my_err;
            tx_bad_d = tx_bad_q | pr_err;
            rx_upd = 1'b1;
            tx_upd = 1'b1;
          end
        end
        default: ;
      endcase
    end
    if (params_reset) begin
      speed_d = '0;
      speed_set_d = 1'b0;
      degrade_d = 1'b0;
      rev_d = 1'b0;
      rmt_rev_d = 1'b0;
      rx_bad_d = '0;
      tx_bad_d = '0;
      neg_half_d = 1'b0;
    end
  end

  // ---- Where the machine goes next -----------------------------------------------------------
  logic        go;
  ltsm_state_e nxt;
  err_cause_e  leave_cause;  // ErrNone: the cause stays
  always_comb begin
    go = 1'b0;
    nxt = state_q;
    leave_cause = ErrNone;
    unique case (state_q)
      StReset: begin
        go = enable_i && tmr_q >= 64'(ResetDwellCycles);
        nxt = StSbinit;
      end
      StSbinit: begin
        go = sb_done;
        nxt = StMbinitParam;
      end
      StActive: begin
        go = retrain_req_i || retrain_i || (pend && pend_id == step_id(StPhyRetrain, StepStart));
        nxt = StPhyRetrain;
      end
      StTrainError: ;
      default: begin
        go = decide;
        nxt = dec_nxt;
      end
    endcase
    // leaving the normal flow
    if (link_reset_i || peer_reset) begin
      go = 1'b1;
      nxt = StReset;
    end else if (peer_te && state_q != StReset && state_q != StTrainError) begin
      go = 1'b1;
      nxt = StTrainError;
      leave_cause = ErrRemote;
    end else if (timed(state_q) && res_q >= residency_limit) begin
      go = 1'b1;
      nxt = StTrainError;
      leave_cause = ErrTimeout;
    end
  end

  // ---- State, step and status registers ------------------------------------------------------
  logic trans;
  assign trans = go && nxt != state_q;
  always_comb begin
    state_d = trans ? nxt : state_q;
    prev_d = trans ? state_q : prev_q;
    res_at_d = trans ? cycle_i + 64'd1 : res_at_q;
    err_st_d = (trans && nxt == StTrainError) ? state_q : err_st_q;
    cause_d = cause_q;
    if (decide && dec_cause != ErrNone) cause_d = dec_cause;
    if (leave_cause != ErrNone) cause_d = leave_cause;
    if (trans && nxt == StSbinit) cause_d = ErrNone;
    unique case (state_q)
      StSbinit: begin
        sub_d = sb_sub;
        tmr_d = sb_tmr;
      end
      StReset: begin
        sub_d = sub_q;
        tmr_d = tmr_q + 64'd1;
      end
      StActive, StTrainError: begin
        sub_d = (sub_q == SubEntry) ? SubHold : sub_q;
        tmr_d = tmr_q + 64'd1;
      end
      default: begin
        sub_d = tr_sub;
        tmr_d = tr_tmr_clr ? '0 : tmr_q + 64'd1;
      end
    endcase
    if (trans) begin
      sub_d = SubEntry;
      tmr_d = '0;
    end
    tmr_at_d = cycle_i + 64'd1 - tmr_d;  // tmr_d in the next cycle
  end

  // ---- Time: the next deadline, and whether nothing but it (or a message) can happen ---------
  always_comb begin
    next_event_o = '1;
    if (timed(state_q)) next_event_o = res_at_q + residency_limit;
    if (state_q == StSbinit && sub_q == SubPat && tmr_at_q + pattern_limit < next_event_o)
      next_event_o = tmr_at_q + pattern_limit;
    if (state_q == StReset && enable_i) next_event_o = tmr_at_q + 64'(ResetDwellCycles);
  end
  assign wait_o = state_q == StReset ||
                  (state_q == StSbinit && sub_q == SubPat && !pat_on_q) ||
                  (state_q == StTrainError && sub_q != SubEntry);

  // the counters saturate
  assign trainings_d = trainings_q + 16'(state_q == StActive && sub_q == SubEntry &&
                                         trainings_q != 16'hffff);
  assign retrains_d = retrains_q + 16'(state_q == StPhyRetrain && sub_q == SubEntry &&
                                       retrains_q != 16'hffff);

  // Commands to the exchange.
  assign x_start = (state_q == StSbinit) ? sb_start : tr_start;
  assign x_id = (state_q == StSbinit) ? SbinitDoneId : tr_id;
  assign x_has = (state_q == StSbinit) ? 1'b0 : tr_has;
  assign x_data = (state_q == StSbinit) ? '0 : tr_data;
  // one-off requests: LinkReset, this end's TRAINERROR (once, unless the partner's caused it),
  // SBINIT's "out of reset"
  logic te_send;
  assign te_send = state_q == StTrainError && sub_q == SubEntry && cause_q != ErrRemote;
  assign x_send = link_reset_i || te_send || (state_q == StSbinit && sb_oor);
  assign x_send_id = link_reset_i ? {McLinkMgmtReq, LmLinkReset} :
                     te_send      ? {McTrainErrorReq, 8'h00} : {McSbinitOor, 8'h00};
  assign x_clear = trans && (nxt == StReset || nxt == StTrainError);
  assign params_reset = trans && nxt == StReset;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StReset;
      prev_q <= StReset;
      sub_q <= SubEntry;
      res_at_q <= '0;
      tmr_at_q <= '0;
      pat_on_q <= 1'b0;
      pat_cnt_q <= '0;
      cause_q <= ErrNone;
      err_st_q <= StReset;
      trainings_q <= '0;
      retrains_q <= '0;
    end else begin
      state_q <= state_d;
      prev_q <= prev_d;
      sub_q <= sub_d;
      res_at_q <= res_at_d;
      tmr_at_q <= tmr_at_d;
      pat_on_q <= pat_on_d;
      pat_cnt_q <= pat_cnt_d;
      cause_q <= cause_d;
      err_st_q <= err_st_d;
      trainings_q <= trainings_d;
      retrains_q <= retrains_d;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      speed_q <= '0;
      neg_speed_q <= '0;
      rmt_speed_q <= '0;
      neg_half_q <= 1'b0;
      rmt_half_q <= 1'b0;
      rmt_mod_q <= '0;
      speed_set_q <= 1'b0;
      degrade_q <= 1'b0;
      deskew_fail_q <= 1'b0;
      rev_q <= 1'b0;
      rmt_rev_q <= 1'b0;
      rx_bad_q <= '0;
      tx_bad_q <= '0;
      rx_upd_q <= 1'b0;
      tx_upd_q <= 1'b0;
    end else begin
      speed_q <= speed_d;
      neg_speed_q <= neg_speed_d;
      rmt_speed_q <= rmt_speed_d;
      neg_half_q <= neg_half_d;
      rmt_half_q <= rmt_half_d;
      rmt_mod_q <= rmt_mod_d;
      speed_set_q <= speed_set_d;
      degrade_q <= degrade_d;
      deskew_fail_q <= deskew_fail_d;
      rev_q <= rev_d;
      rmt_rev_q <= rmt_rev_d;
      rx_bad_q <= rx_bad_d;
      tx_bad_q <= tx_bad_d;
      rx_upd_q <= rx_upd;
      tx_upd_q <= tx_upd;
    end
  end

  // ---- Outputs -------------------------------------------------------------------------------
  assign pat_en_o = state_q == StSbinit &&
                    ((sub_q == SubPat && pat_on_q) || sub_q == SubPatTail);
  assign tx_pat_o = tx_pat_of(state_q);
  assign clk_en_o = !(state_q == StReset || state_q == StSbinit || state_q == StTrainError);
  assign speed_o = speed_q;
  assign rx_op_o = rx_op_of(state_q);
  assign rx_op_start_o = op_start;
  assign apply_data_o = state_q == StMbtrainDataTrainCtr1 || state_q == StMbtrainDataTrainCtr2;
  assign apply_vld_o = state_q == StMbtrainValTrainCenter;
  assign rev_o = rev_q;
  assign active_o = state_q == StActive;
  assign rx_bad_o = rx_bad_q;
  assign tx_bad_o = tx_bad_q;
  assign half_o = neg_half_q;
  // one cycle after the new bad-lane mask is in its register
  assign rx_map_update_o = rx_upd_q;
  assign tx_map_update_o = tx_upd_q;
  assign state_o = state_q;
  assign prev_state_o = prev_q;
  assign log_push_o = state_d != state_q;
  assign log_from_o = state_q;
  assign log_to_o = state_d;
  assign cause_o = cause_q;
  assign err_state_o = err_st_q;
  assign remote_speed_o = rmt_speed_q;
  assign remote_half_o = rmt_half_q;
  assign remote_module_o = rmt_mod_q;
  assign remote_rev_o = rmt_rev_q;
  assign neg_speed_o = neg_speed_q;
  assign neg_half_o = neg_half_q;
  assign trainings_o = trainings_q;
  assign retrains_o = retrains_q;

  // ---- Assertions ----------------------------------------------------------------------------
  // The machine never enters the power states (not modelled) or an undefined code.
  StateLegal_A: assert property (@(posedge clk_i) disable iff (!rst_ni) state_q <= StTrainError);
  // The pattern is only sent in SBINIT, and lanes carry payload only in ACTIVE.
  PatternOnlyInSbinit_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      pat_en_o |-> state_q == StSbinit);
  // ACTIVE is only reached through LINKINIT.
  ActiveViaLinkInit_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      (state_d == StActive && state_q != StActive) |-> state_q == StLinkInit);
  // A link in ACTIVE has a lane map in both directions.
  ActiveHasLanes_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      state_q == StActive |-> (rx_mode_i != WidthNone && tx_mode_i != WidthNone));

  // Functional coverage: every state this machine can reach, one named point per state code
  // (ReachedXX_C, XX the code in hex) so that the coverage data tells them apart; the suite
  // must reach all of them (tests/d2d/test_d2d_coverage.cpp).
`define CPO_D2D_COVER_STATE(code, st) \
  Reached``code``_C: cover property (@(posedge clk_i) disable iff (!rst_ni) state_q == st);
  `CPO_D2D_COVER_STATE(00, StReset)
  `CPO_D2D_COVER_STATE(01, StSbinit)
  `CPO_D2D_COVER_STATE(02, StMbinitParam)
  `CPO_D2D_COVER_STATE(03, StMbinitCal)
  `CPO_D2D_COVER_STATE(04, StMbinitRepairClk)
  `CPO_D2D_COVER_STATE(05, StMbinitRepairVal)
  `CPO_D2D_COVER_STATE(06, StMbinitReversalMb)
  `CPO_D2D_COVER_STATE(07, StMbinitRepairMb)
  `CPO_D2D_COVER_STATE(08, StMbtrainValVref)
  `CPO_D2D_COVER_STATE(09, StMbtrainDataVref)
  `CPO_D2D_COVER_STATE(0A, StMbtrainSpeedIdle)
  `CPO_D2D_COVER_STATE(0B, StMbtrainTxSelfCal)
  `CPO_D2D_COVER_STATE(0C, StMbtrainRxClkCal)
  `CPO_D2D_COVER_STATE(0D, StMbtrainValTrainCenter)
  `CPO_D2D_COVER_STATE(0E, StMbtrainValTrainVref)
  `CPO_D2D_COVER_STATE(0F, StMbtrainDataTrainCtr1)
  `CPO_D2D_COVER_STATE(10, StMbtrainDataTrainVref)
  `CPO_D2D_COVER_STATE(11, StMbtrainRxDeskew)
  `CPO_D2D_COVER_STATE(12, StMbtrainDataTrainCtr2)
  `CPO_D2D_COVER_STATE(13, StMbtrainLinkSpeed)
  `CPO_D2D_COVER_STATE(14, StMbtrainRepair)
  `CPO_D2D_COVER_STATE(15, StPhyRetrain)
  `CPO_D2D_COVER_STATE(16, StLinkInit)
  `CPO_D2D_COVER_STATE(17, StActive)
  `CPO_D2D_COVER_STATE(18, StTrainError)
`undef CPO_D2D_COVER_STATE

endmodule : cpo_d2d_ltsm
