// Transmit lanes of one endpoint: what goes on each wire (data/spare lanes 0..P-1, valid lane P,
// clock lane P+1) for the pattern the training state machine selects.
//
// TxLaneId sends frames of FrameWords words on every data, spare and valid lane, all lanes in
// step: word 0 the marker 16'hffff, word 1 the ID word {0, id[6:0], ~id[6:0], 0} with id the
// transmitter's lane number (P for the valid lane), the rest zero. TxPrbs sends each lane's
// PRBS23 (per-lane seeds). TxActive sends logical lane j on physical lane map_i[j] for
// j < width_i: the payload scrambled per lane (self-synchronising scrambler
// 1 + x^2 + x^5 + x^8 + x^16 + x^21 + x^23, UCIe's scrambler polynomial), or with bist_i the
// lane's PRBS generator (polynomial poly_i); the valid lane carries the XOR of the logical
// words, inverted in the cycles that carry payload (valid_i), so the receiver tells payload,
// idle and errors apart. The clock lane toggles (1010...) while clk_en_i.
// inject_i flips bit inject_pos_i of the PRBS word of lane inject_lane_i (the valid lane is P).
module cpo_d2d_tx_lanes
  import cpo_d2d_pkg::*;
  import cpo_prbs_pkg::*;
#(
  parameter int unsigned NumLanes = 8,
  parameter int unsigned NumSpare = 1,
  localparam int unsigned NumPhys  = NumLanes + NumSpare,
  localparam int unsigned NumWires = NumPhys + 2
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  tx_pat_e                           pat_i,
  input  logic                              clk_en_i,
  input  logic [NumLanes-1:0][5:0]          map_i,
  input  logic [7:0]                        width_i,
  input  logic                              bist_i,
  input  prbs_poly_e                        poly_i,
  input  logic                              inject_i,
  input  logic [5:0]                        inject_lane_i,
  input  logic [5:0]                        inject_pos_i,
  input  logic [NumLanes-1:0][WordBits-1:0] data_i,
  input  logic                              valid_i,
  output logic [NumWires-1:0][WordBits-1:0] wire_o
);

  localparam int unsigned NumGen = NumPhys + 1;  // data, spare, valid
  localparam int unsigned FrameBits = $clog2(FrameWords);

  // Pattern generators, one per data/spare/valid lane, free-running; lazy: they work only in
  // the cycles whose words go on the wires (TxPrbs, BIST).
  prbs_poly_e                      gen_poly;
  logic                            gen_used;
  logic [NumGen-1:0][WordBits-1:0] gen;
  assign gen_poly = (pat_i == TxActive && bist_i) ? poly_i : Prbs23;
  assign gen_used = pat_i == TxPrbs || (pat_i == TxActive && bist_i);
  for (genvar g = 0; g < NumGen; g++) begin : g_gen
    cpo_prbs_gen #(
      .Width(WordBits),
      .Lazy (1'b1)
    ) u_gen (
      .clk_i,
      .rst_ni,
      .en_i        (1'b1),
      .poly_i      (gen_poly),
      .seed_i      (31'h2545_f491 ^ 31'(32'h9e37_79b9 * (g + 1))),
      .inject_i    (inject_i && 32'(inject_lane_i) == g),
      .inject_pos_i(inject_pos_i),
      .used_i      (gen_used),
      .data_o      (gen[g])
    );
  end

  function automatic logic [WordBits-1:0] id_word(logic [6:0] id);
    return {1'b0, id, ~id, 1'b0};
  endfunction

  // Scrambler state: the last 23 transmitted bits of each logical lane (bit 0 oldest).
  logic [22:0]                       scr_q [NumLanes];  // unpacked: a word per lane

  // The scrambler one bit at a time: y[t] = x[t] ^ y[t-2] ^ y[t-5] ^ y[t-8] ^ y[t-16] ^
  // y[t-21] ^ y[t-23], in = {x (this word), y history (scr_q)}. It only builds the tables.
  localparam int unsigned ScrInBits = 23 + WordBits;
  function automatic logic [WordBits-1:0] scramble_bits(logic [ScrInBits-1:0] in);
    logic [ScrInBits-1:0] ext;
    ext = '0;
    ext[22:0] = in[22:0];
    for (int unsigned b = 0; b < WordBits; b++) begin
      ext[23+b] = in[23+b] ^ ext[21+b] ^ ext[18+b] ^ ext[15+b] ^ ext[7+b] ^ ext[2+b] ^ ext[b];
    end
    return ext[ScrInBits-1:23];
  endfunction

  // A word at a time: the scrambled word is linear in the 39 bits of `in`, so byte k of `in`
  // contributes ScrTab<k>[byte], and a word costs five lookups instead of a 16-step bit loop.
  localparam int unsigned ScrBytes = (ScrInBits + 7) / 8;
  typedef logic [WordBits-1:0] scr_tab_t [256];
  function automatic scr_tab_t scr_table(int unsigned k);
    scr_tab_t t;
    for (int unsigned v = 0; v < 256; v++) t[v] = scramble_bits(ScrInBits'(v) << (8 * k));
    return t;
  endfunction
  localparam scr_tab_t ScrTab0 = scr_table(0);
  localparam scr_tab_t ScrTab1 = scr_table(1);
  localparam scr_tab_t ScrTab2 = scr_table(2);
  localparam scr_tab_t ScrTab3 = scr_table(3);
  localparam scr_tab_t ScrTab4 = scr_table(4);
  function automatic logic [WordBits-1:0] scramble(logic [ScrInBits-1:0] in);
    logic [8*ScrBytes-1:0] b;
    b = (8 * ScrBytes)'(in);
    return ScrTab0[b[7:0]] ^ ScrTab1[b[15:8]] ^ ScrTab2[b[23:16]] ^ ScrTab3[b[31:24]] ^
           ScrTab4[b[39:32]];
  endfunction

  logic [FrameBits-1:0]              frame_q;
  logic [NumWires-1:0][WordBits-1:0] wire_q;

  // The next words, computed at the clock edge only: all they feed is registered, so they need
  // not be combinational logic, which the simulator may evaluate again at other times (the OE's
  // payload comes from the design's inputs, the media lanes).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    logic [WordBits-1:0] parity, word;
    logic [WordBits-1:0] wire_d [NumWires];  // unpacked: indexed by the lane map
    logic [22:0]         scr_d [NumLanes];
    if (!rst_ni) begin
      for (int unsigned j = 0; j < NumLanes; j++) scr_q[j] <= '0;
      frame_q <= '0;
      wire_q <= '0;
    end else begin
      for (int unsigned w = 0; w < NumWires; w++) wire_d[w] = '0;
      // outside TxActive the scrambler restarts from zero, like the receiver sees
      for (int unsigned j = 0; j < NumLanes; j++) scr_d[j] = '0;
      parity = '0;
      word = '0;
      unique case (pat_i)
        TxValTrain: wire_d[NumPhys] = 16'h0f0f;  // 11110000 in time order
        TxLaneId: begin
          for (int unsigned t = 0; t < NumGen; t++) begin
            if (frame_q == 0) wire_d[t] = 16'hffff;
            else if (frame_q == 1) wire_d[t] = id_word(7'(t));
          end
        end
        TxPrbs: begin
          for (int unsigned t = 0; t < NumGen; t++) wire_d[t] = gen[t];
        end
        TxActive: begin
          for (int unsigned j = 0; j < NumLanes; j++) begin
            if (j < 32'(width_i)) begin
              if (bist_i) begin
                word = gen[map_i[j]];
              end else begin
                word = scramble({data_i[j] & {WordBits{valid_i}}, scr_q[j]});
                scr_d[j] = 23'({word, scr_q[j]} >> WordBits);
              end
              wire_d[int'(map_i[j])] = word;
              parity = parity ^ word;
            end
          end
          wire_d[NumPhys] = parity ^ {WordBits{valid_i && !bist_i}};
        end
        default: ;
      endcase
      if (clk_en_i) wire_d[NumPhys+1] = 16'h5555;
      for (int unsigned j = 0; j < NumLanes; j++) scr_q[j] <= scr_d[j];
      frame_q <= frame_q + 1'b1;
      for (int unsigned w = 0; w < NumWires; w++) wire_q[w] <= wire_d[w];
    end
  end

  assign wire_o = wire_q;

endmodule : cpo_d2d_tx_lanes
