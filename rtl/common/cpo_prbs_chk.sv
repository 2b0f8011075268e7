// PRBS pattern checker: Width bits per cycle, bit 0 of data_i first in time.
//
// StHunt: the checker predicts each received bit from the bits received before it (the
// polynomial's recurrence applied to the received stream, i.e. self-synchronising). After
// LockBits consecutive correctly predicted bits, with a full history that is not all-zero, it
// locks and copies the last received bits into its reference.
// StLocked: the reference runs free, independent of the received data, so every received bit
// that differs from it is one bit error, counted once (a self-synchronising comparison would
// count each error once per feedback tap). bits_o and errors_o count the bits checked and the
// bit errors while locked; word_errors_o the errors in the last word checked.
// Lock is lost when more than a quarter of the bits in a window of UnlockWindowBits are errors
// (a slipped or foreign stream has about half); the checker then hunts again and relocks once
// the received stream is clean. Disabling (en_i low) or a change of poly_i restarts the hunt;
// the counters hold until clear_i. The received word is registered before it is checked: a word
// on data_i (with valid_i) at clock edge E is checked at edge E+1, when the outputs that count
// it change; poly_i, en_i and clear_i act at the edge that samples them. Outputs are registered.
module cpo_prbs_chk
  import cpo_prbs_pkg::*;
