// Training log: a FIFO of state transitions (cycle, from-state, to-state) that software reads
// through registers: the head entry is visible, pop_i drops it. When the FIFO is full further
// transitions are lost and overflow_o is set until clear_i (which also empties the FIFO).
module cpo_d2d_log
  import cpo_d2d_pkg::*;
#(
  parameter int unsigned Depth = 64
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic [31:0] cycle_i,
  input  logic        push_i,
  input  ltsm_state_e from_i,
  input  ltsm_state_e to_i,
  input  logic        pop_i,
  input  logic        clear_i,
  output logic        valid_o,
  output logic [31:0] head_cycle_o,
  output ltsm_state_e head_from_o,
  output ltsm_state_e head_to_o,
  output logic [7:0]  count_o,
  output logic        overflow_o
);

  localparam int unsigned PtrBits = $clog2(Depth);

  typedef struct packed {
    logic [31:0] cycle;
    ltsm_state_e from;
    ltsm_state_e to;
  } entry_t;

  entry_t [Depth-1:0] mem_q;
  logic [PtrBits-1:0] rd_q, wr_q;
  logic [PtrBits:0]   cnt_q;
  logic               ovf_q;
  logic               do_push, do_pop;

  assign do_pop = pop_i && cnt_q != 0;
  assign do_push = push_i && (32'(cnt_q) < Depth || do_pop);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mem_q <= '0;
      rd_q <= '0;
      wr_q <= '0;
      cnt_q <= '0;
      ovf_q <= 1'b0;
    end else if (clear_i) begin
      rd_q <= '0;
      wr_q <= '0;
      cnt_q <= '0;
      ovf_q <= 1'b0;
    end else begin
      if (do_push) begin
        mem_q[wr_q] <= '{cycle: cycle_i, from: from_i, to: to_i};
        wr_q <= wr_q + 1'b1;
      end
      if (do_pop) rd_q <= rd_q + 1'b1;
      cnt_q <= cnt_q + (PtrBits+1)'(do_push) - (PtrBits+1)'(do_pop);
      if (push_i && !do_push) ovf_q <= 1'b1;
    end
  end

  assign valid_o = cnt_q != 0;
  assign head_cycle_o = mem_q[rd_q].cycle;
  assign head_from_o = mem_q[rd_q].from;
  assign head_to_o = mem_q[rd_q].to;
  assign count_o = 8'(cnt_q);
  assign overflow_o = ovf_q;

endmodule : cpo_d2d_log
