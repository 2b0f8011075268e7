// PRBS pattern generator: Width bits per cycle, bit 0 of data_o first in time.
//
// While en_i is high the generator emits the sequence continuing from seed_i: the first word
// after reset, after en_i rises or after poly_i changes follows seed_i[N-1:0] (the N bits
// "before" it, bit 0 oldest, N the polynomial's degree). A seed whose low N bits are all zero
// (the LFSR's lock-up state) is replaced by all ones. While en_i is low data_o is zero.
// inject_i flips bit inject_pos_i of the word produced at this clock edge (bit 0 if
// inject_pos_i >= Width) without disturbing the sequence: exactly one bit error on the line.
// data_o is registered: the word computed at an edge is on data_o until the next edge.
module cpo_prbs_gen
  import cpo_prbs_pkg::*;
#(
  parameter int unsigned Width = 32
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     en_i,
  input  prbs_poly_e               poly_i,
  input  logic [PrbsStateBits-1:0] seed_i,
  input  logic                     inject_i,
  input  logic [5:0]               inject_pos_i,
  output logic [Width-1:0]         data_o
);

  logic                     running_q;  // state_q continues the sequence of poly_q
  prbs_poly_e               poly_q;
  logic [PrbsStateBits-1:0] state_q, state_d, cur_state, seed_state;
  logic [Width-1:0]         data_q, data_d, word, flip;

  // A new run starts from the seed, restricted to the polynomial's degree and never all-zero.
  always_comb begin
    seed_state = seed_i & prbs_state_mask(poly_i);
    if (seed_state == '0) seed_state = prbs_state_mask(poly_i);
  end
  assign cur_state = (running_q && poly_q == poly_i) ? state_q : seed_state;

  cpo_prbs_leap #(.Width(Width)) u_leap (
    .poly_i (poly_i),
    .state_i(cur_state),
    .data_o (word),
    .state_o(state_d)
  );

  always_comb begin
    flip = '0;
    if (inject_i) begin
      flip = (32'(inject_pos_i) < Width) ? Width'(1) << inject_pos_i : Width'(1);
    end
    data_d = en_i ? (word ^ flip) : '0;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      running_q <= 1'b0;
      poly_q    <= Prbs31;
      state_q   <= '0;
      data_q    <= '0;
    end else begin
      running_q <= en_i;
      poly_q    <= poly_i;
      data_q    <= data_d;
      if (en_i) state_q <= state_d;
    end
  end
  assign data_o = data_q;

  initial begin : WidthRange_A
    assert (Width >= 1 && Width <= 64)
    else $fatal(1, "cpo_prbs_gen: Width %0d is outside 1..64", Width);
  end

endmodule : cpo_prbs_gen
