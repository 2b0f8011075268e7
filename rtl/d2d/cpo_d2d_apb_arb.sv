// APB3 arbiter: two masters share one target. A master that starts an access while the other
// owns the target waits (pready low) until its turn; the arbiter then runs a complete setup and
// access phase on the target and returns the target's pready/prdata/pslverr to that master.
// Master 0 wins when both start in the same cycle.
module cpo_d2d_apb_arb
  import cpo_apb_pkg::*;
(
  input  logic                clk_i,
  input  logic                rst_ni,
  // masters
  input  apb_req_t [1:0]      req_i,
  output apb_rsp_t [1:0]      rsp_o,
  // target
  output apb_req_t            req_o,
  input  apb_rsp_t            rsp_i
);

  typedef enum logic [1:0] {
    StIdle,
    StSetup,
    StAccess
  } arb_state_e;

  arb_state_e state_q;
  logic       owner_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      owner_q <= 1'b0;
    end else begin
      unique case (state_q)
        StIdle: begin
          if (req_i[0].psel) begin
            owner_q <= 1'b0;
            state_q <= StSetup;
          end else if (req_i[1].psel) begin
            owner_q <= 1'b1;
            state_q <= StSetup;
          end
        end
        StSetup: state_q <= StAccess;
        StAccess: if (rsp_i.pready) state_q <= StIdle;
        default: state_q <= StIdle;
      endcase
    end
  end

  assign req_o = '{
    psel: state_q != StIdle,
    penable: state_q == StAccess,
    pwrite: req_i[owner_q].pwrite,
    paddr: req_i[owner_q].paddr,
    pwdata: req_i[owner_q].pwdata
  };
  always_comb begin
    rsp_o = '0;
    if (state_q == StAccess) rsp_o[owner_q] = rsp_i;
  end

  logic unused_penable;
  assign unused_penable = req_i[0].penable ^ req_i[1].penable;

  // One master at a time gets an answer.
  OneOwner_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      $onehot0({rsp_o[1].pready, rsp_o[0].pready}));

endmodule : cpo_d2d_apb_arb
