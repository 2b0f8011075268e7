// Lane repair and width degrade: from the set of bad physical lanes (transmitter numbering),
// choose which physical lane carries each logical lane.
//
// Full width when at least NumLanes of the data and spare lanes are good: logical lane j goes on
// the j-th good lane in order 0..P-1, so a failed lane's data and all above it shift by one
// onto the spare (UCIe's repair by shifting). Otherwise the link degrades to half width on the
// lower data lanes plus the spares, else on the upper data lanes plus the spares; otherwise no
// width works (WidthNone). half_only_i (a partner advertised half width) skips full width.
// Recomputed on update_i; the outputs are valid from the cycle after.
module cpo_d2d_lanemap
  import cpo_d2d_pkg::*;
#(
  parameter int unsigned NumLanes = 8,
  parameter int unsigned NumSpare = 1,
  localparam int unsigned NumPhys = NumLanes + NumSpare
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  input  logic [NumPhys-1:0]         bad_i,
  input  logic                       half_only_i,
  input  logic                       update_i,
  output logic [NumLanes-1:0][5:0]   map_o,
  output logic [NumPhys-1:0]         used_o,
  output logic [7:0]                 width_o,
  output width_mode_e                mode_o
);

  localparam int unsigned Half = NumLanes / 2;

  typedef struct packed {
    logic [NumLanes-1:0][5:0] lanes;
    logic [NumPhys-1:0]       used;
    logic [7:0]               width;
    width_mode_e              mode;
  } lanemap_t;

  // Physical lane order of the candidate set for a mode: its data lanes, then the spares.
  function automatic int unsigned cand(width_mode_e mode, int unsigned i);
    int unsigned ndata;
    int unsigned first;
    ndata = (mode == WidthFull) ? NumLanes : Half;
    first = (mode == WidthUpper) ? Half : 0;
    return (i < ndata) ? first + i : NumLanes + (i - ndata);
  endfunction

  function automatic lanemap_t compute(logic [NumPhys-1:0] bad, logic half_only);
    lanemap_t r;
    width_mode_e mode;
    int unsigned ncand, want, n;
    r = '0;
    r.mode = WidthNone;
    for (int m = 0; m < 3; m++) begin
      mode = width_mode_e'(m);
      if (r.mode == WidthNone && !(mode == WidthFull && half_only)) begin
        want = (mode == WidthFull) ? NumLanes : Half;
        ncand = want + NumSpare;
        n = 0;
        for (int unsigned i = 0; i < ncand; i++) begin
          if (!bad[cand(mode, i)]) n++;
        end
        if (n >= want) begin
          r.mode = mode;
          r.width = 8'(want);
          n = 0;
          for (int unsigned i = 0; i < ncand; i++) begin
            if (!bad[cand(mode, i)] && n < want) begin
              r.lanes[n] = 6'(cand(mode, i));
              r.used[cand(mode, i)] = 1'b1;
              n++;
            end
          end
        end
      end
    end
    return r;
  endfunction

  lanemap_t q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q <= compute('0, 1'b0);
    end else if (update_i) begin
      q <= compute(bad_i, half_only_i);
    end
  end

  assign map_o = q.lanes;
  assign used_o = q.used;
  assign width_o = q.width;
  assign mode_o = q.mode;

endmodule : cpo_d2d_lanemap
