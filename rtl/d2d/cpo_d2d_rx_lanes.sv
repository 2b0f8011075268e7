// Receive lanes of one endpoint: per-lane sampling phase, bit alignment and deskew, PRBS
// checkers, lane-ID decoding, and the training operations the state machine asks for; in
// ACTIVE the logical lanes, the valid-lane check word and the descrambler.
//
// Receiver lanes r = 0..P-1 are the data and spare lanes, r = P the valid lane (all with a
// delay line, a checker and a frame scanner), P+1 the clock lane (checked raw). Training
// operations (op_i, started by op_start_i, finished by op_done_o):
//   RxOpClkChk  4 windows: every clock-lane word is 1010... (clk_ok_o)
//   RxOpValChk  4 windows: the valid lane carries a steady 11110000... (val_ok_o)
//   RxOpIdScan  frames_i + 2 frames of frame scanning; a lane is good when it saw at least two
//               frames with the same ID at the same position. rev_detect_o: more lanes carry
//               the mirrored ID than their own. bad_o (transmitter numbering, using rev_i):
//               transmitter lane t is bad unless the lane it arrives at decoded ID t.
//   RxOpSweep   for each phase: settle_i cycles, clear the checkers, window_i cycles, pass when
//               locked without errors. Each lane's eye is the longest circular run of passing
//               phases, its centre the run's middle; applied to the data/spare lanes with
//               apply_data_i, to the valid lane with apply_vld_i. An eye open at every phase
//               keeps the middle phase.
//   RxOpDeskew  frame scanning on the used lanes and the valid lane, then each lane is delayed
//               so that all frame markers line up on one word boundary (deskew_ok_o). Lanes
//               whose last sweep found no eye are left out (LINKSPEED will fail them); the
//               valid lane is the reference and must have one.
//   RxOpErrCnt  settle, clear, 4 windows: err_o/vld_err_o flag lanes not locked or with errors.
// ACTIVE (active_i): logical lane j is receiver lane map_i[j] (mirrored with rev_i); the valid
// lane must equal the XOR of the logical words (idle) or its inverse (payload, valid_o);
// anything else is an error cycle (err_cycle_o). A burst of burst_thresh_i error cycles
// within burst_win_i cycles pulses retrain_o.
module cpo_d2d_rx_lanes
  import cpo_d2d_pkg::*;
  import cpo_prbs_pkg::*;
