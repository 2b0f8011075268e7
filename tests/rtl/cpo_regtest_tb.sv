// Test wrapper around the generated cpo_regtest_reg_top: each reg2hw/hw2reg field on a port
// of its own, so the C++ testbench needs no knowledge of the struct packing.
module cpo_regtest_tb
  import cpo_apb_pkg::*;
  import cpo_regtest_reg_pkg::*;
(
  input  logic clk_i,
  input  logic rst_ni,
  input  logic psel_i,
  input  logic penable_i,
  input  logic pwrite_i,
  input  logic [CPO_REGTEST_ADDR_BITS-1:0] paddr_i,
  input  logic [31:0] pwdata_i,
  output logic [31:0] prdata_o,
  output logic pready_o,
  output logic pslverr_o,
  output logic [7:0] mode_o,
  output logic flag_o,
  output logic [15:0] key_o,
  output logic ovf_o,
  output logic [3:0] seen_o,
  output logic [1:0] go_o,
  output logic [CPO_REGTEST_NUM_CH-1:0][11:0] gain_o,
  output logic [7:0] done_o,
  input  logic ovf_set_i,
  input  logic [7:0] done_set_i,
  input  logic [3:0] seen_set_i,
  input  logic [7:0] level_i,
  input  logic [CPO_REGTEST_NUM_CH-1:0][63:0] cnt_i
);
  cpo_regtest_reg2hw_t reg2hw;
  cpo_regtest_hw2reg_t hw2reg;

  apb_rsp_t rsp;
  logic unused_hw2reg_re;
  cpo_regtest_reg_top u_reg (
    .clk_i,
    .rst_ni,
    .req_i('{psel: psel_i, penable: penable_i, pwrite: pwrite_i, paddr: 32'(paddr_i),
             pwdata: pwdata_i}),
    .rsp_o(rsp),
    .reg2hw_o(reg2hw),
    .hw2reg_i(hw2reg),
    .hw2reg_re_o(unused_hw2reg_re)
  );
  assign prdata_o = rsp.prdata;
  assign pready_o = rsp.pready;
  assign pslverr_o = rsp.pslverr;

  assign mode_o = reg2hw.ctrl.mode;
  assign flag_o = reg2hw.ctrl.flag;
  assign key_o = reg2hw.ctrl.key;
  assign ovf_o = reg2hw.events.ovf;
  assign seen_o = reg2hw.events.seen;
  assign go_o = reg2hw.events.go;
  assign hw2reg.events.ovf = ovf_set_i;
  assign hw2reg.events.seen = seen_set_i;
  assign done_o = reg2hw.done.lanes;
  assign hw2reg.done.lanes = done_set_i;
  assign hw2reg.status.level = level_i;
  for (genvar i = 0; i < int'(CPO_REGTEST_NUM_CH); i++) begin : g_ch
    assign gain_o[i] = reg2hw.ch_cfg[i].gain;
    assign hw2reg.cnt_lo[i].value = cnt_i[i][31:0];
    assign hw2reg.cnt_hi[i].value = cnt_i[i][63:32];
  end
endmodule : cpo_regtest_tb