#(
  parameter int unsigned Width            = 32,
  parameter int unsigned LockBits         = 64,
  parameter int unsigned UnlockWindowBits = 128,
  localparam int unsigned WordErrBits     = $clog2(Width + 1)
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   en_i,
  input  logic                   valid_i,
  input  prbs_poly_e             poly_i,
  input  logic [Width-1:0]       data_i,
  input  logic                   clear_i,
  output logic                   locked_o,
  output logic [63:0]            bits_o,
  output logic [63:0]            errors_o,
  output logic [WordErrBits-1:0] word_errors_o
);

  typedef enum logic {
    StHunt,
    StLocked
  } chk_state_e;

  localparam int unsigned ExtBits = Width + PrbsStateBits;

  chk_state_e               state_q, state_d;
  prbs_poly_e               poly_q;
  logic [PrbsStateBits-1:0] hist_q, hist_d;      // received history (hunt) or reference (locked)
  logic [5:0]               fill_q, fill_d;      // bits of received history, saturating at 31
  logic [15:0]              clean_q, clean_d;    // correctly predicted bits in a row (hunt)
  logic [15:0]              win_bits_q, win_bits_d, win_errs_q, win_errs_d;
  logic [63:0]              bits_q, bits_d, errs_q, errs_d;
  logic [WordErrBits-1:0]   word_errs_q, word_errs_d;

  // The received word is registered first: the checking logic then depends on flops only.
  logic [Width-1:0]         rx_q;
  logic                     rx_valid_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rx_q       <= '0;
      rx_valid_q <= 1'b0;
    end else begin
      rx_valid_q <= valid_i;
      if (valid_i) rx_q <= data_i;
    end
  end

  // Hunt: predict each received bit from the received bits before it. With ext = {rx_q,
  // history}, bit degree+j is received bit j, and b[k] = XOR_t b[k-t] becomes a XOR of ext
  // shifted by degree - t for each term x^t.
  logic [ExtBits-1:0]       ext;
  logic [Width-1:0]         predicted;
  logic [5:0]               degree;
  always_comb begin
    degree = '0;
    ext = '0;
    predicted = '0;
    if (state_q == StHunt && en_i) begin  // only an enabled hunt looks at the prediction
      unique case (poly_i)
        Prbs7: begin
          degree = 6'd7;
          ext = ExtBits'({rx_q, hist_q[6:0]});
          predicted = Width'(ext ^ (ext >> 1));
        end
        Prbs9: begin
          degree = 6'd9;
          ext = ExtBits'({rx_q, hist_q[8:0]});
          predicted = Width'(ext ^ (ext >> 4));
        end
        Prbs13: begin
          degree = 6'd13;
          ext = ExtBits'({rx_q, hist_q[12:0]});
          predicted = Width'(ext ^ (ext >> 1) ^ (ext >> 11) ^ (ext >> 12));
        end
        Prbs15: begin
          degree = 6'd15;
          ext = ExtBits'({rx_q, hist_q[14:0]});
          predicted = Width'(ext ^ (ext >> 1));
        end
        Prbs23: begin
          degree = 6'd23;
          ext = ExtBits'({rx_q, hist_q[22:0]});
          predicted = Width'(ext ^ (ext >> 5));
        end
        default: begin  // Prbs31 and the reserved codes
          degree = 6'd31;
          ext = ExtBits'({rx_q, hist_q[30:0]});
          predicted = Width'(ext ^ (ext >> 3));
        end
      endcase
    end
  end

  // Locked: the free-running reference.
  logic [Width-1:0]         expected;
  logic [PrbsStateBits-1:0] ref_next;
  cpo_prbs_leap #(.Width(Width)) u_leap (
    .en_i   (state_q == StLocked),  // only a locked checker looks at the reference
    .poly_i (poly_i),
    .state_i(hist_q),
    .data_o (expected),
    .state_o(ref_next)
  );

  logic [PrbsStateBits-1:0] rx_hist;
  logic [WordErrBits-1:0]   nerr;
  always_comb begin
    rx_hist = PrbsStateBits'(ext >> Width);  // the last `degree` received bits
    nerr = '0;

    state_d = state_q;
    hist_d = hist_q;
    fill_d = fill_q;
    clean_d = clean_q;
    win_bits_d = win_bits_q;
    win_errs_d = win_errs_q;
    bits_d = bits_q;
    errs_d = errs_q;
    word_errs_d = word_errs_q;

    if (!en_i || poly_i != poly_q) begin
      state_d = StHunt;
      fill_d = '0;
      clean_d = '0;
      word_errs_d = '0;
    end else if (rx_valid_q) begin
      unique case (state_q)
        StLocked: begin
          nerr = WordErrBits'($countones(expected ^ rx_q));
          hist_d = ref_next;
          bits_d = bits_q + 64'(Width);
          errs_d = errs_q + 64'(nerr);
          word_errs_d = nerr;
          win_bits_d = win_bits_q + 16'(Width);
          win_errs_d = win_errs_q + 16'(nerr);
          if (32'(win_bits_d) >= UnlockWindowBits) begin
            if (32'(win_errs_d) > UnlockWindowBits / 4) begin
              state_d = StHunt;
              fill_d = '0;
              clean_d = '0;
            end
            win_bits_d = '0;
            win_errs_d = '0;
          end
        end
        default: begin  // StHunt
          hist_d = rx_hist;
          fill_d = (32'(fill_q) + Width >= PrbsStateBits) ? 6'(PrbsStateBits) : fill_q + 6'(Width);
          word_errs_d = '0;
          if (fill_q >= degree && predicted == rx_q && rx_hist != '0) begin
            clean_d = (32'(clean_q) + Width >= LockBits) ? 16'(LockBits) : clean_q + 16'(Width);
          end else begin
            clean_d = '0;
          end
          if (32'(clean_d) >= LockBits) begin
            state_d = StLocked;
            win_bits_d = '0;
            win_errs_d = '0;
          end
        end
      endcase
    end

    if (clear_i) begin
      bits_d = '0;
      errs_d = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StHunt;
      poly_q      <= Prbs31;
      hist_q      <= '0;
      fill_q      <= '0;
      clean_q     <= '0;
      win_bits_q  <= '0;
      win_errs_q  <= '0;
      bits_q      <= '0;
      errs_q      <= '0;
      word_errs_q <= '0;
    end else begin
      state_q     <= state_d;
      poly_q      <= poly_i;
      hist_q      <= hist_d;
      fill_q      <= fill_d;
      clean_q     <= clean_d;
      win_bits_q  <= win_bits_d;
      win_errs_q  <= win_errs_d;
      bits_q      <= bits_d;
      errs_q      <= errs_d;
      word_errs_q <= word_errs_d;
    end
  end

  assign locked_o = state_q == StLocked;
  assign bits_o = bits_q;
  assign errors_o = errs_q;
  assign word_errors_o = word_errs_q;

  initial begin : ParamRange_A
    assert (Width >= 1 && Width <= 64)
    else $fatal(1, "cpo_prbs_chk: Width %0d is outside 1..64", Width);
    assert (LockBits >= 1 && LockBits < 65536 - 64)
    else $fatal(1, "cpo_prbs_chk: LockBits %0d is outside 1..65471", LockBits);
    assert (UnlockWindowBits >= 4 && UnlockWindowBits < 65536 - 64)
    else $fatal(1, "cpo_prbs_chk: UnlockWindowBits %0d is outside 4..65471", UnlockWindowBits);
  end

endmodule : cpo_prbs_chk
