// APB3 as two packed structs, after OpenTitan's tl_h2d_t/tl_d2h_t: a request from the master
// and a response from the target. Every register block (the generated cpo_<block>_reg_top) and
// every block between a bus and a register block (slices, arbiters, tunnels, the converter bank)
// takes them; only the verilated tops keep flat pins for the C++ harness.
// paddr is APB's full 32 bits; each target decodes the low bits of its own space.
package cpo_apb_pkg;

  typedef struct packed {
    logic        psel;
    logic        penable;
    logic        pwrite;
    logic [31:0] paddr;
    logic [31:0] pwdata;
  } apb_req_t;

  typedef struct packed {
    logic [31:0] prdata;
    logic        pready;
    logic        pslverr;
  } apb_rsp_t;

  // The request of a master that holds its access in registers, in the setup or access phase.
  function automatic apb_req_t apb_req(logic setup, logic access, logic write, logic [31:0] addr,
                                       logic [31:0] wdata);
    return '{psel: setup || access, penable: access, pwrite: write, paddr: addr, pwdata: wdata};
  endfunction

endpackage : cpo_apb_pkg
