// Sideband deserialiser: collects the bits sent while sb_clk_i is high into units; a unit ends
// when sb_clk_i goes low.
//
// A 64-bit unit equal to the SBINIT pattern pulses pat_o. A 64-bit unit (header) or 128-bit
// unit (header, data) with good control and data parity is delivered on pkt_*_o for one cycle.
// A unit with bad parity is dropped and counted in parity_errs_o; a unit of another length, or
// whose length does not match its opcode, is dropped and counted in framing_errs_o.
module cpo_d2d_sb_rx
  import cpo_d2d_pkg::*;
(
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        sb_clk_i,
  input  logic        sb_dat_i,
  input  logic        cnt_clear_i,
  output logic        pat_o,
  output logic        pkt_valid_o,
  output logic [63:0] pkt_hdr_o,
  output logic [63:0] pkt_data_o,
  output logic [15:0] pkts_o,
  output logic [15:0] parity_errs_o,
  output logic [15:0] framing_errs_o
);

  logic [127:0] sr_q;
  logic [7:0]   cnt_q;
  logic         pat_q, valid_q;
  logic [63:0]  hdr_q, data_q;
  logic [15:0]  pkts_q, par_q, frm_q;

  // Evaluation of a unit that ends this cycle.
  logic        unit_end;
  logic [63:0] hdr, data;
  logic        len64, len128, par_ok, len_ok;
  always_comb begin
    unit_end = !sb_clk_i && cnt_q != 0;
    len64 = cnt_q == 8'd64;
    len128 = cnt_q == 8'd128;
    hdr = len128 ? sr_q[63:0] : sr_q[127:64];
    data = len128 ? sr_q[127:64] : 64'h0;
    par_ok = (hdr[62] == ^hdr[61:0]) && (hdr[63] == ^data);
    len_ok = len128 == opcode_has_data(hdr_opcode(hdr));
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sr_q <= '0;
      cnt_q <= '0;
      pat_q <= 1'b0;
      valid_q <= 1'b0;
      hdr_q <= '0;
      data_q <= '0;
      pkts_q <= '0;
      par_q <= '0;
      frm_q <= '0;
    end else begin
      pat_q <= 1'b0;
      valid_q <= 1'b0;
      if (sb_clk_i) begin
        sr_q <= {sb_dat_i, sr_q[127:1]};
        if (cnt_q != 8'hff) cnt_q <= cnt_q + 8'd1;
      end else if (unit_end) begin
        cnt_q <= '0;
        if (len64 && hdr == SbPattern) begin
          pat_q <= 1'b1;
        end else if (!(len64 || len128)) begin
          frm_q <= frm_q + 16'd1;
        end else if (!par_ok) begin
          par_q <= par_q + 16'd1;
        end else if (!len_ok) begin
          frm_q <= frm_q + 16'd1;
        end else begin
          valid_q <= 1'b1;
          hdr_q <= hdr;
          data_q <= data;
          pkts_q <= pkts_q + 16'd1;
        end
      end
      if (cnt_clear_i) begin
        pkts_q <= '0;
        par_q <= '0;
        frm_q <= '0;
      end
    end
  end

  assign pat_o = pat_q;
  assign pkt_valid_o = valid_q;
  assign pkt_hdr_o = hdr_q;
  assign pkt_data_o = data_q;
  assign pkts_o = pkts_q;
  assign parity_errs_o = par_q;
  assign framing_errs_o = frm_q;

endmodule : cpo_d2d_sb_rx
