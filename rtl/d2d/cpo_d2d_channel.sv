// The die-to-die channel between the ASIC and the optical engine: both directions of lane wires
// and sideband (cpo_d2d_chan_dir) behind the d2dch register block, so tests and scenarios set
// skew, eye width, faults and bit errors through registers at any time.
module cpo_d2d_channel
  import cpo_apb_pkg::*;
  import cpo_d2d_pkg::*;
  import cpo_d2dch_reg_pkg::*;
#(
  parameter int unsigned NumLanes = 8,
  parameter int unsigned NumSpare = 1,
  // data and spare lanes, the valid lane and the clock lane
  localparam int unsigned NumWires = NumLanes + NumSpare + 2
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  input  logic [63:0]                        cycle_i,  // the datapath cycle number
  // register port (the registers decode the low CPO_D2DCH_ADDR_BITS of paddr)
  input  apb_req_t                           req_i,
  output apb_rsp_t                           rsp_o,
  // ASIC -> OE
  input  logic [NumWires-1:0][WordBits-1:0]  a2o_tx_i,
  output logic [NumWires-1:0][WordBits-1:0]  a2o_rx_o,
  input  logic [NumWires-1:0][PhaseBits-1:0] a2o_phase_i,
  input  logic [2:0]                         a2o_speed_i,
  input  logic                               a2o_sb_clk_i,
  input  logic                               a2o_sb_dat_i,
  output logic                               a2o_sb_clk_o,
  output logic                               a2o_sb_dat_o,
  // OE -> ASIC
  input  logic [NumWires-1:0][WordBits-1:0]  o2a_tx_i,
  output logic [NumWires-1:0][WordBits-1:0]  o2a_rx_o,
  input  logic [NumWires-1:0][PhaseBits-1:0] o2a_phase_i,
  input  logic [2:0]                         o2a_speed_i,
  input  logic                               o2a_sb_clk_i,
  input  logic                               o2a_sb_dat_i,
  output logic                               o2a_sb_clk_o,
  output logic                               o2a_sb_dat_o
);

  cpo_d2dch_reg2hw_t reg2hw;
  cpo_d2dch_hw2reg_t hw2reg;
  logic              unused_hw2reg_re;  // the channel's status is a few counters: always current

  cpo_d2dch_reg_top u_regs (
    .*,  // clock, reset and the register port, passed through by name
    .reg2hw_o   (reg2hw),
    .hw2reg_i   (hw2reg),
    .hw2reg_re_o(unused_hw2reg_re)
  );

  chan_dir_cfg_t                  a2o_cfg, o2a_cfg;
  chan_wire_cfg_t [NumWires-1:0]  a2o_wires, o2a_wires;
  always_comb begin
    a2o_cfg = '{
      reverse: reg2hw.a2o_ctrl.reverse,
      err_mode: reg2hw.a2o_ctrl.err_mode,
      eye_step: reg2hw.a2o_ctrl.eye_step,
      sb_dead: reg2hw.a2o_ctrl.sb_dead,
      sb_flip_bit: reg2hw.a2o_ctrl.sb_flip_bit,
      sb_flip_arm: reg2hw.a2o_sb_flip.arm,
      ber_thresh: reg2hw.a2o_ber.thresh,
      burst_len: reg2hw.a2o_burst.len,
      burst_start: reg2hw.a2o_burst.start,
      seed: reg2hw.seed.value,
      reseed: reg2hw.ctrl.reseed
    };
    o2a_cfg = '{
      reverse: reg2hw.o2a_ctrl.reverse,
      err_mode: reg2hw.o2a_ctrl.err_mode,
      eye_step: reg2hw.o2a_ctrl.eye_step,
      sb_dead: reg2hw.o2a_ctrl.sb_dead,
      sb_flip_bit: reg2hw.o2a_ctrl.sb_flip_bit,
      sb_flip_arm: reg2hw.o2a_sb_flip.arm,
      ber_thresh: reg2hw.o2a_ber.thresh,
      burst_len: reg2hw.o2a_burst.len,
      burst_start: reg2hw.o2a_burst.start,
      seed: reg2hw.seed.value,
      reseed: reg2hw.ctrl.reseed
    };
    for (int unsigned w = 0; w < NumWires; w++) begin
      a2o_wires[w] = chan_wire_cfg_t'(reg2hw.a2o_wire[w]);
      o2a_wires[w] = chan_wire_cfg_t'(reg2hw.o2a_wire[w]);
    end
  end

  cpo_d2d_chan_dir #(
    .NumLanes(NumLanes),
    .NumSpare(NumSpare),
    .DirSalt (32'ha20e_0000)
  ) u_a2o (
    .clk_i,
    .rst_ni,
    .cycle_i,
    .cfg_i         (a2o_cfg),
    .wire_cfg_i    (a2o_wires),
    .speed_i       (a2o_speed_i),
    .tx_i          (a2o_tx_i),
    .rx_o          (a2o_rx_o),
    .phase_i       (a2o_phase_i),
    .sb_clk_i      (a2o_sb_clk_i),
    .sb_dat_i      (a2o_sb_dat_i),
    .sb_clk_o      (a2o_sb_clk_o),
    .sb_dat_o      (a2o_sb_dat_o),
    .sb_flips_o    (hw2reg.a2o_stat.sb_flips),
    .sb_armed_o    (hw2reg.a2o_stat.sb_armed),
    .burst_active_o(hw2reg.a2o_stat.burst_active),
    .injected_o    (hw2reg.a2o_injected.count)
  );

  cpo_d2d_chan_dir #(
    .NumLanes(NumLanes),
    .NumSpare(NumSpare),
    .DirSalt (32'h02a0_0000)
  ) u_o2a (
    .clk_i,
    .rst_ni,
    .cycle_i,
    .cfg_i         (o2a_cfg),
    .wire_cfg_i    (o2a_wires),
    .speed_i       (o2a_speed_i),
    .tx_i          (o2a_tx_i),
    .rx_o          (o2a_rx_o),
    .phase_i       (o2a_phase_i),
    .sb_clk_i      (o2a_sb_clk_i),
    .sb_dat_i      (o2a_sb_dat_i),
    .sb_clk_o      (o2a_sb_clk_o),
    .sb_dat_o      (o2a_sb_dat_o),
    .sb_flips_o    (hw2reg.o2a_stat.sb_flips),
    .sb_armed_o    (hw2reg.o2a_stat.sb_armed),
    .burst_active_o(hw2reg.o2a_stat.burst_active),
    .injected_o    (hw2reg.o2a_injected.count)
  );

  assign hw2reg.config_.num_wires = 8'(NumWires);
  assign hw2reg.config_.num_lanes = 8'(NumLanes);
  assign hw2reg.config_.num_spare = 8'(NumSpare);
  assign hw2reg.config_.num_phases = 8'(NumPhases);

  // Wires beyond this design's lane count have registers but no hardware.
  logic unused_wires;
  always_comb begin
    unused_wires = 1'b0;
    for (int unsigned w = NumWires; w < CPO_D2DCH_MAX_WIRES; w++) begin
      unused_wires ^= ^reg2hw.a2o_wire[w] ^ ^reg2hw.o2a_wire[w];
    end
  end

  initial begin : WiresFit_A
    assert (NumWires <= CPO_D2DCH_MAX_WIRES)
    else $fatal(1, "cpo_d2d_channel: %0d wires exceed the register map's %0d", NumWires,
                CPO_D2DCH_MAX_WIRES);
  end

endmodule : cpo_d2d_channel
