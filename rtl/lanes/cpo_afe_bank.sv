// Analog front-end converter bank: the DAC codes through which firmware drives the analog
// models (laser current, modulator bias, heater, ...) and the ADC codes of the monitors, as two
// APB3 windows (DAC and ADC of lanes.regs.toml). Channel numbers come from cpo_afe_pkg, generated
// from rtl/lanes/analog_channels.toml.
//
// Within a window the offset is ch * CH_STRIDE + idx * IDX_STRIDE (cpo_lanes_reg_pkg; ch <
// NumDacCh or NumAdcCh, idx < NumLanes); bits [CodeBits-1:0] hold the code, the upper bits read 0 and ignore writes.
// DAC registers are read/write; ADC registers are read-only and show adc_code_i. Any other
// offset, and any write to the ADC window, completes with pslverr and has no effect. Every
// access completes in its first access cycle (rsp_o.pready is always 1).
//
// The DAC codes take dac_preset_i while rst_ni is low. A completed DAC write pulses
// dac_write_o.we for the one cycle after it (the first cycle the new code is held), with its
// channel, index and code; reset never pulses.
module cpo_afe_bank
  import cpo_apb_pkg::*;
  import cpo_afe_pkg::*;
  import cpo_lanes_reg_pkg::*;
#(
  parameter int NumLanes = 8
) (
  input  logic clk_i,
  input  logic rst_ni,
  // APB3, already split by the caller: req_i.psel selects the bank, dac_window_i says which
  // window (DAC, else ADC); the bank decodes the offset within the window.
  input  apb_req_t req_i,
  input  logic dac_window_i,
  output apb_rsp_t rsp_o,
  input  logic [NumDacCh-1:0][NumLanes-1:0][CodeBits-1:0] dac_preset_i,
  input  logic [NumAdcCh-1:0][NumLanes-1:0][CodeBits-1:0] adc_code_i,
  output dac_write_t dac_write_o
);

  // Offset fields (the DAC and ADC windows share one layout): channel, index, byte.
  localparam int unsigned ChLsb = CPO_LANES_DAC_CH_LSB;
  localparam int unsigned ChFieldBits = CPO_LANES_DAC_CH_BITS;
  localparam int unsigned IdxLsb = CPO_LANES_DAC_IDX_LSB;
  localparam int unsigned IdxFieldBits = CPO_LANES_DAC_IDX_BITS;
  // Storage index widths (at least 1 bit, so that a single lane or channel still elaborates).
  localparam int unsigned LaneBits = NumLanes > 1 ? $clog2(NumLanes) : 1;
  localparam int unsigned DacChBits = NumDacCh > 1 ? $clog2(NumDacCh) : 1;
  localparam int unsigned AdcChBits = NumAdcCh > 1 ? $clog2(NumAdcCh) : 1;

  if (CPO_LANES_ADC_SIZE_BITS != CPO_LANES_DAC_SIZE_BITS || CPO_LANES_ADC_CH_LSB != ChLsb ||
      CPO_LANES_ADC_CH_BITS != ChFieldBits || CPO_LANES_ADC_IDX_LSB != IdxLsb ||
      CPO_LANES_ADC_IDX_BITS != IdxFieldBits || ChLsb + ChFieldBits != CPO_LANES_DAC_SIZE_BITS ||
      IdxLsb + IdxFieldBits != ChLsb || IdxLsb != 2) begin : g_bad_layout
    $error("cpo_afe_bank: the DAC and ADC windows must share one layout: channel, index, word");
  end
  if (NumLanes < 1 || NumLanes > 2 ** IdxFieldBits) begin : g_bad_lanes
    $error("cpo_afe_bank: NumLanes=%0d does not fit the %0d-bit index field", NumLanes,
           IdxFieldBits);
  end
  if (NumDacCh > 2 ** ChFieldBits || NumAdcCh > 2 ** ChFieldBits) begin : g_bad_channels
    $error("cpo_afe_bank: %0d DAC / %0d ADC channels do not fit the %0d-bit channel field",
           NumDacCh, NumAdcCh, ChFieldBits);
  end
  if (CodeBits < 1 || CodeBits > 16) begin : g_bad_code_bits
    $error("cpo_afe_bank: CodeBits=%0d, the registers and dac_code_o hold at most 16", CodeBits);
  end

  // ---- Decode ------------------------------------------------------------------------------
  logic [CPO_LANES_DAC_SIZE_BITS-1:0] paddr;  // the offset within the window
  logic [ChFieldBits-1:0] ch;
  logic [IdxFieldBits-1:0] idx;
  logic access, aligned, idx_ok, dac_hit, adc_hit, dac_we;
  assign paddr = req_i.paddr[CPO_LANES_DAC_SIZE_BITS-1:0];
  assign ch = paddr[ChLsb+:ChFieldBits];
  assign idx = paddr[IdxLsb+:IdxFieldBits];
  assign aligned = paddr[IdxLsb-1:0] == '0;
  assign idx_ok = 32'(idx) < 32'(NumLanes);
  assign dac_hit = req_i.psel & dac_window_i & aligned & idx_ok & (32'(ch) < NumDacCh);
  assign adc_hit = req_i.psel & ~dac_window_i & aligned & idx_ok & (32'(ch) < NumAdcCh) &
                   ~req_i.pwrite;

  assign access = req_i.psel & req_i.penable;
  assign dac_we = dac_hit & req_i.penable & req_i.pwrite;

  logic [LaneBits-1:0] lane;
  logic [DacChBits-1:0] dac_ch;
  logic [AdcChBits-1:0] adc_ch;
  assign lane = idx[LaneBits-1:0];
  assign dac_ch = ch[DacChBits-1:0];
  assign adc_ch = ch[AdcChBits-1:0];

  // ---- DAC storage: unpacked over channels, each a packed lane vector -----------------------
  // (Verilator 5.006 cannot delay-assign array elements inside a loop it does not unroll, as a
  // preset loop over 64 lanes would be: BLKLOOPINIT. One whole lane vector per channel is fine.)
  logic [NumLanes-1:0][CodeBits-1:0] dac_q[NumDacCh];
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned c = 0; c < NumDacCh; c++) begin
        dac_q[c] <= dac_preset_i[c];
      end
    end else if (dac_we) begin
      dac_q[dac_ch][lane] <= req_i.pwdata[CodeBits-1:0];
    end
  end

  // ---- Write event for the harness ---------------------------------------------------------
  dac_write_t dac_write_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      dac_write_q <= '0;
    end else begin
      dac_write_q.we <= dac_we;
      if (dac_we) begin
        dac_write_q.channel <= 8'(ch);
        dac_write_q.index <= 8'(idx);
        dac_write_q.code <= req_i.pwdata[CodeBits-1:0];
      end
    end
  end
  assign dac_write_o = dac_write_q;

  // ---- Read data: one entry selected by index, zero outside a read -------------------------
  logic [CodeBits-1:0] rcode;
  always_comb begin
    rcode = '0;
    if (dac_hit) begin
      rcode = dac_q[dac_ch][lane];
    end else if (adc_hit) begin
      rcode = adc_code_i[adc_ch][lane];
    end
  end
  assign rsp_o = '{prdata: (access & ~req_i.pwrite) ? 32'(rcode) : '0, pready: 1'b1,
                   pslverr: access & ~(dac_hit | adc_hit)};

  // Bits above the code are ignored on write; the caller decoded the address above the window.
  logic unused_req;
  assign unused_req = ^{req_i.pwdata[31:CodeBits], req_i.paddr[31:CPO_LANES_DAC_SIZE_BITS]};

endmodule : cpo_afe_bank
