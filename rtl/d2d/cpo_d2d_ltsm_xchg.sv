// The link training state machine's message exchange and retry machine (rtl/d2d/README.md,
// "Training"); cpo_d2d_ltsm drives it.
//
// An exchange is one training step done by both ends: start_i sends this end's request; the
// partner's request with the same id is answered with this end's data; the exchange is done
// (done_o) when this end's request has its response and the partner's request has been
// answered (peer_data_o then holds the partner's data). A request without a response is resent
// every RetryCycles. A partner's request that arrives before this end starts the same step is
// kept (pend_o, pend_id_o) and answered at the start; one that repeats the previous exchange's
// request (the partner missed the response) is answered again.
//
// Outside the exchanges: "out of reset" sets oor_seen_o; a TRAINERROR request is answered and
// reported (peer_te_o); a LinkReset request is reported (peer_reset_o); anything else is counted
// (unexpected_o). send_i puts a one-off request without data in the request slot, ahead of an
// exchange's; clear_i (entering RESET or TRAINERROR) drops the exchange, the kept and the
// previous request and oor_seen_o.
module cpo_d2d_ltsm_xchg
  import cpo_d2d_pkg::*;
#(
  parameter int unsigned RetryCycles = 2048
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  // from the state machine
  input  logic        start_i,
  input  msg_id_t     start_id_i,
  input  logic        start_has_i,
  input  logic [63:0] start_data_i,
  input  logic        send_i,
  input  msg_id_t     send_id_i,
  input  logic        clear_i,
  // to the state machine
  output logic        done_o,
  output logic [63:0] peer_data_o,
  output logic        pend_o,
  output msg_id_t     pend_id_o,
  output logic        oor_seen_o,
  output logic        peer_te_o,
  output logic        peer_reset_o,
  // sideband
  input  sb_pkt_t     msg_i,
  output sb_pkt_t     req_o,
  input  logic        req_ready_i,
  output sb_pkt_t     resp_o,
  input  logic        resp_ready_i,
  // status
  output logic [7:0]  unexpected_o,
  output logic [15:0] retries_o
);

  // ---- State ---------------------------------------------------------------------------------
  // the exchange: active, answered, partner's request answered, id, whether with data, data
  logic        xa_q, xa_d, xacked_q, xacked_d, xpeer_q, xpeer_d, xhas_q, xhas_d;
  msg_id_t     xid_q, xid_d;
  logic [63:0] xdata_q, xdata_d, peer_data_q, peer_data_d;
  // the previous exchange's request, answered again if the partner repeats it
  logic        prv_q, prv_d, prv_has_q, prv_has_d;
  msg_id_t     prv_id_q, prv_id_d;
  logic [63:0] prv_data_q, prv_data_d;
  // a partner's request kept until this end starts the same step
  logic        pend_q, pend_d;
  msg_id_t     pend_id_q, pend_id_d;
  logic [63:0] pend_data_q, pend_data_d;
  logic [15:0] rty_q, rty_d;  // cycles since the request was sent
  // sideband slots
  logic        req_v_q, req_v_d, resp_v_q, resp_v_d;
  logic [63:0] req_h_q, req_h_d, req_dt_q, req_dt_d, resp_h_q, resp_h_d, resp_dt_q, resp_dt_d;
  logic        oor_seen_q, oor_seen_d;
  logic [15:0] retries_q, retries_d;
  logic [7:0]  unexp_q, unexp_d;

  // ---- Received messages ---------------------------------------------------------------------
  msg_id_t     mid;
  logic        rx_oor, rx_peer, rx_pend, rx_acked, rx_unexp, rx_resp;
  logic [63:0] rx_resp_h, rx_resp_dt;
  assign mid = hdr_id(msg_i.hdr);

  always_comb begin
    rx_oor = 1'b0;
    rx_peer = 1'b0;
    rx_pend = 1'b0;
    rx_acked = 1'b0;
    rx_unexp = 1'b0;
    rx_resp = 1'b0;
    rx_resp_h = '0;
    rx_resp_dt = '0;
    peer_te_o = 1'b0;
    peer_reset_o = 1'b0;
    if (msg_i.valid) begin
      if (mid[15:8] == McSbinitOor) begin
        rx_oor = 1'b1;
      end else if (mid[15:8] == McTrainErrorReq) begin
        peer_te_o = 1'b1;
        rx_resp = 1'b1;
        rx_resp_h = msg_hdr(1'b0, McTrainErrorRsp, mid[7:0], '0);
      end else if (mid[15:8] == McTrainErrorRsp) begin
        // nothing to do: this end is in TRAINERROR already
      end else if (mid == {McLinkMgmtReq, LmLinkReset}) begin
        peer_reset_o = 1'b1;
      end else if (is_step_req(mid)) begin
        if (xa_q && mid == xid_q) begin
          rx_peer = 1'b1;
          rx_resp = 1'b1;
          rx_resp_h = resp_msg_hdr(xhas_q, xid_q);
          rx_resp_dt = xdata_q;
        end else if (prv_q && mid == prv_id_q) begin
          // the partner missed our response: answer again
          rx_resp = 1'b1;
          rx_resp_h = resp_msg_hdr(prv_has_q, prv_id_q);
          rx_resp_dt = prv_data_q;
        end else begin
          rx_pend = 1'b1;
        end
      end else if (xa_q && mid == resp_id(xid_q)) begin
        rx_acked = 1'b1;
      end else begin
        rx_unexp = 1'b1;
      end
    end
  end

  // ---- The exchange --------------------------------------------------------------------------
  logic resend, start_pend;
  assign done_o = xa_q && xacked_q && xpeer_q && !resp_v_q;
  assign resend = xa_q && !xacked_q && 32'(rty_q) >= RetryCycles;
  // the step this end starts was requested by the partner already (this cycle or before)
  assign start_pend = start_i && (rx_pend ? mid : pend_id_q) == start_id_i && (rx_pend || pend_q);

  always_comb begin
    xa_d = xa_q;
    xacked_d = xacked_q || rx_acked;
    xpeer_d = xpeer_q || rx_peer;
    xhas_d = xhas_q;
    xid_d = xid_q;
    xdata_d = xdata_q;
    peer_data_d = rx_peer ? msg_i.data : peer_data_q;
    pend_d = pend_q || rx_pend;
    pend_id_d = rx_pend ? mid : pend_id_q;
    pend_data_d = rx_pend ? msg_i.data : pend_data_q;
    prv_d = prv_q;
    prv_has_d = prv_has_q;
    prv_id_d = prv_id_q;
    prv_data_d = prv_data_q;
    rty_d = rty_q;
    if (xa_q && !xacked_q) rty_d = resend ? '0 : rty_q + 16'd1;
    if (done_o) begin
      xa_d = 1'b0;
      prv_d = 1'b1;
      prv_id_d = xid_q;
      prv_data_d = xdata_q;
      prv_has_d = xhas_q;
    end
    if (start_i) begin
      xa_d = 1'b1;
      xid_d = start_id_i;
      xdata_d = start_data_i;
      xhas_d = start_has_i;
      xacked_d = 1'b0;
      xpeer_d = start_pend;
      rty_d = '0;
      if (start_pend) begin
        pend_d = 1'b0;
        peer_data_d = pend_data_d;
      end
    end
    if (clear_i) begin
      xa_d = 1'b0;
      pend_d = 1'b0;
      prv_d = 1'b0;
    end
  end

  // ---- Sideband slots ------------------------------------------------------------------------
  always_comb begin
    req_v_d = (req_v_q && !req_ready_i) || resend;
    req_h_d = req_h_q;
    req_dt_d = req_dt_q;
    resp_v_d = (resp_v_q && !resp_ready_i) || rx_resp;
    resp_h_d = rx_resp ? rx_resp_h : resp_h_q;
    resp_dt_d = rx_resp ? rx_resp_dt : resp_dt_q;
    if (start_i) begin
      req_v_d = 1'b1;
      req_h_d = req_msg_hdr(start_has_i, start_id_i);
      req_dt_d = start_data_i;
      if (start_pend) begin
        resp_v_d = 1'b1;
        resp_h_d = resp_msg_hdr(start_has_i, start_id_i);
        resp_dt_d = start_data_i;
      end
    end
    if (send_i) begin
      req_v_d = 1'b1;
      req_h_d = req_msg_hdr(1'b0, send_id_i);
      req_dt_d = '0;
    end
  end

  // ---- Flags and counters --------------------------------------------------------------------
  assign oor_seen_d = (oor_seen_q || rx_oor) && !clear_i;
  assign retries_d = retries_q + 16'(resend && retries_q != 16'hffff);
  assign unexp_d = unexp_q + 8'(rx_unexp && unexp_q != 8'hff);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
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
    end else begin
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
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      req_v_q <= 1'b0;
      req_h_q <= '0;
      req_dt_q <= '0;
      resp_v_q <= 1'b0;
      resp_h_q <= '0;
      resp_dt_q <= '0;
      oor_seen_q <= 1'b0;
      retries_q <= '0;
      unexp_q <= '0;
    end else begin
      req_v_q <= req_v_d;
      req_h_q <= req_h_d;
      req_dt_q <= req_dt_d;
      resp_v_q <= resp_v_d;
      resp_h_q <= resp_h_d;
      resp_dt_q <= resp_dt_d;
      oor_seen_q <= oor_seen_d;
      retries_q <= retries_d;
      unexp_q <= unexp_d;
    end
  end

  // ---- Outputs -------------------------------------------------------------------------------
  assign peer_data_o = peer_data_q;
  assign pend_o = pend_q;
  assign pend_id_o = pend_id_q;
  assign oor_seen_o = oor_seen_q;
  assign req_o = '{valid: req_v_q, hdr: req_h_q, data: req_dt_q};
  assign resp_o = '{valid: resp_v_q, hdr: resp_h_q, data: resp_dt_q};
  assign unexpected_o = unexp_q;
  assign retries_o = retries_q;

  // ---- Assertions ----------------------------------------------------------------------------
  // An exchange completes only with both halves done (or is dropped on entering RESET or
  // TRAINERROR).
  XchgComplete_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      (xa_q && !xa_d && !clear_i) |-> (xacked_q && xpeer_q));

endmodule : cpo_d2d_ltsm_xchg
