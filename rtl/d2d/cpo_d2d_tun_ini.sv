// Register tunnel, initiator side: turns one register access requested by software into a
// sideband register request (MemRd32/MemWr32) and matches the completion that answers it.
//
// One access at a time. go_i starts it (ignored while busy). The completion must carry the
// request's tag; a completion with another tag, or none outstanding, is dropped and counted in
// unexpected_o. Without a completion within timeout_i cycles the access ends with timeout_o.
// done_o, err_o (unsupported request or timeout), timeout_o and rdata_o hold until the next go.
module cpo_d2d_tun_ini
  import cpo_d2d_pkg::*;
(
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        go_i,
  input  logic        write_i,
  input  logic [3:0]  be_i,
  input  logic [23:0] addr_i,
  input  logic [31:0] wdata_i,
  input  logic [15:0] timeout_i,
  // sideband transmit slot
  output sb_pkt_t     tx_o,
  input  logic        tx_ready_i,
  // received completions
  input  sb_pkt_t     cpl_i,
  // status
  output logic        busy_o,
  output logic        done_o,
  output logic        err_o,
  output logic        timeout_o,
  output logic [31:0] rdata_o,
  output logic [4:0]  tag_o,
  output logic [7:0]  unexpected_o
);

  logic        busy_q, sent_q, done_q, err_q, to_q;
  logic [31:0] rdata_q;
  logic [4:0]  tag_q;
  logic [15:0] timer_q;
  logic [7:0]  unexp_q;
  logic [63:0] hdr_q, data_q;

  logic cpl_match;
  assign cpl_match = cpl_i.valid && busy_q && sent_q && cpl_i.hdr[26:22] == tag_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      sent_q <= 1'b0;
      done_q <= 1'b0;
      err_q <= 1'b0;
      to_q <= 1'b0;
      rdata_q <= '0;
      tag_q <= '0;
      timer_q <= '0;
      unexp_q <= '0;
      hdr_q <= '0;
      data_q <= '0;
    end else begin
      if (go_i && !busy_q) begin
        busy_q <= 1'b1;
        sent_q <= 1'b0;
        done_q <= 1'b0;
        err_q <= 1'b0;
        to_q <= 1'b0;
        rdata_q <= '0;
        tag_q <= tag_q + 5'd1;
        timer_q <= '0;
        hdr_q <= reg_hdr(write_i, tag_q + 5'd1, be_i, addr_i);
        data_q <= write_i ? {32'h0, wdata_i} : 64'h0;
      end else if (busy_q) begin
        if (tx_o.valid && tx_ready_i) sent_q <= 1'b1;
        timer_q <= timer_q + 16'd1;
        if (cpl_match) begin
          busy_q <= 1'b0;
          done_q <= 1'b1;
          err_q <= cpl_i.hdr[34:32] != 3'd0;
          rdata_q <= cpl_i.data[31:0];
        end else if (timer_q >= timeout_i) begin
          busy_q <= 1'b0;
          done_q <= 1'b1;
          err_q <= 1'b1;
          to_q <= 1'b1;
        end
      end
      if (cpl_i.valid && !cpl_match && unexp_q != 8'hff) unexp_q <= unexp_q + 8'd1;
    end
  end

  assign tx_o = '{valid: busy_q && !sent_q, hdr: hdr_q, data: data_q};
  assign busy_o = busy_q;
  assign done_o = done_q;
  assign err_o = err_q;
  assign timeout_o = to_q;
  assign rdata_o = rdata_q;
  assign tag_o = tag_q;
  assign unexpected_o = unexp_q;

  // Completion fields other than tag and status, and the upper data word, carry nothing here.
  logic unused_cpl;
  assign unused_cpl = ^{cpl_i.hdr[63:35], cpl_i.hdr[31:27], cpl_i.hdr[21:0], cpl_i.data[63:32]};

  // A request stays on offer, unchanged, until the sideband takes it.
  ReqHeld_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      (tx_o.valid && !tx_ready_i) |=> (tx_o.valid && $stable(tx_o.hdr) && $stable(tx_o.data)));
  // Only the outstanding request's completion ends an access.
  CplMatches_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      cpl_match |-> cpl_i.hdr[26:22] == tag_q);

endmodule : cpo_d2d_tun_ini
