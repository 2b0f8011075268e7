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

  // The polynomial's degree.
  function automatic int unsigned prbs_degree(prbs_poly_e poly);
    return $countones(prbs_state_mask(poly));
  endfunction

  // The state bits whose XOR is the next bit: b[k] = XOR of b[k-t] over the terms x^t (t >= 1)
  // other than x^0, state bit 0 being b[k-degree], so term x^t is state bit degree - t.
  function automatic logic [PrbsStateBits-1:0] prbs_feedback(prbs_poly_e poly);
    unique case (poly)
      Prbs7:   return 31'h3;     // x^7, x^6
      Prbs9:   return 31'h11;    // x^9, x^5
      Prbs13:  return 31'h1803;  // x^13, x^12, x^2, x^1
      Prbs15:  return 31'h3;     // x^15, x^14
      Prbs23:  return 31'h21;    // x^23, x^18
      default: return 31'h9;     // x^31, x^28
    endcase
  endfunction

  // Jump-ahead. With P = x^degree + the feedback terms (the sequence's characteristic
  // polynomial), the sequence bit n bits after the state's oldest is the XOR of the state bits
  // that x^n mod P selects; x^(2^degree - 1) mod P = 1 (the polynomials are primitive).
  function automatic logic [63:0] prbs_charpoly(prbs_poly_e poly);
    return (64'd1 << prbs_degree(poly)) | 64'(prbs_feedback(poly));
  endfunction

  // a * b mod p over GF(2), for a and b of lower degree than p (degree `degree`).
  function automatic logic [63:0] prbs_mulmod(logic [63:0] a, logic [63:0] b, logic [63:0] p,
                                              int unsigned degree);
    /*verilator no_inline_task*/
    logic [63:0] prod;
    prod = '0;
    for (int unsigned i = 0; i < degree; i++) begin
      if (b[i]) prod = prod ^ (a << i);
    end
    for (int unsigned i = 2 * degree - 2; i >= degree; i--) begin
      if (prod[i]) prod = prod ^ (p << (i - degree));
    end
    return prod;
  endfunction

  // The state `words` words of word_bits bits later (square and multiply: about 60 products of
  // polynomials, however far).
  function automatic logic [PrbsStateBits-1:0] prbs_jump(prbs_poly_e poly,
                                                         logic [PrbsStateBits-1:0] state,
                                                         logic [63:0] words,
                                                         int unsigned word_bits);
    /*verilator no_inline_task*/
    logic [63:0]              p, period, n, r, x2k;
    logic [PrbsStateBits-1:0] s;
    int unsigned              degree;
    degree = prbs_degree(poly);
    p = prbs_charpoly(poly);
    period = 64'(prbs_state_mask(poly));
    n = ((words % period) * 64'(word_bits)) % period;
    r = 64'd1;
    x2k = 64'd2;  // x^(2^k)
    for (int unsigned k = 0; k < PrbsStateBits; k++) begin
      if (n[k]) r = prbs_mulmod(r, x2k, p, degree);
      x2k = prbs_mulmod(x2k, x2k, p, degree);
    end
    s = '0;
    for (int unsigned i = 0; i < degree; i++) begin  // new state bit i: x^(n + i)
      s = s | (PrbsStateBits'(^(PrbsStateBits'(r) & state)) << i);  // no bit lvalue: not inlined
      r = r << 1;
      if (r[degree]) r = r ^ p;
    end
    return s;
  endfunction

endpackage : cpo_prbs_pkg
