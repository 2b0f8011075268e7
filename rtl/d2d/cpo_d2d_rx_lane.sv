// One receiver lane: delay line (bit alignment and deskew), PRBS checker and frame scanner.
//
// The delay line delays the received stream by delay_i bits (0 .. MaxDelay) and outputs the
// aligned word one cycle later. The checker (cpo_prbs_chk) checks the aligned words while
// chk_en_i (off, it holds its counters and hunts afresh when it is on again). The frame
// scanner looks for a lane frame (cpo_d2d_tx_lanes, TxLaneId) in the raw stream: a marker of
// sixteen 1s between 0s followed by a well-formed ID word; it records the ID and the marker's
// stream position modulo the frame length (wcnt_i is the receiver's word counter), and found_o
// says at least two frames were seen with the same ID at the same position since scan_clear_i.
module cpo_d2d_rx_lane
  import cpo_d2d_pkg::*;
  import cpo_prbs_pkg::*;
#(
  localparam int unsigned HistWords = RxDelayWords,
  localparam int unsigned MaxDelay  = HistWords * WordBits,
  localparam int unsigned FrameBits = $clog2(FrameWords)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic [WordBits-1:0]  wire_i,
  input  logic [6:0]           delay_i,
  input  prbs_poly_e           poly_i,
  input  logic                 chk_en_i,
  input  logic                 chk_clear_i,
  input  logic                 scan_en_i,
  input  logic                 scan_clear_i,
  input  logic [FrameBits-1:0] wcnt_i,
  output logic [WordBits-1:0]  aligned_o,
  output logic                 locked_o,
  output logic                 errs_zero_o,
  output logic [31:0]          errs_o,
  output logic                 found_o,
  output logic [6:0]           id_o,
  output logic [7:0]           pos_o
);

  // First marker start examined (window bit); a candidate is the 33 bits from the bit before
  // the marker: 0, sixteen 1s, then the ID word whose bits 0 and 15 are 0; the ID and its
  // complement are compared separately.
  localparam int unsigned ScanFirst = 16;
  localparam logic [32:0] MarkerMask = {1'b1, 14'h0, 1'b1, 16'hffff, 1'b1};
  localparam logic [32:0] MarkerBits = {1'b0, 14'h0, 1'b0, 16'hffff, 1'b0};

  // The received stream: the last HistWords words, oldest in the low bits, as one 64-bit word
  // (the four oldest) and the newest, so the simulator shifts it in two steps; this cycle's word
  // (wire_i) follows them. The aligned word starts delay_i bits before this cycle's: at bit
  // MaxDelay - delay_i of {wire_i, hist_hi_q, hist_lo_q}.
  localparam int unsigned LoBits = (HistWords - 1) * WordBits;
  logic [LoBits-1:0]   hist_lo_q;
  logic [WordBits-1:0] hist_hi_q;
  logic [WordBits-1:0] aligned_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    logic [6:0] start;
    if (!rst_ni) begin
      hist_lo_q <= '0;
      hist_hi_q <= '0;
      aligned_q <= '0;
    end else begin
      start = 7'(MaxDelay) - delay_i;
      if (start <= 7'(LoBits - WordBits)) aligned_q <= WordBits'(hist_lo_q >> start);
      else if (start <= 7'(LoBits)) begin
        aligned_q <= WordBits'({hist_hi_q, hist_lo_q[LoBits-1 -: WordBits]} >>
                               (start - 7'(LoBits - WordBits)));
      end else aligned_q <= WordBits'({wire_i, hist_hi_q} >> (start - 7'(LoBits)));
      hist_lo_q <= {hist_hi_q, hist_lo_q[LoBits-1:WordBits]};
      hist_hi_q <= wire_i;
    end
  end
  assign aligned_o = aligned_q;

  logic [63:0]                   errs, chk_bits;
  logic [$clog2(WordBits+1)-1:0] word_errs;
  cpo_prbs_chk #(.Width(WordBits)) u_chk (
    .clk_i,
    .rst_ni,
    .en_i         (chk_en_i),
    .valid_i      (1'b1),
    .poly_i,
    .data_i       (aligned_q),
    .clear_i      (chk_clear_i),
    .locked_o,
    .bits_o       (chk_bits),
    .errors_o     (errs),
    .word_errors_o(word_errs)
  );
  assign errs_zero_o = errs == '0;
  assign errs_o = errs[31:0];
  logic unused_chk;
  assign unused_chk = ^{chk_bits, word_errs, errs[63:32]};

  // Frame scanner over the last four words (window bit i = bit 32 + i above); each candidate
  // start is examined in exactly one cycle as the stream slides by WordBits.
  logic        hit;
  logic [6:0]  hit_id;
  logic [7:0]  hit_pos;
  logic [63:0] win;
  logic [32:0] cand;
  always_comb begin
    hit = 1'b0;
    hit_id = '0;
    hit_pos = '0;
    win = {wire_i, hist_hi_q, hist_lo_q[LoBits-1 -: 2*WordBits]};
    cand = '0;
    if (scan_en_i) begin
      for (int unsigned c = 0; c < WordBits; c++) begin
        cand = 33'(win >> (ScanFirst + c - 1));
        if ((cand & MarkerMask) == MarkerBits && cand[31:25] == ~cand[24:18]) begin
          hit = 1'b1;
          hit_id = cand[31:25];
          // stream position of the marker modulo the frame length
          hit_pos = 8'(32'(wcnt_i) * WordBits + ScanFirst + c + 32 - MaxDelay);
        end
      end
    end
  end

  logic [3:0] frames_q;
  logic [6:0] id_q;
  logic [7:0] pos_q;
  logic       cons_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      frames_q <= '0;
      id_q <= '0;
      pos_q <= '0;
      cons_q <= 1'b0;
    end else if (scan_clear_i) begin
      frames_q <= '0;
      cons_q <= 1'b0;
    end else if (hit) begin
      if (frames_q != 4'hf) frames_q <= frames_q + 4'd1;
      id_q <= hit_id;
      pos_q <= hit_pos;
      cons_q <= (frames_q == 0) ? 1'b1 : (cons_q && hit_id == id_q && hit_pos == pos_q);
    end
  end
  assign found_o = frames_q >= 4'd2 && cons_q;
  assign id_o = id_q;
  assign pos_o = pos_q;

endmodule : cpo_d2d_rx_lane
