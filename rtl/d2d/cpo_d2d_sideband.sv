// Sideband channel of one endpoint: serialiser, deserialiser, the arbiter that shares the
// serialiser between the clients, and the dispatcher that routes received packets by opcode.
//
// Clients, highest priority first: training-state-machine responses, tunnel completions,
// training-state-machine requests, tunnel requests. A client holds valid with its packet until
// it sees ready. Received messages go to the state machine, register requests to the tunnel
// target, completions to the tunnel initiator; anything else is dropped as a framing error.
module cpo_d2d_sideband
  import cpo_d2d_pkg::*;
(
  input  logic        clk_i,
  input  logic        rst_ni,
  // serial lines
  output logic        sb_clk_o,
  output logic        sb_dat_o,
  input  logic        sb_clk_i,
  input  logic        sb_dat_i,
  // SBINIT pattern
  input  logic        pat_en_i,
  output logic        pat_iter_o,
  output logic        pat_seen_o,
  // transmit clients: 0 LTSM response, 1 tunnel completion, 2 LTSM request, 3 tunnel request
  input  sb_pkt_t [3:0] tx_i,
  output logic [3:0]  tx_ready_o,
  // received packets: messages, register requests, completions
  output sb_pkt_t     msg_o,
  output sb_pkt_t     req_o,
  output sb_pkt_t     cpl_o,
  // statistics
  input  logic        cnt_clear_i,
  output logic [15:0] tx_pkts_o,
  output logic [15:0] rx_pkts_o,
  output logic [15:0] parity_errs_o,
  output logic [15:0] framing_errs_o
);

  logic [1:0]  sel;
  logic        any, ready;
  always_comb begin
    sel = 2'd0;
    any = 1'b0;
    for (int i = 3; i >= 0; i--) begin
      if (tx_i[i].valid) begin
        sel = 2'(i);
        any = 1'b1;
      end
    end
  end

  cpo_d2d_sb_tx u_tx (
    .clk_i,
    .rst_ni,
    .pat_en_i,
    .pat_iter_o,
    .pkt_valid_i(any),
    .pkt_hdr_i  (tx_i[sel].hdr),
    .pkt_data_i (tx_i[sel].data),
    .pkt_ready_o(ready),
    .sb_clk_o,
    .sb_dat_o
  );
  always_comb begin
    tx_ready_o = '0;
    tx_ready_o[sel] = ready;
  end

  logic        pkt_valid;
  logic [63:0] pkt_hdr, pkt_data;
  logic [15:0] rx_framing;
  cpo_d2d_sb_rx u_rx (
    .clk_i,
    .rst_ni,
    .sb_clk_i,
    .sb_dat_i,
    .cnt_clear_i,
    .pat_o         (pat_seen_o),
    .pkt_valid_o   (pkt_valid),
    .pkt_hdr_o     (pkt_hdr),
    .pkt_data_o    (pkt_data),
    .pkts_o        (rx_pkts_o),
    .parity_errs_o,
    .framing_errs_o(rx_framing)
  );

  logic [4:0] op;
  logic       is_msg, is_req, is_cpl;
  assign op = hdr_opcode(pkt_hdr);
  assign is_msg = op == OpMsg || op == OpMsgD;
  assign is_req = op == OpMemRd32 || op == OpMemWr32;
  assign is_cpl = op == OpCpl || op == OpCplD32;
  assign msg_o = '{valid: pkt_valid & is_msg, hdr: pkt_hdr, data: pkt_data};
  assign req_o = '{valid: pkt_valid & is_req, hdr: pkt_hdr, data: pkt_data};
  assign cpl_o = '{valid: pkt_valid & is_cpl, hdr: pkt_hdr, data: pkt_data};

  logic [15:0] tx_pkts_q, unknown_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tx_pkts_q <= '0;
      unknown_q <= '0;
    end else if (cnt_clear_i) begin
      tx_pkts_q <= '0;
      unknown_q <= '0;
    end else begin
      if (ready) tx_pkts_q <= tx_pkts_q + 16'd1;
      if (pkt_valid && !(is_msg || is_req || is_cpl)) unknown_q <= unknown_q + 16'd1;
    end
  end
  assign tx_pkts_o = tx_pkts_q;
  assign framing_errs_o = rx_framing + unknown_q;

endmodule : cpo_d2d_sideband
