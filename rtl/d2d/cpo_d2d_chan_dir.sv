// One direction of the die-to-die channel: NumWires lane wires (data, spare, valid, clock) with
// lane reversal, and the sideband pair with its faults. See cpo_d2d_chan_lane for one wire.
//
// Reversal: with cfg_i.reverse, data/spare wire w arrives at receiver lane P-1-w, and the
// sampling phase that applies to wire w is the one of the receiver lane it arrives at.
// Bit errors: ERR_MODE 1 all the time, 2 while a burst (started by burst_start, burst_len
// cycles) runs, on the wires whose err_en is set.
// Sideband: sb_dead drops everything; an armed flip inverts bit sb_flip_bit (counted from the
// first bit of a unit) of the next unit that gets that far, once.
module cpo_d2d_chan_dir
  import cpo_d2d_pkg::*;
#(
  parameter int unsigned NumLanes = 8,
  parameter int unsigned NumSpare = 1,
  parameter logic [31:0] DirSalt  = 32'h0,
  localparam int unsigned NumPhys  = NumLanes + NumSpare,
  localparam int unsigned NumWires = NumPhys + 2
) (
  input  logic                                 clk_i,
  input  logic                                 rst_ni,
  input  logic [63:0]                          cycle_i,
  input  chan_dir_cfg_t                        cfg_i,
  input  chan_wire_cfg_t [NumWires-1:0]        wire_cfg_i,
  input  logic [2:0]                           speed_i,
  input  logic [NumWires-1:0][WordBits-1:0]    tx_i,
  output logic [NumWires-1:0][WordBits-1:0]    rx_o,
  input  logic [NumWires-1:0][PhaseBits-1:0]   phase_i,
  input  logic                                 sb_clk_i,
  input  logic                                 sb_dat_i,
  output logic                                 sb_clk_o,
  output logic                                 sb_dat_o,
  // status
  output logic [15:0]                          sb_flips_o,
  output logic                                 sb_armed_o,
  output logic                                 burst_active_o,
  output logic [31:0]                          injected_o
);

  // Wire w arrives at receiver lane arrive(w).
  function automatic int unsigned arrive(int unsigned w, logic rev);
    return (rev && w < NumPhys) ? NumPhys - 1 - w : w;
  endfunction

  logic [23:0] burst_q;
  logic        ber_on;
  assign ber_on = cfg_i.err_mode == 2'd1 || (cfg_i.err_mode == 2'd2 && burst_q != '0);
  assign burst_active_o = burst_q != '0;

  logic [NumWires-1:0][WordBits-1:0] wire_rx;
  logic [NumWires-1:0]               inj;
  for (genvar w = 0; w < NumWires; w++) begin : g_wire
    logic [PhaseBits-1:0] phase;
    assign phase = cfg_i.reverse ? phase_i[arrive(w, 1'b1)] : phase_i[w];
    cpo_d2d_chan_lane u_lane (
      .clk_i,
      .rst_ni,
      .cycle_i,
      .salt_i      (DirSalt ^ (32'h9e37_79b9 * (w + 1))),
      .tx_i        (tx_i[w]),
      .rx_o        (wire_rx[w]),
      .phase_i     (phase),
      .speed_i,
      .skew_i      (wire_cfg_i[w].skew),
      .eye_w_i     (wire_cfg_i[w].eye_w),
      .eye_step_i  (cfg_i.eye_step),
      .stuck_en_i  (wire_cfg_i[w].stuck_en),
      .stuck_val_i (wire_cfg_i[w].stuck_val),
      .open_i      (wire_cfg_i[w].open),
      .err_en_i    (wire_cfg_i[w].err_en),
      .ber_on_i    (ber_on),
      .ber_thresh_i(cfg_i.ber_thresh),
      .seed_i      (cfg_i.seed),
      .reseed_i    (cfg_i.reseed),
      .injected_o  (inj[w])
    );
  end

  // Reversal is its own inverse: receiver lane r gets wire arrive(r). (Two fixed wirings, so the
  // simulator does not index by a run-time value on every word.)
  always_comb begin
    rx_o = wire_rx;
    if (cfg_i.reverse) begin
      for (int unsigned r = 0; r < NumWires; r++) rx_o[r] = wire_rx[arrive(r, 1'b1)];
    end
  end

  // Sideband.
  logic [7:0]  sb_bit_q;
  logic        armed_q, sb_clk_q, sb_dat_q, flip;
  logic [15:0] flips_q;
  logic [31:0] inj_q;
  assign flip = armed_q && sb_clk_i && sb_bit_q == {1'b0, cfg_i.sb_flip_bit};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      burst_q <= '0;
      sb_bit_q <= '0;
      armed_q <= 1'b0;
      sb_clk_q <= 1'b0;
      sb_dat_q <= 1'b0;
      flips_q <= '0;
      inj_q <= '0;
    end else begin
      if (cfg_i.burst_start) burst_q <= cfg_i.burst_len;
      else if (burst_q != '0) burst_q <= burst_q - 24'd1;
      sb_bit_q <= sb_clk_i ? sb_bit_q + 8'd1 : 8'd0;
      if (cfg_i.sb_flip_arm) armed_q <= 1'b1;
      else if (flip) armed_q <= 1'b0;
      if (flip) flips_q <= flips_q + 16'd1;
      sb_clk_q <= sb_clk_i && !cfg_i.sb_dead;
      sb_dat_q <= (sb_dat_i ^ flip) && !cfg_i.sb_dead;
      inj_q <= inj_q + 32'($countones(inj));
    end
  end

  assign sb_clk_o = sb_clk_q;
  assign sb_dat_o = sb_dat_q;
  assign sb_flips_o = flips_q;
  assign sb_armed_o = armed_q;
  assign injected_o = inj_q;

endmodule : cpo_d2d_chan_dir
