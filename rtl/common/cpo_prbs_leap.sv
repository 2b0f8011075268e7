// Advances a PRBS sequence by Width bits in one step (combinational).
//
// state_i[N-1:0] holds the last N bits of the sequence for a degree-N polynomial, bit 0 the
// oldest; data_o holds the next Width bits, bit 0 first in time; state_o the last N bits after
// them. Each output bit is a fixed XOR of state bits; the matrices are computed at elaboration
// (the usual parallel-LFSR construction), so a step costs one XOR of up to 31 columns whatever
// Width is, and only the selected polynomial's matrix is used.
module cpo_prbs_leap
  import cpo_prbs_pkg::*;
#(
  parameter int unsigned Width = 32
) (
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
    for (int unsigned k = 0; k < poly_degree; k++) begin
      sym[k][k] = 1'b1;
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

  localparam cols_t Cols7 = leap_cols(7, Prbs7Taps);
  localparam cols_t Cols9 = leap_cols(9, Prbs9Taps);
  localparam cols_t Cols13 = leap_cols(13, Prbs13Taps);
  localparam cols_t Cols15 = leap_cols(15, Prbs15Taps);
  localparam cols_t Cols23 = leap_cols(23, Prbs23Taps);
  localparam cols_t Cols31 = leap_cols(31, Prbs31Taps);

  function automatic logic [Width-1:0] apply(cols_t matrix, logic [PrbsStateBits-1:0] from);
    logic [Width-1:0] acc;
    acc = '0;
    for (int unsigned i = 0; i < PrbsStateBits; i++) begin
      acc = acc ^ (matrix[i] & {Width{from[i]}});
    end
    return acc;
  endfunction

  // {word, old state}: the new state is its top bits.
  localparam int unsigned ExtBits = Width + PrbsStateBits;
  logic [Width-1:0]   word;
  logic [ExtBits-1:0] ext;
  always_comb begin
    unique case (poly_i)
      Prbs7: begin
        word = apply(Cols7, state_i);
        ext = ExtBits'({word, state_i[6:0]});
        state_o = PrbsStateBits'(ext >> Width);
      end
      Prbs9: begin
        word = apply(Cols9, state_i);
        ext = ExtBits'({word, state_i[8:0]});
        state_o = PrbsStateBits'(ext >> Width);
      end
      Prbs13: begin
        word = apply(Cols13, state_i);
        ext = ExtBits'({word, state_i[12:0]});
        state_o = PrbsStateBits'(ext >> Width);
      end
      Prbs15: begin
        word = apply(Cols15, state_i);
        ext = ExtBits'({word, state_i[14:0]});
        state_o = PrbsStateBits'(ext >> Width);
      end
      Prbs23: begin
        word = apply(Cols23, state_i);
        ext = ExtBits'({word, state_i[22:0]});
        state_o = PrbsStateBits'(ext >> Width);
      end
      default: begin  // Prbs31 and the reserved codes
        word = apply(Cols31, state_i);
        ext = ExtBits'({word, state_i[30:0]});
        state_o = PrbsStateBits'(ext >> Width);
      end
    endcase
  end
  assign data_o = word;

endmodule : cpo_prbs_leap
