// Test wrapper of cpo_cmis: flat APB pins for the C++ testbench, short internal durations kept
// at their defaults (the testbench skips cycles, as the harness does while parked).
module cpo_cmis_tb
  import cpo_apb_pkg::*;
#(
  parameter int unsigned NumLanes = 32,
  parameter int unsigned NumMediaLanes = NumLanes
) (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic psel_i,
  input  logic penable_i,
  input  logic pwrite_i,
  input  logic [31:0] paddr_i,
  input  logic [31:0] pwdata_i,
  output logic [31:0] prdata_o,
  output logic pready_o,
  output logic pslverr_o,
  input  logic [63:0] cycle_i,
  input  logic [31:0] cycles_per_us_i,
  output logic [63:0] next_event_o,
  output logic bus_wait_o,
  input  logic [NumMediaLanes-1:0] cal_done_i,
  input  logic [NumMediaLanes-1:0] tx_lol_i,
  input  logic [NumLanes-1:0] rx_lock_i,
  input  logic fault_i,
  input  logic [15:0] temp_code_i,
  input  logic [15:0] vcc_code_i,
  input  logic [NumMediaLanes-1:0][15:0] tx_bias_code_i,
  input  logic [NumMediaLanes-1:0][15:0] tx_power_code_i,
  input  logic [NumMediaLanes-1:0][15:0] rx_power_code_i,
  input  logic [3:0] els_lanes_i,
  input  logic [15:0] els_freq_i,
  input  logic [15:0] els_state_i,
  input  logic [7:0] els_fibre_i,
  input  logic [NumMediaLanes-1:0][15:0] els_temp_code_i,
  output logic [7:0] els_lane_mask_o,
  output logic [7:0] els_enable_o,
  output logic [7:0] els_power_mode_o,
  output logic [7:0][15:0] els_bias_set_o,
  output logic [7:0][15:0] els_power_set_o,
  output logic [7:0] els_set_written_o,
  output logic [NumMediaLanes-1:0] stream_en_o,
  output logic managed_o,
  output logic [2:0] module_state_o,
  output logic [NumLanes-1:0][3:0] dp_state_o
);
  apb_rsp_t rsp;
  cpo_cmis #(.NumLanes(NumLanes), .NumMediaLanes(NumMediaLanes)) u_cmis (
    .clk_i,
    .rst_ni,
    .req_i('{psel: psel_i, penable: penable_i, pwrite: pwrite_i, paddr: paddr_i,
             pwdata: pwdata_i}),
    .rsp_o(rsp),
    .cycle_i,
    .cycles_per_us_i,
    .next_event_o,
    .bus_wait_o,
    .cal_done_i,
    .tx_lol_i,
    .rx_lock_i,
    .fault_i,
    .temp_code_i,
    .vcc_code_i,
    .tx_bias_code_i,
    .tx_power_code_i,
    .rx_power_code_i,
    .els_lanes_i,
    .els_freq_i,
    .els_state_i,
    .els_fibre_i,
    .els_temp_code_i,
    .els_lane_mask_o,
    .els_enable_o,
    .els_power_mode_o,
    .els_bias_set_o,
    .els_power_set_o,
    .els_set_written_o,
    .stream_en_o,
    .managed_o,
    .module_state_o,
    .dp_state_o
  );
  assign prdata_o = rsp.prdata;
  assign pready_o = rsp.pready;
  assign pslverr_o = rsp.pslverr;
endmodule : cpo_cmis_tb
