// One wire of the die-to-die channel, with the receiver's sampler in front of it.
//
// The wire delays the bit stream by skew_i, in 1/NumPhases UI: k = skew_i / NumPhases whole
// bits plus f = skew_i % NumPhases phases. The receiver samples each UI at phase phase_i; the
// bit it catches is delayed by k bits, or k + 1 when phase_i < f (it samples before the delayed
// transition). The eye is centred at phase c = (f + NumPhases/2) mod NumPhases: a sample is
// correct when 2 |phase_i - c| < eye width, else every bit of the word is replaced by a
// pseudo-random bit (seeded xorshift32 per wire, so runs are reproducible; it steps every
// cycle, but is only computed in the cycles that draw from it, jumped ahead by the cycles
// since the last draw, counted on cycle_i: a skipped cycle steps it as a clocked one). The eye
// width is
// eye_w_i at the top speed and grows by eye_step_i per speed step below it.
// Faults: stuck_en_i forces every bit to stuck_val_i; open_i makes the wire float (random
// bits); err_en_i with ber_on_i flips one bit of a word with probability ber_thresh_i / 2^32.
// One cycle of latency.
module cpo_d2d_chan_lane
  import cpo_d2d_pkg::*;
  import cpo_prbs_pkg::prbs_mulmod;
