// PRBS pattern generator: Width bits per cycle, bit 0 of data_o first in time.
//
// While en_i is high the generator emits the sequence continuing from seed_i: the first word
// after reset, after en_i rises or after poly_i changes follows seed_i[N-1:0] (the N bits
// "before" it, bit 0 oldest, N the polynomial's degree). A seed whose low N bits are all zero
// (the LFSR's lock-up state) is replaced by all ones. While en_i is low data_o is zero.
// inject_i flips bit inject_pos_i of the word produced at this clock edge (bit 0 if
// inject_pos_i >= Width) without disturbing the sequence: exactly one bit error on the line.
// data_o is registered: the word computed at an edge is on data_o until the next edge.
// Lazy (for generators whose words are used only now and then): data_o is those same words in
// the cycles with used_i high, and undefined in the others, in which the generator does no
// work. It keeps its state from the last cycle its word was used and jumps it ahead by the
// words since (cpo_prbs_pkg's prbs_jump) when the words are next used. Without Lazy used_i
// is ignored.
module cpo_prbs_gen
  import cpo_prbs_pkg::*;
#(
  parameter int unsigned Width = 32,
  parameter bit          Lazy  = 1'b0
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     en_i,
  input  prbs_poly_e               poly_i,
  input  logic [PrbsStateBits-1:0] seed_i,
  input  logic                     inject_i,
  input  logic [5:0]               inject_pos_i,
  input  logic                     used_i,
  output logic [Width-1:0]         data_o
);

  logic                     running_q;  // the state continues the sequence of poly_q
  prbs_poly_e               poly_q;
  logic [PrbsStateBits-1:0] seed_state;
  logic [Width-1:0]         flip;

  // A new run starts from the seed, restricted to the polynomial's degree and never all-zero.
  always_comb begin
    seed_state = seed_i & prbs_state_mask(poly_i);
    if (seed_state == '0) seed_state = prbs_state_mask(poly_i);
    flip = '0;
    if (inject_i) begin
      flip = (32'(inject_pos_i) < Width) ? Width'(1) << inject_pos_i : Width'(1);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      running_q <= 1'b0;
      poly_q    <= Prbs31;
    end else begin
      running_q <= en_i;
      poly_q    <= poly_i;
    end
  end

  if (!Lazy) begin : g_eager
    logic [PrbsStateBits-1:0] state_q, state_d, cur_state;
    logic [Width-1:0]         data_q, word;
    assign cur_state = (running_q && poly_q == poly_i) ? state_q : seed_state;

    cpo_prbs_leap #(.Width(Width)) u_leap (
      .en_i   (1'b1),
      .poly_i (poly_i),
      .state_i(cur_state),
      .data_o (word),
      .state_o(state_d)
    );

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        state_q <= '0;
        data_q  <= '0;
      end else begin
        data_q <= en_i ? (word ^ flip) : '0;
        if (en_i) state_q <= state_d;
      end
    end
    assign data_o = data_q;

    logic unused_used;
    assign unused_used = used_i;
  end else begin : g_lazy
    // The eager generator's state after its n-th word of a run is S_n (S_0 the seed state), and
    // its data_o the word that follows S_{n-1}. leaps_q is n, cache_q is S_{cache_at_q}.
    logic                     on_q;  // en_i was high at the last edge: data_o is a word
    logic [63:0]              leaps_q, cache_at_q;
    logic [PrbsStateBits-1:0] cache_q, cur_state, next_state;
    logic [Width-1:0]         flip_q, word;
    logic                     restart, use_word;
    assign restart = !(running_q && poly_q == poly_i);
    assign use_word = used_i && on_q;

    always_comb begin
      cur_state = cache_q;
      if (use_word && leaps_q - 64'd1 != cache_at_q) begin
        cur_state = prbs_jump(poly_q, cache_q, leaps_q - 64'd1 - cache_at_q, Width);
      end
    end

    cpo_prbs_leap #(.Width(Width)) u_leap (
      .en_i   (use_word),
      .poly_i (poly_q),
      .state_i(cur_state),
      .data_o (word),
      .state_o(next_state)
    );

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        on_q       <= 1'b0;
        leaps_q    <= '0;
        cache_at_q <= '0;
        cache_q    <= '0;
        flip_q     <= '0;
      end else begin
        on_q   <= en_i;
        flip_q <= flip;
        if (en_i) leaps_q <= restart ? 64'd1 : leaps_q + 64'd1;
        if (en_i && restart) begin
          cache_q    <= seed_state;
          cache_at_q <= '0;
        end else if (use_word) begin
          cache_q    <= next_state;
          cache_at_q <= leaps_q;
        end
      end
    end
    assign data_o = on_q ? (word ^ flip_q) : '0;
  end

  initial begin : WidthRange_A
    assert (Width >= 1 && Width <= 64)
    else $fatal(1, "cpo_prbs_gen: Width %0d is outside 1..64", Width);
  end

endmodule : cpo_prbs_gen
