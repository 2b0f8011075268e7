// APB3 arbiter: two masters share one target. A master that starts an access while the other
// owns the target waits (pready low) until its turn; the arbiter then runs a complete setup and
// access phase on the target and returns the target's pready/prdata/pslverr to that master.
// Master 0 wins when both start in the same cycle.
module cpo_d2d_apb_arb #(
  parameter int unsigned AddrBits = 16
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic [1:0]                psel_i,
  input  logic [1:0]                penable_i,
  input  logic [1:0]                pwrite_i,
  input  logic [1:0][AddrBits-1:0]  paddr_i,
  input  logic [1:0][31:0]          pwdata_i,
  output logic [1:0][31:0]          prdata_o,
  output logic [1:0]                pready_o,
  output logic [1:0]                pslverr_o,
  output logic                      psel_o,
  output logic                      penable_o,
  output logic                      pwrite_o,
  output logic [AddrBits-1:0]       paddr_o,
  output logic [31:0]               pwdata_o,
  input  logic [31:0]               prdata_i,
  input  logic                      pready_i,
  input  logic                      pslverr_i
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
          if (psel_i[0]) begin
            owner_q <= 1'b0;
            state_q <= StSetup;
          end else if (psel_i[1]) begin
            owner_q <= 1'b1;
            state_q <= StSetup;
          end
        end
        StSetup: state_q <= StAccess;
        StAccess: if (pready_i) state_q <= StIdle;
        default: state_q <= StIdle;
      endcase
    end
  end

  assign psel_o = state_q != StIdle;
  assign penable_o = state_q == StAccess;
  assign pwrite_o = pwrite_i[owner_q];
  assign paddr_o = paddr_i[owner_q];
  assign pwdata_o = pwdata_i[owner_q];
  always_comb begin
    prdata_o = '0;
    pready_o = '0;
    pslverr_o = '0;
    if (state_q == StAccess) begin
      prdata_o[owner_q] = prdata_i;
      pready_o[owner_q] = pready_i;
      pslverr_o[owner_q] = pslverr_i;
    end
  end

  logic unused_penable;
  assign unused_penable = ^penable_i;

endmodule : cpo_d2d_apb_arb
