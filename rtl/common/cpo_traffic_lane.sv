// One lane of PRBS test traffic: a generator whose words go out and a self-synchronising
// checker of the words that come back, as the ASIC side of a host lane has them (cpo_lanes_top,
// cpo_engine_top). Seed must be non-zero in the bits the shortest polynomial uses.
module cpo_traffic_lane
  import cpo_prbs_pkg::*;
#(
  parameter int unsigned Width = 32,
  parameter logic [PrbsStateBits-1:0] Seed = '1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  prbs_poly_e       poly_i,
  input  logic             gen_en_i,
  input  logic             inject_i,
  input  logic [5:0]       inject_pos_i,
  output logic [Width-1:0] tx_o,
  input  logic             chk_en_i,
  input  logic             rx_valid_i,
  input  logic [Width-1:0] rx_i,
  input  logic             clear_i,
  output logic             locked_o,
  output logic [63:0]      bits_o,
  output logic [63:0]      errors_o
);

  cpo_prbs_gen #(.Width(Width)) u_gen (
    .clk_i,
    .rst_ni,
    .en_i        (gen_en_i),
    .poly_i,
    .seed_i      (Seed),
    .inject_i,
    .inject_pos_i,
    .used_i      (1'b1),
    .data_o      (tx_o)
  );

  logic [$clog2(Width + 1)-1:0] unused_word_errors;
  cpo_prbs_chk #(.Width(Width)) u_chk (
    .clk_i,
    .rst_ni,
    .en_i         (chk_en_i),
    .valid_i      (rx_valid_i),
    .poly_i,
    .data_i       (rx_i),
    .clear_i,
    .locked_o,
    .bits_o,
    .errors_o,
    .word_errors_o(unused_word_errors)
  );

endmodule : cpo_traffic_lane