#(
  parameter int unsigned NumLanes = 8,
  parameter int unsigned NumSpare = 1,
  localparam int unsigned NumPhys  = NumLanes + NumSpare,
  localparam int unsigned NumRx    = NumPhys + 1,
  localparam int unsigned NumWires = NumPhys + 2
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  input  logic [NumWires-1:0][WordBits-1:0]  wire_i,
  output logic [NumWires-1:0][PhaseBits-1:0] phase_o,
  // training operations
  input  rx_op_e                             op_i,
  input  logic                               op_start_i,
  output logic                               op_done_o,
  input  logic                               apply_data_i,
  input  logic                               apply_vld_i,
  input  logic [7:0]                         settle_i,
  input  logic [7:0]                         window_i,
  input  logic [3:0]                         frames_i,
  input  logic                               rev_i,
  input  logic [NumLanes-1:0][5:0]           map_i,
  input  logic [7:0]                         width_i,
  output logic                               clk_ok_o,
  output logic                               val_ok_o,
  output logic                               rev_detect_o,
  output logic                               deskew_ok_o,
  output logic [NumPhys-1:0]                 bad_o,
  output logic [NumPhys-1:0]                 err_o,
  output logic                               vld_err_o,
  // mission mode
  input  logic                               active_i,
  input  logic                               bist_i,
  input  prbs_poly_e                         poly_i,
  input  logic                               cnt_clear_i,
  input  logic [15:0]                        burst_win_i,
  input  logic [7:0]                         burst_thresh_i,
  output logic                               retrain_o,
  output logic [NumLanes-1:0][WordBits-1:0]  data_o,
  output logic                               valid_o,
  output logic                               err_cycle_o,
  output logic [31:0]                        err_cycles_o,
  output logic [31:0]                        valid_words_o,
  // per-lane status and error counts, receiver numbering (index P is the valid lane),
  // assembled only while stat_re_i (a register read looks at them; held in between)
  input  logic                               stat_re_i,
  output lane_stat_t [NumRx-1:0]             stat_o,
  output logic [NumRx-1:0][31:0]             lane_errs_o
);

  localparam int unsigned MaxDelay = RxDelayWords * WordBits;
  localparam int unsigned FrameBits = $clog2(FrameWords);

  typedef enum logic [2:0] {
    OsIdle,
    OsSettle,
    OsWindow,
    OsScan,
    OsFinish
  } op_state_e;

  // ---- Sequencer -----------------------------------------------------------------------------
  op_state_e                 os_q;
  rx_op_e                    op_q;
  logic [15:0]               cnt_q;
  logic [PhaseBits:0]        ph_q;
  logic                      sweeping_q, scan_en_q, mism_q;
  logic                      chk_clear, settle_end, scan_clear, window_end, sample;
  logic [15:0]               win_len;
  logic [FrameBits-1:0]      wcnt_q;       // receive word counter (frame position reference)
  logic [NumRx-1:0]          used_q;       // lanes in use (receiver numbering), for deskew

  assign win_len = (op_q == RxOpSweep) ? 16'(window_i) : 16'(window_i) << 2;
  assign window_end = os_q == OsWindow && cnt_q + 16'd1 >= win_len;
  assign settle_end = os_q == OsSettle && cnt_q + 16'd1 >= 16'(settle_i);
  assign chk_clear = settle_end || cnt_clear_i;
  assign scan_clear = op_start_i && (op_i == RxOpIdScan || op_i == RxOpDeskew);
  assign sample = window_end;

  // ---- Per-lane datapath ---------------------------------------------------------------------
  logic [WordBits-1:0]             aligned [NumRx];  // unpacked: indexed by the lane map
  // the lanes' outputs, unpacked: a word each, not a field of a packed vector to mask in
  logic                            locked [NumRx], errs_zero [NumRx], found [NumRx];
  logic [6:0]                      lane_id [NumRx];
  logic [7:0]                      pos [NumRx];
  logic [31:0]                     lane_errs [NumRx];
  logic [NumRx-1:0][6:0]           delay_q;
  logic [NumRx-1:0][PhaseBits-1:0] phase_q;
  prbs_poly_e                      chk_poly;
  logic                            chk_en;
  assign chk_poly = (active_i && bist_i) ? poly_i : Prbs23;
  // In ACTIVE the lanes carry scrambled payload, which no PRBS checker can follow: the checkers
  // run in training and under BIST only. In mission mode they are off (not locked) and hold
  // their counters (CNT_CLEAR still clears them): BIST's count survives BIST_EN cleared.
  assign chk_en = !active_i || bist_i;

  for (genvar r = 0; r < NumRx; r++) begin : g_lane
    cpo_d2d_rx_lane u_lane (
      .clk_i,
      .rst_ni,
      .wire_i      (wire_i[r]),
      .delay_i     (delay_q[r]),
      .poly_i      (chk_poly),
      .chk_en_i    (chk_en),
      .chk_clear_i (chk_clear),
      .scan_en_i   (scan_en_q),
      .scan_clear_i(scan_clear),
      .wcnt_i      (wcnt_q),
      .aligned_o   (aligned[r]),
      .locked_o    (locked[r]),
      .errs_zero_o (errs_zero[r]),
      .errs_o      (lane_errs[r]),
      .found_o     (found[r]),
      .id_o        (lane_id[r]),
      .pos_o       (pos[r])
    );
  end

  // ---- Eye search ----------------------------------------------------------------------------
  typedef struct packed {
    logic                 found;
    logic [4:0]           len;
    logic [PhaseBits-1:0] centre;
  } eye_t;

  // The longest circular run of passing phases and its middle.
  function automatic eye_t eye_of(logic [NumPhases-1:0] pass);
    eye_t e;
    int unsigned run, start, best, best_start;
    e = '0;
    if (pass == '1) begin
      e.found = 1'b1;
      e.len = 5'(NumPhases);
      e.centre = PhaseBits'(NumPhases / 2);
    end else if (pass != '0) begin
      run = 0;
      start = 0;
      best = 0;
      best_start = 0;
      for (int unsigned i = 0; i < 2 * NumPhases; i++) begin
        if (pass[i%NumPhases]) begin
          if (run == 0) start = i;
          run++;
          if (run > best) begin
            best = run;
            best_start = start;
          end
        end else begin
          run = 0;
        end
      end
      e.found = 1'b1;
      e.len = 5'(best);
      e.centre = PhaseBits'(best_start + (best - 1) / 2);
    end
    return e;
  endfunction

  logic [NumRx-1:0][NumPhases-1:0] pass_q;
  eye_t [NumRx-1:0]                eye_q;

  // ---- Results -------------------------------------------------------------------------------
  logic               clk_ok_q, val_ok_q, rev_q, deskew_ok_q, vld_err_q;
  logic [NumPhys-1:0] bad_q, err_q;
  logic               mism_d;
  logic [WordBits-1:0] vld_prev_q;

  // Receiver lane of logical lane j.
  function automatic int unsigned rx_lane(logic [5:0] tx_lane, logic rev);
    return rev ? NumPhys - 1 - 32'(tx_lane) : 32'(tx_lane);
  endfunction

  function automatic logic valtrain_ok(logic [WordBits-1:0] w, logic [WordBits-1:0] prev);
    logic [7:0] b;
    b = w[7:0];
    return w[15:8] == b && w == prev &&
           (b == 8'h0f || b == 8'h1e || b == 8'h3c || b == 8'h78 || b == 8'hf0 || b == 8'he1 ||
            b == 8'hc3 || b == 8'h87);
  endfunction

  // ---- Clock and valid lane checks -----------------------------------------------------------
  always_comb begin
    mism_d = mism_q;
    if (os_q == OsWindow) begin
      if (op_q == RxOpClkChk && wire_i[NumPhys+1] != 16'h5555 &&
          wire_i[NumPhys+1] != 16'haaaa) begin
        mism_d = 1'b1;
      end
      if (op_q == RxOpValChk && cnt_q != 0 && !valtrain_ok(wire_i[NumPhys], vld_prev_q)) begin
        mism_d = 1'b1;
      end
    end
    if (os_q == OsIdle && op_start_i && op_i != RxOpNone) mism_d = 1'b0;  // a new operation
  end

  // ---- Result registers ----------------------------------------------------------------------
  // The results move only in the cycles an operation samples or finishes; they are computed in
  // those cycles alone (at the clock edge, not as combinational logic evaluated in every cycle).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    eye_t      eye;
    int signed rel, maxrel, target, d;
    logic      ok;
    int unsigned straight, mirrored;
    if (!rst_ni) begin
      mism_q <= 1'b0;
      clk_ok_q <= 1'b0;
      val_ok_q <= 1'b0;
      rev_q <= 1'b0;
      deskew_ok_q <= 1'b0;
      vld_err_q <= 1'b0;
      bad_q <= '0;
      err_q <= '0;
      pass_q <= '0;
      eye_q <= '0;
      phase_q <= {NumRx{PhaseBits'(NumPhases / 2)}};
      delay_q <= '0;
      vld_prev_q <= '0;
    end else begin
      mism_q <= mism_d;
      vld_prev_q <= wire_i[NumPhys];
      if (sample) begin
        unique case (op_q)
          // ---- Phase sweep: the pass table, per phase ----
          RxOpSweep: begin
            for (int unsigned r = 0; r < NumRx; r++) begin
              pass_q[r][ph_q[PhaseBits-1:0]] <= locked[r] && errs_zero[r];
            end
          end
          // ---- Error check at speed ----
          RxOpErrCnt: begin
            for (int unsigned t = 0; t < NumPhys; t++) begin
              err_q[t] <= !(locked[rx_lane(6'(t), rev_i)] && errs_zero[rx_lane(6'(t), rev_i)]);
            end
            vld_err_q <= !(locked[NumPhys] && errs_zero[NumPhys]);
          end
          default: ;
        endcase
      end
      if (os_q == OsFinish) begin
        unique case (op_q)
          RxOpClkChk: clk_ok_q <= !mism_q;
          RxOpValChk: val_ok_q <= !mism_q;
          // ---- Phase sweep: each lane's eye and sampling phase ----
          RxOpSweep: begin
            for (int unsigned r = 0; r < NumRx; r++) begin
              eye = eye_of(pass_q[r]);
              eye_q[r] <= eye;
              if (eye.found &&
                  ((r < NumPhys && apply_data_i) || (r == NumPhys && apply_vld_i))) begin
                phase_q[r] <= eye.centre;
              end
            end
          end
          // ---- Lane IDs: reversal and bad lanes ----
          RxOpIdScan: begin
            straight = 0;
            mirrored = 0;
            for (int unsigned r = 0; r < NumPhys; r++) begin
              if (found[r] && 32'(lane_id[r]) == r) straight++;
              if (found[r] && 32'(lane_id[r]) == NumPhys - 1 - r) mirrored++;
            end
            rev_q <= mirrored > straight;
            for (int unsigned t = 0; t < NumPhys; t++) begin
              bad_q[t] <= !(found[rx_lane(6'(t), rev_i)] &&
                            32'(lane_id[rx_lane(6'(t), rev_i)]) == t);
            end
          end
          // ---- Deskew: used lanes delayed until their frame markers share a word boundary ----
          RxOpDeskew: begin
            ok = found[NumPhys] && eye_q[NumPhys].found;
            maxrel = 0;
            for (int unsigned r = 0; r < NumRx; r++) begin
              if (used_q[r] && eye_q[r].found) begin
                if (!found[r]) ok = 1'b0;
                rel = int'($signed(pos[r] - pos[NumPhys]));
                if (rel > maxrel) maxrel = rel;
              end
            end
            // the marker of the latest lane, rounded up to a word boundary, relative to lane P
            target = ((int'(pos[NumPhys]) + maxrel + WordBits - 1) / WordBits) * WordBits -
                     int'(pos[NumPhys]);
            for (int unsigned r = 0; r < NumRx; r++) begin
              if (used_q[r] && eye_q[r].found) begin
                rel = int'($signed(pos[r] - pos[NumPhys]));
                d = target - rel;
                if (d < 0 || d > MaxDelay) ok = 1'b0;
                else delay_q[r] <= 7'(d);
              end
            end
            deskew_ok_q <= ok;
          end
          default: ;
        endcase
      end
    end
  end

  // ---- Sequencer steps -----------------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    logic [NumRx-1:0] used_start;  // the lanes an operation uses: the valid lane, and for
                                   // deskew the mapped lanes
    if (!rst_ni) begin
      os_q <= OsIdle;
      op_q <= RxOpNone;
      cnt_q <= '0;
      ph_q <= '0;
      sweeping_q <= 1'b0;
      scan_en_q <= 1'b0;
      wcnt_q <= '0;
      used_q <= '0;
    end else begin
      wcnt_q <= wcnt_q + 1'b1;
      unique case (os_q)
        OsIdle: begin
          if (op_start_i && op_i != RxOpNone) begin
            op_q <= op_i;
            cnt_q <= '0;
            ph_q <= '0;
            unique case (op_i)
              RxOpClkChk, RxOpValChk: os_q <= OsWindow;
              RxOpIdScan, RxOpDeskew: begin
                os_q <= OsScan;
                scan_en_q <= 1'b1;
                used_start = '0;
                used_start[NumPhys] = 1'b1;
                for (int unsigned j = 0; j < NumLanes; j++) begin
                  if (op_i == RxOpDeskew && j < 32'(width_i)) begin
                    used_start[rx_lane(map_i[j], rev_i)] = 1'b1;
                  end
                end
                used_q <= used_start;
              end
              RxOpSweep: begin
                os_q <= OsSettle;
                sweeping_q <= 1'b1;
              end
              default: os_q <= OsSettle;  // RxOpErrCnt
            endcase
          end
        end
        OsSettle: begin
          cnt_q <= cnt_q + 16'd1;
          if (settle_end) begin
            os_q <= OsWindow;
            cnt_q <= '0;
          end
        end
        OsWindow: begin
          cnt_q <= cnt_q + 16'd1;
          if (window_end) begin
            cnt_q <= '0;
            if (op_q == RxOpSweep && 32'(ph_q) + 1 < NumPhases) begin
              ph_q <= ph_q + 1'b1;
              os_q <= OsSettle;
            end else begin
              os_q <= OsFinish;
            end
          end
        end
        OsScan: begin
          cnt_q <= cnt_q + 16'd1;
          if (32'(cnt_q) + 1 >= (32'(frames_i) + 2) * FrameWords) begin
            scan_en_q <= 1'b0;
            os_q <= OsFinish;
          end
        end
        OsFinish: begin
          os_q <= OsIdle;
          sweeping_q <= 1'b0;
        end
        default: os_q <= OsIdle;
      endcase
    end
  end

  // Done the cycle after OsFinish, when the results are in their registers.
  logic done_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) done_q <= 1'b0;
    else done_q <= os_q == OsFinish;
  end
  assign op_done_o = done_q;
  assign clk_ok_o = clk_ok_q;
  assign val_ok_o = val_ok_q;
  assign rev_detect_o = rev_q;
  assign deskew_ok_o = deskew_ok_q;
  assign bad_o = bad_q;
  assign err_o = err_q;
  assign vld_err_o = vld_err_q;

  // Sampling phases: every lane follows the sweep while it runs; the clock lane stays central.
  always_comb begin
    for (int unsigned r = 0; r < NumRx; r++) begin
      phase_o[r] = sweeping_q ? ph_q[PhaseBits-1:0] : phase_q[r];
    end
    phase_o[NumPhys+1] = PhaseBits'(NumPhases / 2);
  end

  // Assembled only while a register read looks at them (the endpoint's hw2reg), held in between:
  // 26 + 32 bits a lane packed into wide vectors would cost every cycle.
  always_latch begin
    lane_stat_t [NumRx-1:0]  stat;
    logic [NumRx-1:0][31:0] errs;
    if (stat_re_i) begin
      for (int unsigned r = 0; r < NumRx; r++) begin
        stat[r] = '{
          delay: delay_q[r],
          id: lane_id[r],
          id_valid: found[r],
          locked: locked[r],
          eye_found: eye_q[r].found,
          eye_len: eye_q[r].len,
          phase: phase_q[r]
        };
        errs[r] = lane_errs[r];
      end
      stat_o = stat;
      lane_errs_o = errs;
    end
  end

  // ---- Mission mode --------------------------------------------------------------------------
  // The logical lanes, the valid-lane check and the descrambler, computed at the clock edge (all
  // they feed is registered), the words as unpacked locals rather than packed vectors.
  // Descrambler: x[t] = y[t] ^ y[t-2] ^ y[t-5] ^ y[t-8] ^ y[t-16] ^ y[t-21] ^ y[t-23]; its
  // history always follows the received words, so it is in step when payload starts.
  logic [22:0] dsc_q [NumLanes];  // unpacked: a word per lane

  logic                              valid_q, err_cyc_q, retrain_q;
  logic [NumLanes-1:0][WordBits-1:0] data_q;
  logic [31:0]                       err_cycles_q, valid_words_q;
  logic [15:0]                       win_q;
  logic [7:0]                        win_errs_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    logic [WordBits-1:0]  lword [NumLanes];
    logic [WordBits-1:0]  parity;
    logic                 is_valid, is_idle;
    logic [22+WordBits:0] ext;
    if (!rst_ni) begin
      for (int unsigned j = 0; j < NumLanes; j++) dsc_q[j] <= '0;
      valid_q <= 1'b0;
      err_cyc_q <= 1'b0;
      retrain_q <= 1'b0;
      data_q <= '0;
      err_cycles_q <= '0;
      valid_words_q <= '0;
      win_q <= '0;
      win_errs_q <= '0;
    end else begin
      parity = '0;
      for (int unsigned j = 0; j < NumLanes; j++) begin
        lword[j] = (j < 32'(width_i)) ? aligned[rx_lane(map_i[j], rev_i)] : '0;
        parity = parity ^ lword[j];
        dsc_q[j] <= {lword[j], dsc_q[j][22:WordBits]};
      end
      is_valid = aligned[NumPhys] == ~parity;
      is_idle = aligned[NumPhys] == parity;
      valid_q <= active_i && !bist_i && is_valid;
      err_cyc_q <= active_i && !is_valid && !is_idle;
      if (active_i && !bist_i && is_valid) begin
        for (int unsigned j = 0; j < NumLanes; j++) begin
          ext = {lword[j], dsc_q[j]};
          data_q[j] <= ext[22+WordBits:23] ^ ext[20+WordBits:21] ^ ext[17+WordBits:18] ^
                       ext[14+WordBits:15] ^ ext[6+WordBits:7] ^ ext[1+WordBits:2] ^
                       ext[WordBits-1:0];
        end
      end else begin
        data_q <= '0;
      end
      retrain_q <= 1'b0;
      if (active_i) begin
        if (!is_valid && !is_idle) err_cycles_q <= err_cycles_q + 32'd1;
        if (is_valid && !bist_i) valid_words_q <= valid_words_q + 32'd1;
        win_q <= win_q + 16'd1;
        if (!is_valid && !is_idle) win_errs_q <= win_errs_q + 8'd1;
        if (!is_valid && !is_idle && win_errs_q + 8'd1 >= burst_thresh_i) begin
          retrain_q <= 1'b1;
          win_errs_q <= '0;
          win_q <= '0;
        end else if (win_q + 16'd1 >= burst_win_i) begin
          win_errs_q <= '0;
          win_q <= '0;
        end
      end else begin
        win_q <= '0;
        win_errs_q <= '0;
      end
      if (cnt_clear_i) begin
        err_cycles_q <= '0;
        valid_words_q <= '0;
      end
    end
  end

  assign data_o = data_q;
  assign valid_o = valid_q;
  assign err_cycle_o = err_cyc_q;
  assign err_cycles_o = err_cycles_q;
  assign valid_words_o = valid_words_q;
  assign retrain_o = retrain_q;

  // The training state machine starts an operation only when none runs.
  OpStartWhenIdle_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      (op_start_i && op_i != RxOpNone) |-> os_q == OsIdle);
  // Deskew delays stay inside the delay line.
  DelayInRange_A: assert property (@(posedge clk_i) disable iff (!rst_ni)
      os_q == OsFinish |=> (32'(delay_q[0]) <= MaxDelay && 32'(delay_q[NumPhys]) <= MaxDelay));

endmodule : cpo_d2d_rx_lanes
