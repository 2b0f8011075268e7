// NumLanes lanes of PRBS traffic: a generator per lane drives tx_data_o, a checker per lane
// watches rx_data_i, and an APB register block (generated from lanes.regs.toml) controls them.
// Generators and checkers run out of reset with PRBS31, so traffic flows with no register
// write; a testbench that loops tx_data_o back to rx_data_i sees every lane lock.
// Bit 0 of each lane word is first in time.
//
// APB address map (lanes.regs.toml): the DAC and ADC windows go to the analog front-end
// converter bank (cpo_afe_bank), decoded by the generated cpo_lanes_reg_dec; everything else
// goes to the register block, which answers unmapped addresses with PSLVERR.
module cpo_lanes_top
  import cpo_apb_pkg::*;
  import cpo_prbs_pkg::*;
  import cpo_lanes_reg_pkg::*;
  import cpo_afe_pkg::*;
#(
  parameter int NumLanes = 8,
  parameter int WordBits = 32
) (
  input  logic clk_i,
  input  logic rst_ni,
  output logic [NumLanes-1:0][WordBits-1:0] tx_data_o,
  input  logic [NumLanes-1:0][WordBits-1:0] rx_data_i,
  input  logic psel_i,
  input  logic penable_i,
  input  logic pwrite_i,
  input  logic [CPO_LANES_ADDR_BITS-1:0] paddr_i,
  input  logic [31:0] pwdata_i,
  output logic [31:0] prdata_o,
  output logic pready_o,
  output logic pslverr_o,
  output logic [NumLanes-1:0] lane_locked_o,
  output logic [NumLanes-1:0][63:0] lane_bits_o,
  output logic [NumLanes-1:0][63:0] lane_errors_o,
  // STREAM_EN: the lanes that stream (the others are parked: no symbols cross).
  output logic [NumLanes-1:0] stream_en_o,
  // Analog front end: DAC codes loaded while rst_ni is low, the ADCs' current codes, and one
  // pulse per completed DAC register write (the cycle after it) with what was written.
  input  logic [NumDacCh-1:0][NumLanes-1:0][CodeBits-1:0] dac_preset_i,
  input  logic [NumAdcCh-1:0][NumLanes-1:0][CodeBits-1:0] adc_code_i,
  output logic dac_we_o,
  output logic [7:0] dac_channel_o,
  output logic [7:0] dac_index_o,
  output logic [CodeBits-1:0] dac_code_o
);

  // The per-lane register arrays are generated for CPO_LANES_NUM_LANES lanes (reggen --param
  // NumLanes=N, CMake -DCPO_LANES_NUM_LANES=N); the design must match them.
  if (NumLanes != int'(CPO_LANES_NUM_LANES)) begin : g_lane_count_mismatch
    $error("cpo_lanes_top: NumLanes=%0d but the registers were generated for %0d lanes",
           NumLanes, CPO_LANES_NUM_LANES);
  end

  // ---- APB address split ---------------------------------------------------------------------
  logic dac_window, adc_window, afe_window, unused_regs_window;
  cpo_lanes_reg_dec u_dec (
    .paddr_i,
    .dac_o (dac_window),
    .adc_o (adc_window),
    .regs_o(unused_regs_window)
  );
  assign afe_window = dac_window | adc_window;

  apb_req_t reg_req, afe_req;
  apb_rsp_t reg_rsp, afe_rsp, rsp;
  always_comb begin
    reg_req = '{psel: psel_i & ~afe_window, penable: penable_i, pwrite: pwrite_i,
                paddr: 32'(paddr_i), pwdata: pwdata_i};
    afe_req = reg_req;
    afe_req.psel = psel_i & afe_window;
  end
  assign rsp = afe_window ? afe_rsp : reg_rsp;
  assign prdata_o = rsp.prdata;
  assign pready_o = rsp.pready;
  assign pslverr_o = rsp.pslverr;

  cpo_lanes_reg2hw_t reg2hw;
  cpo_lanes_hw2reg_t hw2reg;
  logic unused_hw2reg_re;  // the lanes' status is a few wires: kept up to date every cycle

  cpo_lanes_reg_top u_reg (
    .clk_i,
    .rst_ni,
    .req_i      (reg_req),
    .rsp_o      (reg_rsp),
    .reg2hw_o   (reg2hw),
    .hw2reg_i   (hw2reg),
    .hw2reg_re_o(unused_hw2reg_re)
  );

  dac_write_t dac_write;
  cpo_afe_bank #(.NumLanes(NumLanes)) u_afe (
    .clk_i,
    .rst_ni,
    .req_i       (afe_req),
    .dac_window_i(dac_window),
    .rsp_o       (afe_rsp),
    .dac_preset_i,
    .adc_code_i,
    .dac_write_o (dac_write)
  );
  assign dac_we_o = dac_write.we;
  assign dac_channel_o = dac_write.channel;
  assign dac_index_o = dac_write.index;
  assign dac_code_o = dac_write.code;

  prbs_poly_e ctrl_poly;
  assign ctrl_poly = prbs_poly_e'(reg2hw.ctrl.poly);

  assign hw2reg.config_.num_lanes = 8'(NumLanes);
  assign hw2reg.config_.word_bits = 8'(WordBits);
  assign hw2reg.config_.dac_channels = 8'(NumDacCh);
  assign hw2reg.config_.adc_channels = 8'(NumAdcCh);

  for (genvar l = 0; l < NumLanes; l++) begin : g_lane
    // Distinct non-zero seeds: lane + 1 in the low 7 bits keeps them distinct even for PRBS7,
    // which uses only seed bits [6:0].
    localparam logic [PrbsStateBits-1:0] Seed = {24'hace15d, 7'(l + 1)};

    if (l < 32) begin : g_stream_reg
      assign stream_en_o[l] = reg2hw.stream_en.lanes[l];
    end else begin : g_stream_always
      assign stream_en_o[l] = 1'b1;
    end

    cpo_traffic_lane #(.Width(WordBits), .Seed(Seed)) u_traffic (
      .clk_i,
      .rst_ni,
      .poly_i      (ctrl_poly),
      .gen_en_i    (reg2hw.ctrl.gen_en & stream_en_o[l]),
      .inject_i    (reg2hw.lane_inject[l].inject),
      .inject_pos_i(reg2hw.lane_inject[l].pos),
      .tx_o        (tx_data_o[l]),
      .chk_en_i    (reg2hw.ctrl.chk_en & stream_en_o[l]),
      .rx_valid_i  (1'b1),
      .rx_i        (rx_data_i[l]),
      .clear_i     (reg2hw.cnt_clear.clear),
      .locked_o    (lane_locked_o[l]),
      .bits_o      (lane_bits_o[l]),
      .errors_o    (lane_errors_o[l])
    );

    assign hw2reg.lane_status[l].locked = lane_locked_o[l];
    assign hw2reg.lane_bits_lo[l].value = lane_bits_o[l][31:0];
    assign hw2reg.lane_bits_hi[l].value = lane_bits_o[l][63:32];
    assign hw2reg.lane_errs_lo[l].value = lane_errors_o[l][31:0];
    assign hw2reg.lane_errs_hi[l].value = lane_errors_o[l][63:32];
  end

  // STREAM_EN bits beyond NumLanes select nothing.
  logic unused_stream_en;
  assign unused_stream_en = ^reg2hw.stream_en;

  // SCRATCH only exists for bus tests.
  logic unused_scratch;
  assign unused_scratch = ^reg2hw.scratch;

endmodule : cpo_lanes_top
