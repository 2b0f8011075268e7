// APB3 register slice: takes an access on the upstream port, runs it on the downstream port one
// cycle later and answers upstream from registers (two extra wait states). It cuts every
// combinational path from the link's top-level register ports into the register blocks, so the
// simulator does not re-evaluate the register decode whenever a top-level input changes.
module cpo_d2d_apb_cut
  import cpo_apb_pkg::*;
#(
  parameter int unsigned AddrBits = 16
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  // upstream (master side)
  input  logic                psel_i,
  input  logic                penable_i,
  input  logic                pwrite_i,
  input  logic [AddrBits-1:0] paddr_i,
  input  logic [31:0]         pwdata_i,
  output logic [31:0]         prdata_o,
  output logic                pready_o,
  output logic                pslverr_o,
  // downstream (target side)
  output apb_req_t            req_o,
  input  apb_rsp_t            rsp_i
);

  typedef enum logic [1:0] {
    StIdle,
    StSetup,
    StAccess,
    StDone
  } cut_state_e;

  cut_state_e          state_q;
  logic                write_q, err_q;
  logic [AddrBits-1:0] addr_q;
  logic [31:0]         wdata_q, rdata_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      write_q <= 1'b0;
      err_q <= 1'b0;
      addr_q <= '0;
      wdata_q <= '0;
      rdata_q <= '0;
    end else begin
      unique case (state_q)
        StIdle: begin
          if (psel_i) begin
            write_q <= pwrite_i;
            addr_q <= paddr_i;
            wdata_q <= pwdata_i;
            state_q <= StSetup;
          end
        end
        StSetup: state_q <= StAccess;
        StAccess: begin
          if (rsp_i.pready) begin
            rdata_q <= rsp_i.prdata;
            err_q <= rsp_i.pslverr;
            state_q <= StDone;
          end
        end
        StDone: state_q <= StIdle;  // the master completes its access in this cycle
        default: state_q <= StIdle;
      endcase
    end
  end

  assign req_o = apb_req(state_q == StSetup, state_q == StAccess, write_q, 32'(addr_q), wdata_q);
  assign pready_o = state_q == StDone;
  assign prdata_o = (state_q == StDone) ? rdata_q : '0;
  assign pslverr_o = (state_q == StDone) && err_q;

  // The master holds its request stable until pready; only the first cycle is sampled.
  logic unused_penable;
  assign unused_penable = penable_i;

  // The slice only answers a master that is in the access phase of the access it took.
  AnswerInAccess_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      pready_o |-> (psel_i && penable_i && paddr_i == addr_q));

endmodule : cpo_d2d_apb_cut
