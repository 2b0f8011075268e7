// PRBS polynomial codes shared by the pattern generators and checkers (D2D.md, "Pattern
// generators and checkers"): ITU-T O.150 / IEEE 802.3 polynomials, sequences not inverted.
package cpo_prbs_pkg;

  // Runtime polynomial select. Codes 6 and 7 are reserved and behave as Prbs31.
  typedef enum logic [2:0] {
    Prbs7  = 3'd0,  // x^7 + x^6 + 1
    Prbs9  = 3'd1,  // x^9 + x^5 + 1
    Prbs13 = 3'd2,  // x^13 + x^12 + x^2 + x + 1
    Prbs15 = 3'd3,  // x^15 + x^14 + 1
    Prbs23 = 3'd4,  // x^23 + x^18 + 1
    Prbs31 = 3'd5   // x^31 + x^28 + 1
  } prbs_poly_e;

  // The longest register: every state and seed port is this wide; a degree-N polynomial uses
  // bits [N-1:0], bit 0 the oldest bit in time.
  parameter int unsigned PrbsStateBits = 31;

  // Mask of the state bits a polynomial uses (its degree).
  function automatic logic [PrbsStateBits-1:0] prbs_state_mask(prbs_poly_e poly);
    unique case (poly)
      Prbs7:   return 31'h7f;
      Prbs9:   return 31'h1ff;
      Prbs13:  return 31'h1fff;
      Prbs15:  return 31'h7fff;
      Prbs23:  return 31'h7f_ffff;
      default: return 31'h7fff_ffff;
    endcase
  endfunction

endpackage : cpo_prbs_pkg
