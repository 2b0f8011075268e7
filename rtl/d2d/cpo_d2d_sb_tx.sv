// Sideband serialiser: one bit per cycle on sb_dat_o, framed by the sideband clock sb_clk_o
// (high while a bit is valid, like UCIe's gated sideband clock).
//
// A unit is 64 bits (header) or 128 bits (header then data), bit 0 first, followed by at least
// SbGapBits idle cycles. The serialiser fills in the header's control parity (bit 62, even
// parity over bits 61:0) and data parity (bit 63, even parity over the data; 0 without data).
// While pat_en_i is high it sends SBINIT pattern iterations instead (64 UI of 1010..., 32 UI
// low) and pulses pat_iter_o at the end of each; a pattern iteration is never cut short.
module cpo_d2d_sb_tx
  import cpo_d2d_pkg::*;
(
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        pat_en_i,
  output logic        pat_iter_o,
  input  logic        pkt_valid_i,
  input  logic [63:0] pkt_hdr_i,
  input  logic [63:0] pkt_data_i,
  output logic        pkt_ready_o,
  output logic        sb_clk_o,
  output logic        sb_dat_o
);

  typedef enum logic [1:0] {
    StIdle,
    StSend,
    StGap
  } tx_state_e;

  tx_state_e    state_q, state_d;
  logic [127:0] sr_q, sr_d;
  logic [7:0]   cnt_q, cnt_d;
  logic [7:0]   len_q, len_d;
  logic         is_pat_q, is_pat_d;
  logic [63:0]  hdr;
  logic         with_data;

  assign with_data = opcode_has_data(hdr_opcode(pkt_hdr_i));
  always_comb begin
    hdr = pkt_hdr_i;
    hdr[62] = ^pkt_hdr_i[61:0];
    hdr[63] = with_data ? ^pkt_data_i : 1'b0;
  end

  always_comb begin
    state_d = state_q;
    sr_d = sr_q;
    cnt_d = cnt_q;
    len_d = len_q;
    is_pat_d = is_pat_q;
    pkt_ready_o = 1'b0;
    pat_iter_o = 1'b0;
    unique case (state_q)
      StIdle: begin
        cnt_d = '0;
        if (pat_en_i) begin
          state_d = StSend;
          sr_d = {64'h0, SbPattern};
          len_d = 8'd64;
          is_pat_d = 1'b1;
        end else if (pkt_valid_i) begin
          state_d = StSend;
          sr_d = {with_data ? pkt_data_i : 64'h0, hdr};
          len_d = with_data ? 8'd128 : 8'd64;
          is_pat_d = 1'b0;
          pkt_ready_o = 1'b1;
        end
      end
      StSend: begin
        sr_d = {1'b0, sr_q[127:1]};
        cnt_d = cnt_q + 8'd1;
        if (cnt_d == len_q) begin
          state_d = StGap;
          cnt_d = '0;
        end
      end
      StGap: begin
        cnt_d = cnt_q + 8'd1;
        if (32'(cnt_d) == SbGapBits) begin
          state_d = StIdle;
          pat_iter_o = is_pat_q;
        end
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      sr_q <= '0;
      cnt_q <= '0;
      len_q <= '0;
      is_pat_q <= 1'b0;
    end else begin
      state_q <= state_d;
      sr_q <= sr_d;
      cnt_q <= cnt_d;
      len_q <= len_d;
      is_pat_q <= is_pat_d;
    end
  end

  assign sb_clk_o = state_q == StSend;
  assign sb_dat_o = (state_q == StSend) & sr_q[0];

endmodule : cpo_d2d_sb_tx
