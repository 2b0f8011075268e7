// Test wrapper: PRBS generator/checker pairs at Width 1, 13 and 64 (the extremes and an odd
// width), with the line between them left to the C++ testbench; and beside each generator its
// Lazy twin (same inputs, words used in the cycles with used_i).
module cpo_prbs_widths_tb
  import cpo_prbs_pkg::*;
(
  input  logic clk_i,
  input  logic rst_ni,
  input  logic en_i,
  input  logic [2:0] poly_i,
  input  logic [PrbsStateBits-1:0] seed_i,
  input  logic [2:0] inject_i,
  input  logic [5:0] inject_pos_i,
  input  logic clear_i,
  input  logic valid64_i,
  output logic tx1_o,
  output logic [12:0] tx13_o,
  output logic [63:0] tx64_o,
  input  logic used_i,
  output logic lazy1_o,
  output logic [12:0] lazy13_o,
  output logic [63:0] lazy64_o,
  input  logic rx1_i,
  input  logic [12:0] rx13_i,
  input  logic [63:0] rx64_i,
  output logic [2:0] locked_o,
  output logic [2:0][63:0] bits_o,
  output logic [2:0][63:0] errors_o,
  output logic [6:0] word_errors64_o
);
  prbs_poly_e poly;
  assign poly = prbs_poly_e'(poly_i);

  cpo_prbs_gen #(.Width(1)) u_gen1 (.clk_i, .rst_ni, .en_i, .poly_i(poly), .seed_i,
    .inject_i(inject_i[0]), .inject_pos_i, .used_i(1'b1), .data_o(tx1_o));
  cpo_prbs_gen #(.Width(13)) u_gen13 (.clk_i, .rst_ni, .en_i, .poly_i(poly), .seed_i,
    .inject_i(inject_i[1]), .inject_pos_i, .used_i(1'b1), .data_o(tx13_o));
  cpo_prbs_gen #(.Width(64)) u_gen64 (.clk_i, .rst_ni, .en_i, .poly_i(poly), .seed_i,
    .inject_i(inject_i[2]), .inject_pos_i, .used_i(1'b1), .data_o(tx64_o));
  cpo_prbs_gen #(.Width(1), .Lazy(1'b1)) u_lazy1 (.clk_i, .rst_ni, .en_i, .poly_i(poly),
    .seed_i, .inject_i(inject_i[0]), .inject_pos_i, .used_i, .data_o(lazy1_o));
  cpo_prbs_gen #(.Width(13), .Lazy(1'b1)) u_lazy13 (.clk_i, .rst_ni, .en_i, .poly_i(poly),
    .seed_i, .inject_i(inject_i[1]), .inject_pos_i, .used_i, .data_o(lazy13_o));
  cpo_prbs_gen #(.Width(64), .Lazy(1'b1)) u_lazy64 (.clk_i, .rst_ni, .en_i, .poly_i(poly),
    .seed_i, .inject_i(inject_i[2]), .inject_pos_i, .used_i, .data_o(lazy64_o));

  logic unused_we1;
  logic [3:0] unused_we13;
  cpo_prbs_chk #(.Width(1)) u_chk1 (.clk_i, .rst_ni, .en_i, .valid_i(1'b1), .poly_i(poly),
    .data_i(rx1_i), .clear_i, .locked_o(locked_o[0]), .bits_o(bits_o[0]),
    .errors_o(errors_o[0]), .word_errors_o(unused_we1));
  cpo_prbs_chk #(.Width(13)) u_chk13 (.clk_i, .rst_ni, .en_i, .valid_i(1'b1), .poly_i(poly),
    .data_i(rx13_i), .clear_i, .locked_o(locked_o[1]), .bits_o(bits_o[1]),
    .errors_o(errors_o[1]), .word_errors_o(unused_we13));
  cpo_prbs_chk #(.Width(64)) u_chk64 (.clk_i, .rst_ni, .en_i, .valid_i(valid64_i), .poly_i(poly),
    .data_i(rx64_i), .clear_i, .locked_o(locked_o[2]), .bits_o(bits_o[2]),
    .errors_o(errors_o[2]), .word_errors_o(word_errors64_o));
endmodule : cpo_prbs_widths_tb