(
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic [63:0]          cycle_i,     // the datapath cycle number, 0 after reset
  input  logic [31:0]          salt_i,      // per-wire constant: decorrelates the streams
  input  logic [WordBits-1:0]  tx_i,
  output logic [WordBits-1:0]  rx_o,
  input  logic [PhaseBits-1:0] phase_i,
  input  logic [2:0]           speed_i,
  // configuration
  input  logic [9:0]           skew_i,
  input  logic [5:0]           eye_w_i,
  input  logic [3:0]           eye_step_i,
  input  logic                 stuck_en_i,
  input  logic                 stuck_val_i,
  input  logic                 open_i,
  input  logic                 err_en_i,
  input  logic                 ber_on_i,
  input  logic [31:0]          ber_thresh_i,
  input  logic [31:0]          seed_i,
  input  logic                 reseed_i,
  output logic                 injected_o
);

  localparam int unsigned HistWords = 4;  // delay of up to HistWords * WordBits bits

  // The wire's registers: the transmitted stream (the last HistWords words, oldest in the low
  // bits: one 64-bit word, so the simulator shifts it in one step), its word and error flag out,
  // and its random stream, whose value is rnd_base_q xorshift-stepped cycle_i - rnd_at_q times.
  logic [HistWords*WordBits-1:0] hist_q;
  logic [WordBits-1:0]           rx_q;
  logic                          inj_q;
  logic [31:0]                   rnd_base_q;
  logic [63:0]                   rnd_at_q;

  // The sampler's geometry (where in the stream the sampled word starts, and whether the phase is
  // inside the eye) is a function of the skew, phase, eye and speed alone, which change only when
  // configured or trained: it is kept with the values it was computed from (geo_key_q) and
  // computed again only when one of them differs. A memo of a pure function, with no behaviour
  // of its own (it took the wire from about 120 to 80 instructions a cycle).
  localparam int unsigned GeoKeyBits = 10 + PhaseBits + 6 + 4 + 3;
  logic [GeoKeyBits-1:0] geo_key_q;
  logic                  geo_ok_q;
  logic [6:0]            start_q;
  logic                  in_eye_q;

  function automatic logic [31:0] xorshift32(logic [31:0] x);
    logic [31:0] y;
    y = x ^ (x << 13);
    y = y ^ (y >> 17);
    return y ^ (y << 5);
  endfunction

  // xorshift32 n steps on: the map's minimal polynomial M (degree 32, period 2^32 - 1; found by
  // Berlekamp-Massey on its output) gives T^n = (x^n mod M)(T), so n steps cost about 60
  // polynomial products and 32 plain steps, however large n is.
  localparam logic [63:0] XorshiftPoly = 64'h1_003e_c241;
  function automatic logic [31:0] xorshift32_jump(logic [31:0] x, logic [63:0] steps);
    /*verilator no_inline_task*/
    logic [63:0] n, r, x2k;
    logic [31:0] acc, t;
    n = steps % 64'hffff_ffff;
    r = 64'd1;
    x2k = 64'd2;  // x^(2^k)
    for (int unsigned k = 0; k < 32; k++) begin
      if (n[k]) r = prbs_mulmod(r, x2k, XorshiftPoly, 32);
      x2k = prbs_mulmod(x2k, x2k, XorshiftPoly, 32);
    end
    acc = '0;
    t = x;
    for (int unsigned j = 0; j < 32; j++) begin
      if (r[j]) acc = acc ^ t;
      t = xorshift32(t);
    end
    return acc;
  endfunction

  logic [31:0] seed_salted;
  assign seed_salted = (seed_i ^ salt_i) == '0 ? 32'h1 : (seed_i ^ salt_i);

  // The wire's registers after this cycle, computed at the clock edge only, so the wire is
  // sequential logic alone: nothing here is evaluated again when an input (cycle_i, the phase,
  // the configuration) changes between edges.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    logic [PhaseBits-1:0]  frac, centre, off;
    logic [PhaseBits:0]    abs_off;
    logic [6:0]            delay, start;
    logic [7:0]            eye_eff;
    logic                  in_eye, draw, inj;
    logic [31:0]           rnd;
    logic [63:0]           rnd_age;
    logic [WordBits-1:0]   rx;
    logic [GeoKeyBits-1:0] key;
    if (!rst_ni) begin
      hist_q <= '0;
      rx_q <= '0;
      inj_q <= 1'b0;
      rnd_base_q <= salt_i == '0 ? 32'h1 : salt_i;
      rnd_at_q <= '0;
      geo_key_q <= '0;
      geo_ok_q <= 1'b0;
      start_q <= '0;
      in_eye_q <= 1'b0;
    end else begin
      key = {skew_i, phase_i, eye_w_i, eye_step_i, speed_i};
      if (geo_ok_q && key == geo_key_q) begin
        start = start_q;
        in_eye = in_eye_q;
      end else begin
        frac = skew_i[PhaseBits-1:0];
        delay = 7'(skew_i[9:PhaseBits]) + ((phase_i < frac) ? 7'd1 : 7'd0);
        centre = frac + PhaseBits'(NumPhases / 2);
        off = phase_i - centre;
        abs_off = off[PhaseBits-1] ? (PhaseBits+1)'(-{1'b1, off}) : {1'b0, off};
        eye_eff = 8'(eye_w_i) + 8'(eye_step_i) *
                  ((speed_i < MaxSpeedCode) ? 8'(MaxSpeedCode) - 8'(speed_i) : 8'd0);
        in_eye = 8'({abs_off, 1'b0}) < eye_eff;
        // the sampled word starts delay bits before this cycle's: at bit `start` of {tx_i, hist_q}
        start = 7'(HistWords * WordBits) - delay;
        geo_key_q <= key;
        geo_ok_q <= 1'b1;
        start_q <= start;
        in_eye_q <= in_eye;
      end

      if (start <= 7'(HistWords * WordBits - WordBits)) rx = WordBits'(hist_q >> start);
      else if (start < 7'(HistWords * WordBits)) begin
        rx = WordBits'({tx_i, hist_q[HistWords*WordBits-1 -: WordBits]} >>
                       (start - 7'(HistWords * WordBits - WordBits)));
      end else rx = tx_i;  // no delay
      // the random word, only where this cycle draws from it
      draw = !in_eye || (ber_on_i && err_en_i) || open_i;
      inj = 1'b0;
      if (draw) begin
        rnd = rnd_base_q;
        rnd_age = cycle_i - rnd_at_q;
        // one step is one step, not a jump; an age of -1 (after the edge that drew, before
        // cycle_i moves on) is the jump's own answer for it (-1 mod 2^32 - 1 = 0 steps): not
        // computed
        if (rnd_age == 64'd1) rnd = xorshift32(rnd_base_q);
        else if (rnd_age != '0 && rnd_age != '1) rnd = xorshift32_jump(rnd_base_q, rnd_age);
        if (!in_eye) rx = rx ^ rnd[WordBits-1:0];
        inj = ber_on_i && err_en_i && (rnd < ber_thresh_i);
        if (inj) rx[rnd[3:0]] = ~rx[rnd[3:0]];
        if (open_i) rx = rnd[31:32-WordBits];
        if (!reseed_i) begin
          rnd_base_q <= xorshift32(rnd);
          rnd_at_q <= cycle_i + 64'd1;
        end
      end
      if (stuck_en_i) rx = {WordBits{stuck_val_i}};

      hist_q <= {tx_i, hist_q[HistWords*WordBits-1:WordBits]};
      rx_q <= rx;
      inj_q <= inj;
      if (reseed_i) begin
        rnd_base_q <= seed_salted;
        rnd_at_q <= cycle_i + 64'd1;
      end
    end
  end

  assign rx_o = rx_q;
  assign injected_o = inj_q;

endmodule : cpo_d2d_chan_lane
