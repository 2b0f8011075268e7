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
// (TRAINERROR at the lowest). LINKINIT exchanges the link-management Active request (0x01/0x02, subcode 01).
// ACTIVE leaves for PHYRETRAIN on an error burst, a host request or the partner's PHYRETRAIN
// request; PHYRETRAIN -> TXSELFCAL. A state that outstays ResidencyCycles >> timer_shift_i goes
// to TRAINERROR and tells the partner (0xE5); TRAINERROR holds until link_reset_i or the
// partner's LinkReset request, then RESET. link_reset_i in any state sends LinkReset (0x01,
// subcode 09) and goes to RESET.
module cpo_d2d_ltsm
  import cpo_d2d_pkg::*;
#(
  parameter int unsigned NumLanes         = 8,
  parameter int unsigned NumSpare         = 1,
  parameter int unsigned SbPatternCycles  = 1_000_000,  // 1 ms of 1 GHz datapath cycles (UCIe)
  parameter int unsigned ResidencyCycles  = 8_000_000,  // 8 ms (UCIe residency timeout)
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
  input  logic [2:0]         cap_speed_i,
  input  logic               cap_half_i,
  input  logic [3:0]         module_id_i,
  // sideband
  output logic               pat_en_o,
  input  logic               pat_iter_i,
  input  logic               pat_seen_i,
  input  logic               msg_valid_i,
  input  logic [63:0]        msg_hdr_i,
  input  logic [63:0]        msg_data_i,
  output logic               req_valid_o,
  output logic [63:0]        req_hdr_o,
  output logic [63:0]        req_data_o,
  input  logic               req_ready_i,
  output logic               resp_valid_o,
  output logic [63:0]        resp_hdr_o,
  output logic [63:0]        resp_data_o,
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

  function automatic logic [15:0] step_id(ltsm_state_e st, logic [2:0] step);
    return {state_req_code(st), step, st};
  endfunction

  localparam logic [15:0] SbinitDoneId = {8'h95, 8'h01};

  // ---- State ---------------------------------------------------------------------------------
  ltsm_state_e        state_q, state_d, prev_q, prev_d;
  sub_e               sub_q, sub_d;
  logic [31:0]        res_q, res_d;        // cycles in this state
  logic [31:0]        tmr_q, tmr_d;        // pattern on/off, reset dwell, 0x91 resend
  logic               pat_on_q, pat_on_d;
  logic [2:0]         pat_cnt_q, pat_cnt_d;
  logic               oor_seen_q, oor_seen_d;
  // exchange
  logic               xa_q, xa_d, xacked_q, xacked_d, xpeer_q, xpeer_d, xhas_q, xhas_d;
  logic [15:0]        xid_q, xid_d;
  logic [63:0]        xdata_q, xdata_d, peer_data_q, peer_data_d;
  logic               prv_q, prv_d, prv_has_q, prv_has_d;
  logic [15:0]        prv_id_q, prv_id_d;
  logic [63:0]        prv_data_q, prv_data_d;
  logic               pend_q, pend_d;
  logic [15:0]        pend_id_q, pend_id_d;
  logic [63:0]        pend_data_q, pend_data_d;
  logic [15:0]        rty_q, rty_d;
  // sideband slots
  logic               req_v_q, req_v_d, resp_v_q, resp_v_d;
  logic [63:0]        req_h_q, req_h_d, req_dt_q, req_dt_d, resp_h_q, resp_h_d, resp_dt_q, resp_dt_d;
  // link parameters
  logic [2:0]         speed_q, speed_d, neg_speed_q, neg_speed_d, rmt_speed_q, rmt_speed_d;
  logic               neg_half_q, neg_half_d, rmt_half_q, rmt_half_d;
  logic [3:0]         rmt_mod_q, rmt_mod_d;
  logic               speed_set_q, speed_set_d, degrade_q, degrade_d, rev_q, rev_d;
  logic               deskew_fail_q, deskew_fail_d;
  logic               rmt_rev_q, rmt_rev_d;
  logic [NumPhys-1:0] rx_bad_q, rx_bad_d, tx_bad_q, tx_bad_d;
  err_cause_e         cause_q, cause_d;
  ltsm_state_e        err_st_q, err_st_d;
  logic [15:0]        trainings_q, trainings_d, retrains_q, retrains_d, retries_q, retries_d;
  logic [7:0]         unexp_q, unexp_d;
  // strobes
  logic               op_start, rx_upd, tx_upd, rx_upd_q, tx_upd_q;

  logic [31:0] residency_limit, pattern_limit;
  assign residency_limit = ResidencyCycles >> timer_shift_i;
  assign pattern_limit = SbPatternCycles >> timer_shift_i;

  // Result of this end's receiver work, sent in the done step.
  logic [63:0] result;
  always_comb begin
    result = '0;
    unique case (state_q)
      StMbinitRepairClk:  result[0] = clk_ok_i;
      StMbinitRepairVal:  result[0] = val_ok_i;
      StMbinitReversalMb: result[0] = rev_detect_i;
      StMbinitRepairMb: begin
        result[NumPhys-1:0] = rx_bad_i;
        result[49:48] = rx_mode_i;
      end
      StMbtrainRxDeskew:  result[0] = deskew_ok_i;
      StMbtrainLinkSpeed: begin
        result[NumPhys-1:0] = rx_err_i & rx_used_i;
        result[40] = vld_err_i;
      end
      default: ;
    endcase
  end

  logic [NumPhys-1:0] my_err, pr_err;
  logic               my_vld, pr_vld;
  assign my_err = rx_err_i & rx_used_i;
  assign pr_err = peer_data_q[NumPhys-1:0] & tx_used_i;
  assign my_vld = vld_err_i;
  assign pr_vld = peer_data_q[40];

  always_comb begin
    logic       xdone, go, start_x, peer_te, peer_reset;
    logic [15:0] xs_id, mid;
    logic [63:0] xs_data;
    logic       xs_has;
    ltsm_state_e nxt;

    state_d = state_q;
    prev_d = prev_q;
    sub_d = sub_q;
    res_d = res_q + 32'd1;
    tmr_d = tmr_q + 32'd1;
    pat_on_d = pat_on_q;
    pat_cnt_d = pat_cnt_q;
    oor_seen_d = oor_seen_q;
    xa_d = xa_q;
    xacked_d = xacked_q;
    xpeer_d = xpeer_q;
    xhas_d = xhas_q;
    xid_d = xid_q;
    xdata_d = xdata_q;
    peer_data_d = peer_data_q;
    prv_d = prv_q;
    prv_has_d = prv_has_q;
    prv_id_d = prv_id_q;
    prv_data_d = prv_data_q;
    pend_d = pend_q;
    pend_id_d = pend_id_q;
    pend_data_d = pend_data_q;
    rty_d = rty_q;
    req_v_d = req_v_q && !req_ready_i;
    req_h_d = req_h_q;
    req_dt_d = req_dt_q;
    resp_v_d = resp_v_q && !resp_ready_i;
    resp_h_d = resp_h_q;
    resp_dt_d = resp_dt_q;
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
    rx_bad_d = rx_bad_q;
    tx_bad_d = tx_bad_q;
    cause_d = cause_q;
    err_st_d = err_st_q;
    trainings_d = trainings_q;
    retrains_d = retrains_q;
    retries_d = retries_q;
    unexp_d = unexp_q;
    op_start = 1'b0;
    rx_upd = 1'b0;
    tx_upd = 1'b0;
    peer_te = 1'b0;
    peer_reset = 1'b0;
    go = 1'b0;
    nxt = state_q;
    start_x = 1'b0;
    xs_id = '0;
    xs_data = '0;
    xs_has = 1'b0;
    mid = {hdr_msgcode(msg_hdr_i), hdr_subcode(msg_hdr_i)};

    // ---- Received messages -------------------------------------------------------------------
    if (msg_valid_i) begin
      if (mid[15:8] == McSbinitOor) begin
        oor_seen_d = 1'b1;
      end else if (mid[15:8] == McTrainErrorReq) begin
        peer_te = 1'b1;
        resp_v_d = 1'b1;
        resp_h_d = msg_hdr(1'b0, McTrainErrorRsp, mid[7:0], '0);
        resp_dt_d = '0;
      end else if (mid[15:8] == McTrainErrorRsp) begin
        // nothing to do: this end is in TRAINERROR already
      end else if (mid == {McLinkMgmtReq, LmLinkReset}) begin
        peer_reset = 1'b1;
      end else if (mid[11:8] == 4'h5 || mid[15:8] == McLinkMgmtReq) begin
        if (xa_q && mid == xid_q) begin
          xpeer_d = 1'b1;
          peer_data_d = msg_data_i;
          resp_v_d = 1'b1;
          resp_h_d = msg_hdr(xhas_q, resp_code(xid_q[15:8]), xid_q[7:0], '0);
          resp_dt_d = xdata_q;
        end else if (prv_q && mid == prv_id_q) begin
          // the partner missed our response: answer again
          resp_v_d = 1'b1;
          resp_h_d = msg_hdr(prv_has_q, resp_code(prv_id_q[15:8]), prv_id_q[7:0], '0);
          resp_dt_d = prv_data_q;
        end else begin
          pend_d = 1'b1;
          pend_id_d = mid;
          pend_data_d = msg_data_i;
        end
      end else if (xa_q && mid == {resp_code(xid_q[15:8]), xid_q[7:0]}) begin
        xacked_d = 1'b1;
      end else begin
        if (unexp_q != 8'hff) unexp_d = unexp_q + 8'd1;
      end
    end

    // ---- Exchange progress -------------------------------------------------------------------
    xdone = xa_q && xacked_q && xpeer_q && !resp_v_q;
    if (xdone) begin
      xa_d = 1'b0;
      prv_d = 1'b1;
      prv_id_d = xid_q;
      prv_data_d = xdata_q;
      prv_has_d = xhas_q;
    end
    if (xa_q && !xacked_q) begin
      rty_d = rty_q + 16'd1;
      if (32'(rty_q) >= RetryCycles) begin
        rty_d = '0;
        req_v_d = 1'b1;
        if (retries_q != 16'hffff) retries_d = retries_q + 16'd1;
      end
    end

    // ---- State logic -------------------------------------------------------------------------
    unique case (state_q)
      StReset: begin
        if (enable_i && 32'(tmr_q) >= ResetDwellCycles) begin
          go = 1'b1;
          nxt = StSbinit;
        end
      end

      StSbinit: begin
        unique case (sub_q)
          SubEntry: begin
            pat_on_d = 1'b1;
            tmr_d = '0;
            pat_cnt_d = '0;
            sub_d = SubPat;
          end
          SubPat: begin
            if (tmr_q >= pattern_limit) begin
              pat_on_d = !pat_on_q;
              tmr_d = '0;
            end
            if (pat_seen_i) pat_cnt_d = pat_cnt_q + 3'd1;
            if (pat_cnt_d >= 3'd2 || oor_seen_q) begin
              sub_d = SubPatTail;
              pat_cnt_d = '0;
            end
          end
          SubPatTail: begin
            if (pat_iter_i) pat_cnt_d = pat_cnt_q + 3'd1;
            if (pat_cnt_d >= 3'd4) begin
              sub_d = SubOor;
              tmr_d = RetryCycles;
            end
          end
          SubOor: begin
            if (oor_seen_q || (pend_q && pend_id_q == SbinitDoneId)) begin
              start_x = 1'b1;
              xs_id = SbinitDoneId;
              sub_d = SubXchg0;
            end else if (32'(tmr_q) >= RetryCycles) begin
              tmr_d = '0;
              req_v_d = 1'b1;
              req_h_d = msg_hdr(1'b0, McSbinitOor, 8'h00, '0);
              req_dt_d = '0;
            end
          end
          default: begin  // SubXchg0
            if (xdone) begin
              go = 1'b1;
              nxt = StMbinitParam;
            end
          end
        endcase
      end

      StActive: begin
        if (sub_q == SubEntry) begin
          sub_d = SubHold;
          if (trainings_q != 16'hffff) trainings_d = trainings_q + 16'd1;
        end
        if (retrain_req_i || retrain_i ||
            (pend_q && pend_id_q == step_id(StPhyRetrain, StepStart))) begin
          go = 1'b1;
          nxt = StPhyRetrain;
        end
      end

      StTrainError: begin
        if (sub_q == SubEntry) begin
          sub_d = SubHold;
          if (cause_q != ErrRemote) begin
            req_v_d = 1'b1;
            req_h_d = msg_hdr(1'b0, McTrainErrorReq, 8'h00, '0);
            req_dt_d = '0;
          end
        end
      end

      default: begin  // the training states: start exchange, work, done exchange, decide
        unique case (sub_q)
          SubEntry: begin
            start_x = 1'b1;
            xs_id = step_id(state_q, StepStart);
            if (state_q == StMbinitParam) begin
              xs_has = 1'b1;
              // capabilities: lanes [23:16], module ID [11:8], half width [4], max speed [2:0]
              xs_data = '0;
              xs_data[23:16] = 8'(cap_half_i ? NumLanes / 2 : NumLanes);
              xs_data[11:8] = module_id_i;
              xs_data[4] = cap_half_i;
              xs_data[2:0] = cap_speed_i;
            end
            if (state_q == StPhyRetrain && retrains_q != 16'hffff) retrains_d = retrains_q + 16'd1;
            sub_d = SubXchg0;
          end
          SubXchg0: begin
            if (xdone) begin
              if (rx_op_of(state_q) != RxOpNone) begin
                op_start = 1'b1;
                sub_d = SubWork;
              end else begin
                sub_d = SubDecide;
              end
            end
          end
          SubWork: begin
            if (rx_op_done_i) begin
              if (state_q == StMbinitRepairMb) begin
                rx_bad_d = rx_bad_i;
                rx_upd = 1'b1;
                tmr_d = '0;
                sub_d = SubMapRx;
              end else begin
                start_x = 1'b1;
                xs_id = step_id(state_q, StepDone);
                xs_has = 1'b1;
                xs_data = result;
                sub_d = SubXchg1;
              end
            end
          end
          SubMapRx: begin
            // the map update is registered, the map is computed the cycle after
            if (tmr_q >= 32'd2) begin
              start_x = 1'b1;
              xs_id = step_id(state_q, StepDone);
              xs_has = 1'b1;
              xs_data = result;
              sub_d = SubXchg1;
            end
          end
          SubXchg1: begin
            if (xdone) begin
              if (state_q == StMbinitRepairMb) begin
                tx_bad_d = peer_data_q[NumPhys-1:0];
                tx_upd = 1'b1;
                tmr_d = '0;
                sub_d = SubMapTx;
              end else begin
                sub_d = SubDecide;
              end
            end
          end
          SubMapTx: if (tmr_q >= 32'd2) sub_d = SubDecide;
          default: begin  // SubDecide
            go = 1'b1;
            unique case (state_q)
              StMbinitParam: begin
                rmt_speed_d = peer_data_q[2:0];
                rmt_half_d = peer_data_q[4];
                rmt_mod_d = peer_data_q[11:8];
                neg_speed_d = (peer_data_q[2:0] < cap_speed_i) ? peer_data_q[2:0] : cap_speed_i;
                // the common lane count: half width unless both offer every lane
                neg_half_d = 32'(peer_data_q[23:16]) < NumLanes || cap_half_i;
                nxt = StMbinitCal;
              end
              StMbinitCal: nxt = StMbinitRepairClk;
              StMbinitRepairClk: begin
                if (clk_ok_i && peer_data_q[0]) nxt = StMbinitRepairVal;
                else begin
                  nxt = StTrainError;
                  cause_d = ErrClk;
                end
              end
              StMbinitRepairVal: begin
                if (val_ok_i && peer_data_q[0]) nxt = StMbinitReversalMb;
                else begin
                  nxt = StTrainError;
                  cause_d = ErrVal;
                end
              end
              StMbinitReversalMb: begin
                rev_d = rev_detect_i;
                rmt_rev_d = peer_data_q[0];
                nxt = StMbinitRepairMb;
              end
              StMbinitRepairMb, StMbtrainRepair: begin
                if (rx_mode_i == WidthNone || tx_mode_i == WidthNone) begin
                  nxt = StTrainError;
                  cause_d = ErrRepair;
                end else begin
                  nxt = (state_q == StMbinitRepairMb) ? StMbtrainValVref : StMbtrainTxSelfCal;
                end
              end
              StMbtrainValVref: nxt = StMbtrainDataVref;
              StMbtrainDataVref: nxt = StMbtrainSpeedIdle;
              StMbtrainSpeedIdle: begin
                if (!speed_set_q) begin
                  speed_d = neg_speed_q;
                  speed_set_d = 1'b1;
                end else if (degrade_q) begin
                  speed_d = speed_q - 3'd1;
                  degrade_d = 1'b0;
                end
                nxt = StMbtrainTxSelfCal;
              end
              StMbtrainTxSelfCal: nxt = StMbtrainRxClkCal;
              StMbtrainRxClkCal: nxt = StMbtrainValTrainCenter;
              StMbtrainValTrainCenter: nxt = StMbtrainValTrainVref;
              StMbtrainValTrainVref: nxt = StMbtrainDataTrainCtr1;
              StMbtrainDataTrainCtr1: nxt = StMbtrainDataTrainVref;
              StMbtrainDataTrainVref: nxt = StMbtrainRxDeskew;
              StMbtrainRxDeskew: begin
                // A link that cannot be deskewed fails as a whole in LINKSPEED.
                deskew_fail_d = !(deskew_ok_i && peer_data_q[0]);
                nxt = StMbtrainDataTrainCtr2;
              end
              StMbtrainDataTrainCtr2: nxt = StMbtrainLinkSpeed;
              StMbtrainLinkSpeed: begin
                if (!deskew_fail_q && my_err == '0 && pr_err == '0 && !my_vld && !pr_vld) begin
                  nxt = StLinkInit;
                end else if (deskew_fail_q || my_vld || pr_vld || my_err == rx_used_i ||
                             pr_err == tx_used_i) begin
                  // the whole link fails at this speed
                  if (speed_q == '0) begin
                    nxt = StTrainError;
                    cause_d = deskew_fail_q ? ErrDeskew : ErrSpeed;
                  end else begin
                    degrade_d = 1'b1;
                    nxt = StMbtrainSpeedIdle;
                  end
                end else begin
                  rx_bad_d = rx_bad_q | my_err;
                  tx_bad_d = tx_bad_q | pr_err;
                  rx_upd = 1'b1;
                  tx_upd = 1'b1;
                  nxt = StMbtrainRepair;
                end
              end
              StLinkInit: nxt = StActive;
              StPhyRetrain: nxt = StMbtrainTxSelfCal;
              default: nxt = StTrainError;
            endcase
          end
        endcase
      end
    endcase

    // ---- Exchange start ----------------------------------------------------------------------
    if (start_x) begin
      xa_d = 1'b1;
      xid_d = xs_id;
      xdata_d = xs_data;
      xhas_d = xs_has;
      xacked_d = 1'b0;
      xpeer_d = 1'b0;
      rty_d = '0;
      req_v_d = 1'b1;
      req_h_d = msg_hdr(xs_has, xs_id[15:8], xs_id[7:0], '0);
      req_dt_d = xs_data;
      if (pend_d && pend_id_d == xs_id) begin
        pend_d = 1'b0;
        xpeer_d = 1'b1;
        peer_data_d = pend_data_d;
        resp_v_d = 1'b1;
        resp_h_d = msg_hdr(xs_has, resp_code(xs_id[15:8]), xs_id[7:0], '0);
        resp_dt_d = xs_data;
      end
    end

    // ---- Leaving the normal flow -------------------------------------------------------------
    if (link_reset_i || peer_reset) begin
      if (link_reset_i) begin
        req_v_d = 1'b1;
        req_h_d = msg_hdr(1'b0, McLinkMgmtReq, LmLinkReset, '0);
        req_dt_d = '0;
      end
      go = 1'b1;
      nxt = StReset;
    end else if (peer_te && state_q != StReset && state_q != StTrainError) begin
      go = 1'b1;
      nxt = StTrainError;
      cause_d = ErrRemote;
    end else if (timed(state_q) && res_q >= residency_limit) begin
      go = 1'b1;
      nxt = StTrainError;
      cause_d = ErrTimeout;
    end

    if (go && nxt != state_q) begin
      state_d = nxt;
      prev_d = state_q;
      sub_d = SubEntry;
      res_d = '0;
      tmr_d = '0;
      if (nxt == StTrainError) err_st_d = state_q;
      if (nxt == StReset || nxt == StTrainError) begin
        xa_d = 1'b0;
        pend_d = 1'b0;
        prv_d = 1'b0;
        oor_seen_d = 1'b0;
      end
      if (nxt == StReset) begin
        speed_d = '0;
        speed_set_d = 1'b0;
        degrade_d = 1'b0;
        rev_d = 1'b0;
        rmt_rev_d = 1'b0;
        rx_bad_d = '0;
        tx_bad_d = '0;
        neg_half_d = 1'b0;
      end
      if (nxt == StSbinit) cause_d = ErrNone;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StReset;
      prev_q <= StReset;
      sub_q <= SubEntry;
      res_q <= '0;
      tmr_q <= '0;
      pat_on_q <= 1'b0;
      pat_cnt_q <= '0;
      oor_seen_q <= 1'b0;
      xa_q <= 1'b0;
      xacked_q <= 1'b0;
      xpeer_q <= 1'b0;
      xhas_q <= 1'b0;
      xid_q <= '0;
      xdata_q <= '0;
      peer_data_q <= '0;
      prv_q <= 1'b0;
      prv_has_q <= 1'b0;
      prv_id_q <= '0;
      prv_data_q <= '0;
      pend_q <= 1'b0;
      pend_id_q <= '0;
      pend_data_q <= '0;
      rty_q <= '0;
      req_v_q <= 1'b0;
      req_h_q <= '0;
      req_dt_q <= '0;
      resp_v_q <= 1'b0;
      resp_h_q <= '0;
      resp_dt_q <= '0;
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
      cause_q <= ErrNone;
      err_st_q <= StReset;
      trainings_q <= '0;
      retrains_q <= '0;
      retries_q <= '0;
      unexp_q <= '0;
      rx_upd_q <= 1'b0;
      tx_upd_q <= 1'b0;
    end else begin
      rx_upd_q <= rx_upd;
      tx_upd_q <= tx_upd;
      state_q <= state_d;
      prev_q <= prev_d;
      sub_q <= sub_d;
      res_q <= res_d;
      tmr_q <= tmr_d;
      pat_on_q <= pat_on_d;
      pat_cnt_q <= pat_cnt_d;
      oor_seen_q <= oor_seen_d;
      xa_q <= xa_d;
      xacked_q <= xacked_d;
      xpeer_q <= xpeer_d;
      xhas_q <= xhas_d;
      xid_q <= xid_d;
      xdata_q <= xdata_d;
      peer_data_q <= peer_data_d;
      prv_q <= prv_d;
      prv_has_q <= prv_has_d;
      prv_id_q <= prv_id_d;
      prv_data_q <= prv_data_d;
      pend_q <= pend_d;
      pend_id_q <= pend_id_d;
      pend_data_q <= pend_data_d;
      rty_q <= rty_d;
      req_v_q <= req_v_d;
      req_h_q <= req_h_d;
      req_dt_q <= req_dt_d;
      resp_v_q <= resp_v_d;
      resp_h_q <= resp_h_d;
      resp_dt_q <= resp_dt_d;
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
      cause_q <= cause_d;
      err_st_q <= err_st_d;
      trainings_q <= trainings_d;
      retrains_q <= retrains_d;
      retries_q <= retries_d;
      unexp_q <= unexp_d;
    end
  end

  // ---- Outputs -------------------------------------------------------------------------------
  assign pat_en_o = state_q == StSbinit &&
                    ((sub_q == SubPat && pat_on_q) || sub_q == SubPatTail);
  assign req_valid_o = req_v_q;
  assign req_hdr_o = req_h_q;
  assign req_data_o = req_dt_q;
  assign resp_valid_o = resp_v_q;
  assign resp_hdr_o = resp_h_q;
  assign resp_data_o = resp_dt_q;
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
  assign unexpected_o = unexp_q;
  assign retries_o = retries_q;

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
  // An exchange completes only with both halves done.
  XchgComplete_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      (xa_q && !xa_d && state_d != StReset && state_d != StTrainError) |-> (xacked_q && xpeer_q));

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
