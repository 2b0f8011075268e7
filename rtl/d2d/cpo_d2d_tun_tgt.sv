// Register tunnel, target side: executes a sideband register request (MemRd32/MemWr32) as an
// APB3 access on the master port and answers with a completion carrying the request's tag
// (CplD32 with the read data, Cpl for a write; status 1 when the target signalled pslverr).
// With Enable = 0 every request is answered "unsupported request" without a bus access.
// A request that arrives while one is in progress is dropped and counted.
// APB3 has no byte strobes: a write with byte enables other than 4'hf is refused (status 1).
module cpo_d2d_tun_tgt
  import cpo_apb_pkg::*;
  import cpo_d2d_pkg::*;
#(
  parameter bit Enable = 1'b1
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  // received requests
  input  sb_pkt_t     req_i,
  // sideband transmit slot
  output sb_pkt_t     tx_o,
  input  logic        tx_ready_i,
  // APB3 master
  output apb_req_t    m_req_o,
  input  apb_rsp_t    m_rsp_i,
  output logic [7:0]  dropped_o
);

  typedef enum logic [1:0] {
    StIdle,
    StSetup,
    StAccess,
    StResp
  } tgt_state_e;

  tgt_state_e  state_q;
  logic        write_q;
  logic [4:0]  tag_q;
  logic [23:0] addr_q;
  logic [31:0] wdata_q;
  logic [63:0] hdr_q, data_q;
  logic [7:0]  drop_q;

  logic [4:0] req_op;
  logic       req_write, req_ok;
  assign req_op = hdr_opcode(req_i.hdr);
  assign req_write = req_op == OpMemWr32;
  assign req_ok = Enable && (!req_write || req_i.hdr[17:14] == 4'hf);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      write_q <= 1'b0;
      tag_q <= '0;
      addr_q <= '0;
      wdata_q <= '0;
      hdr_q <= '0;
      data_q <= '0;
      drop_q <= '0;
    end else begin
      unique case (state_q)
        StIdle: begin
          if (req_i.valid) begin
            write_q <= req_write;
            tag_q <= req_i.hdr[26:22];
            addr_q <= req_i.hdr[55:32];
            wdata_q <= req_i.data[31:0];
            if (req_ok) begin
              state_q <= StSetup;
            end else begin
              hdr_q <= cpl_hdr(1'b0, req_i.hdr[26:22], 3'd1);
              data_q <= '0;
              state_q <= StResp;
            end
          end
        end
        StSetup: state_q <= StAccess;
        StAccess: begin
          if (m_rsp_i.pready) begin
            hdr_q <= cpl_hdr(!write_q, tag_q, m_rsp_i.pslverr ? 3'd1 : 3'd0);
            data_q <= write_q ? 64'h0 : {32'h0, m_rsp_i.prdata};
            state_q <= StResp;
          end
        end
        StResp: if (tx_ready_i) state_q <= StIdle;
        default: state_q <= StIdle;
      endcase
      if (req_i.valid && state_q != StIdle && drop_q != 8'hff) drop_q <= drop_q + 8'd1;
    end
  end

  assign m_req_o = apb_req(state_q == StSetup, state_q == StAccess, write_q, 32'(addr_q), wdata_q);
  assign tx_o = '{valid: state_q == StResp, hdr: hdr_q, data: data_q};
  assign dropped_o = drop_q;

  // A 32-bit write carries its data in the low half of the data phase.
  logic unused_data;
  assign unused_data = ^req_i.data[63:32];

  // A completion stays on offer, unchanged, until the sideband takes it.
  CplHeld_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      (tx_o.valid && !tx_ready_i) |=> (tx_o.valid && $stable(tx_o.hdr) && $stable(tx_o.data)));
  // APB: the access phase follows the setup phase, address held.
  ApbAccessAfterSetup_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      (m_req_o.psel && !m_req_o.penable) |=>
       (m_req_o.psel && m_req_o.penable && $stable(m_req_o.paddr)));

endmodule : cpo_d2d_tun_tgt
