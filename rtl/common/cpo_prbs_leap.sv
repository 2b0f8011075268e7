// Advances a PRBS sequence by Width bits in one step (combinational).
//
// state_i[N-1:0] holds the last N bits of the sequence for a degree-N polynomial, bit 0 the
// oldest; data_o holds the next Width bits, bit 0 first in time; state_o the last N bits after
// them. The trinomials (all but PRBS13) produce as many bits at once as their nearest feedback
// term allows; PRBS13, whose x^1 term allows only one, uses the parallel-LFSR matrix computed
// at elaboration (each output bit a fixed XOR of state bits). Only the selected polynomial's
// logic is evaluated in simulation, and none while en_i is low (outputs zero): a checker that
// is hunting or a generator whose word nothing uses costs the simulator nothing here.
module cpo_prbs_leap
  import cpo_prbs_pkg::*;
#(
  parameter int unsigned Width = 32
) (
  input  logic                     en_i,
  input  prbs_poly_e                poly_i,
  input  logic [PrbsStateBits-1:0] state_i,
  output logic [Width-1:0]         data_o,
  output logic [PrbsStateBits-1:0] state_o
);

  // cols[i]: the output bits that state bit i contributes to.
  typedef logic [PrbsStateBits-1:0][Width-1:0] cols_t;

  function automatic cols_t leap_cols(int unsigned poly_degree, logic [31:0] taps);
    // sym[k]: the state bits whose XOR is sequence bit k (bits 0..poly_degree-1 are the state).
    logic [Width+PrbsStateBits-1:0][PrbsStateBits-1:0] sym;
    cols_t cols;
    sym = '0;
    cols = '0;
    for (int unsigned b = 0; b < poly_degree; b++) begin
      sym[b][b] = 1'b1;
    end
    for (int unsigned j = 0; j < Width; j++) begin
      for (int unsigned t = 1; t <= poly_degree; t++) begin
        if (taps[t]) sym[poly_degree+j] = sym[poly_degree+j] ^ sym[poly_degree+j-t];
      end
    end
    for (int unsigned i = 0; i < PrbsStateBits; i++) begin
      for (int unsigned j = 0; j < Width; j++) begin
        cols[i][j] = sym[poly_degree+j][i];
      end
    end
    return cols;
  endfunction

  // PRBS13 has a feedback term at distance 1, so its bits come out of the matrix.
  // x^13 + x^12 + x^2 + x + 1 as a mask over the exponents (bit t for the term x^t, t >= 1).
  localparam logic [31:0] Prbs13Taps = (32'd1 << 13) | (32'd1 << 12) | (32'd1 << 2) | (32'd1 << 1);
  localparam cols_t Cols13 = leap_cols(13, Prbs13Taps);

  function automatic logic [Width-1:0] apply(cols_t matrix, logic [PrbsStateBits-1:0] from);
    logic [Width-1:0] acc;
    acc = '0;
    for (int unsigned i = 0; i < PrbsStateBits; i++) begin
      acc = acc ^ (matrix[i] & {Width{from[i]}});
    end
    return acc;
  endfunction

  // ext = {word, state}: ext[degree + j] is output bit j.
  localparam int unsigned ExtBits = Width + PrbsStateBits;

  // x^degree + x^tap + 1: b[k] = b[k - degree] ^ b[k - tap]. The next `tap` bits depend only on
  // bits already known, so they come out of two shifts at once: a word in ceil(Width / tap)
  // steps (two for PRBS31 at 32 bits) instead of one step per bit.
  function automatic logic [ExtBits-1:0] trinomial(logic [PrbsStateBits-1:0] from,
                                                   int unsigned poly_degree, int unsigned tap);
    logic [ExtBits-1:0] acc, chunk_mask;
    acc = ExtBits'(from) & ((ExtBits'(1) << poly_degree) - 1'b1);
    chunk_mask = (ExtBits'(1) << tap) - 1'b1;
    for (int unsigned pos = 0; pos < Width; pos += tap) begin
      acc = acc | ((((acc >> pos) ^ (acc >> (pos + poly_degree - tap))) & chunk_mask)
                   << (pos + poly_degree));
    end
    return acc;
  endfunction

  logic [ExtBits-1:0] ext;
  logic [5:0]         degree;
  always_comb begin
    ext = '0;
    degree = '0;
    data_o = '0;
    state_o = '0;
    if (en_i) begin
      unique case (poly_i)
        Prbs7: begin
          degree = 6'd7;
          ext = trinomial(state_i, 7, 6);
        end
        Prbs9: begin
          degree = 6'd9;
          ext = trinomial(state_i, 9, 5);
        end
        Prbs13: begin
          degree = 6'd13;
          ext = ExtBits'({apply(Cols13, state_i), state_i[12:0]});
        end
        Prbs15: begin
          degree = 6'd15;
          ext = trinomial(state_i, 15, 14);
        end
        Prbs23: begin
          degree = 6'd23;
          ext = trinomial(state_i, 23, 18);
        end
        default: begin  // Prbs31 and the reserved codes
          degree = 6'd31;
          ext = trinomial(state_i, 31, 28);
        end
      endcase
      data_o = Width'(ext >> degree);
      // The last `degree` bits of {state, word}; ext has nothing above bit degree + Width - 1.
      state_o = PrbsStateBits'(ext >> Width) & PrbsStateBits'((ExtBits'(1) << degree) - 1'b1);
    end
  end

endmodule : cpo_prbs_leap
