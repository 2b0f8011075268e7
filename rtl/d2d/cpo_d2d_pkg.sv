// Die-to-die link: state codes, sideband encodings and shared helpers (shared/D2D.md).
//
// State codes are UCIe's (as its error log reports them); message codes, opcodes, source and
// destination IDs and the header bit positions are UCIe's sideband ones. Where cpoemu needs an
// encoding UCIe leaves to the implementation (subcodes of the training steps, the register
// tunnel's fields) it is defined here once; rtl/d2d/README.md documents it.
package cpo_d2d_pkg;

  // ---- Link training state machine -----------------------------------------------------------
  // Codes: d2d.regs.toml [[enum]] LTSM_STATE (generated into cpo_d2d_reg_pkg).
  typedef enum logic [4:0] {
    StReset                 = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_RESET,
    StSbinit                = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_SBINIT,
    StMbinitParam           = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBINIT_PARAM,
    StMbinitCal             = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBINIT_CAL,
    StMbinitRepairClk       = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBINIT_REPAIR_CLK,
    StMbinitRepairVal       = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBINIT_REPAIR_VAL,
    StMbinitReversalMb      = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBINIT_REVERSAL_MB,
    StMbinitRepairMb        = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBINIT_REPAIR_MB,
    StMbtrainValVref        = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_VAL_VREF,
    StMbtrainDataVref       = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_DATA_VREF,
    StMbtrainSpeedIdle      = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_SPEED_IDLE,
    StMbtrainTxSelfCal      = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_TX_SELF_CAL,
    StMbtrainRxClkCal       = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_RX_CLK_CAL,
    StMbtrainValTrainCenter = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_VAL_TRAIN_CENTER,
    StMbtrainValTrainVref   = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_VAL_TRAIN_VREF,
    StMbtrainDataTrainCtr1  = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_DATA_TRAIN_CTR1,
    StMbtrainDataTrainVref  = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_DATA_TRAIN_VREF,
    StMbtrainRxDeskew       = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_RX_DESKEW,
    StMbtrainDataTrainCtr2  = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_DATA_TRAIN_CTR2,
    StMbtrainLinkSpeed      = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_LINK_SPEED,
    StMbtrainRepair         = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_MBTRAIN_REPAIR,
    StPhyRetrain            = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_PHY_RETRAIN,
    StLinkInit              = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_LINK_INIT,
    StActive                = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_ACTIVE,
    StTrainError            = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_TRAIN_ERROR,
    StL1L2                  = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_L1_L2,
    StL1                    = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_L1,
    StL2                    = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_L2
  } ltsm_state_e;

  // Why the link went to TRAINERROR (D2D status register ERR_STATUS.CAUSE).
  typedef enum logic [3:0] {
    ErrNone     = 4'd0,
    ErrTimeout  = 4'd1,   // a state outstayed its residency timeout
    ErrClk      = 4'd2,   // MBINIT.REPAIRCLK: a clock lane failed (no clock repair modelled)
    ErrVal      = 4'd3,   // MBINIT.REPAIRVAL: the valid lane failed
    ErrRepair   = 4'd4,   // not enough good lanes for any width
    ErrSpeed    = 4'd5,   // LINKSPEED failed at the lowest speed
    ErrDeskew   = 4'd6,   // RXDESKEW could not align the lanes
    ErrRemote   = 4'd7    // the partner reported TRAINERROR
  } err_cause_e;

  // ---- Sideband ------------------------------------------------------------------------------
  // Opcodes (header bits [4:0]).
  parameter logic [4:0] OpMemRd32 = 5'b00000;  // 32-bit register read (tunnel)
  parameter logic [4:0] OpMemWr32 = 5'b00001;  // 32-bit register write (tunnel)
  parameter logic [4:0] OpCpl     = 5'b10000;  // completion without data
  parameter logic [4:0] OpCplD32  = 5'b10001;  // completion with 32-bit data
  parameter logic [4:0] OpMsg     = 5'b10010;  // message without data
  parameter logic [4:0] OpMsgD    = 5'b11011;  // message with 64-bit data

  // A packet on a port between the sideband and its clients (the LTSM, its exchange module, the
  // tunnels): valid with the header and data phases. A sender holds it until it sees ready.
  typedef struct packed {
    logic        valid;
    logic [63:0] hdr;
    logic [63:0] data;
  } sb_pkt_t;

  // Source / destination IDs (bits [31:29] / [58:56]); destination bit 2 = remote die.
  parameter logic [2:0] IdProtocol = 3'b000;
  parameter logic [2:0] IdAdapter  = 3'b001;
  parameter logic [2:0] IdPhy      = 3'b010;
  parameter logic [2:0] IdRemote   = 3'b100;

  // Message codes: high nibble the state family, low nibble 5 request, A response.
  parameter logic [7:0] McSbinitOor     = 8'h91;  // SBINIT "out of reset"
  parameter logic [7:0] McLinkMgmtReq   = 8'h01;
  parameter logic [7:0] McLinkMgmtResp  = 8'h02;
  parameter logic [7:0] McTrainErrorReq = 8'he5;
  parameter logic [7:0] McTrainErrorRsp = 8'hea;
  // Link-management subcodes.
  parameter logic [7:0] LmActive    = 8'h01;
  parameter logic [7:0] LmL1        = 8'h04;
  parameter logic [7:0] LmL2        = 8'h08;
  parameter logic [7:0] LmLinkReset = 8'h09;
  parameter logic [7:0] LmLinkError = 8'h0a;
  parameter logic [7:0] LmRetrain   = 8'h0b;
  parameter logic [7:0] LmDisable   = 8'h0c;

  // Training-step subcodes: {step, state code}. Step 0 starts a state, step 1 reports its result.
  parameter logic [2:0] StepStart = 3'd0;
  parameter logic [2:0] StepDone  = 3'd1;

  // The SBINIT clock pattern: 64 UI of 1010... (bit 0, sent first, is 1), then 32 UI low.
  parameter logic [63:0] SbPattern = 64'h5555_5555_5555_5555;
  parameter int unsigned SbGapBits = 32;  // minimum idle between sideband units (UCIe)

  // Header field helpers.
  function automatic logic [4:0] hdr_opcode(logic [63:0] h);
    return h[4:0];
  endfunction
  function automatic logic [7:0] hdr_msgcode(logic [63:0] h);
    return h[21:14];
  endfunction
  function automatic logic [7:0] hdr_subcode(logic [63:0] h);
    return h[39:32];
  endfunction
  function automatic logic [15:0] hdr_info(logic [63:0] h);
    return h[55:40];
  endfunction
  function automatic logic opcode_has_data(logic [4:0] op);
    return op == OpMemWr32 || op == OpCplD32 || op == OpMsgD;
  endfunction

  // A message header (parity bits left 0; the serialiser fills them).
  function automatic logic [63:0] msg_hdr(logic has_data, logic [7:0] code, logic [7:0] sub,
                                          logic [15:0] info);
    logic [63:0] h;
    h = '0;
    h[4:0] = has_data ? OpMsgD : OpMsg;
    h[21:14] = code;
    h[31:29] = IdPhy;
    h[39:32] = sub;
    h[55:40] = info;
    h[58:56] = IdRemote | IdPhy;
    return h;
  endfunction

  // Register tunnel headers: tag [26:22], byte enables [21:14], address [55:32] (UCIe's
  // register-access layout); completion status [34:32] (0 success, 1 unsupported request).
  function automatic logic [63:0] reg_hdr(logic write, logic [4:0] tag, logic [3:0] be,
                                          logic [23:0] addr);
    logic [63:0] h;
    h = '0;
    h[4:0] = write ? OpMemWr32 : OpMemRd32;
    h[21:14] = {4'h0, be};
    h[26:22] = tag;
    h[31:29] = IdProtocol;
    h[55:32] = addr;
    h[58:56] = IdRemote | IdProtocol;
    return h;
  endfunction
  function automatic logic [63:0] cpl_hdr(logic with_data, logic [4:0] tag, logic [2:0] status);
    logic [63:0] h;
    h = '0;
    h[4:0] = with_data ? OpCplD32 : OpCpl;
    h[26:22] = tag;
    h[31:29] = IdProtocol;
    h[34:32] = status;
    h[58:56] = IdRemote | IdProtocol;
    return h;
  endfunction

  // The response code that answers a request code.
  function automatic logic [7:0] resp_code(logic [7:0] req);
    return (req == McLinkMgmtReq) ? McLinkMgmtResp : {req[7:4], 4'ha};
  endfunction

  // Message family of a state's training steps.
  function automatic logic [7:0] state_req_code(ltsm_state_e st);
    unique case (st)
      StSbinit:                                  return 8'h95;
      StMbinitParam, StMbinitCal, StMbinitRepairClk, StMbinitRepairVal, StMbinitReversalMb,
      StMbinitRepairMb:                          return 8'ha5;
      StPhyRetrain:                              return 8'hc5;
      StLinkInit:                                return McLinkMgmtReq;
      StTrainError:                              return McTrainErrorReq;
      default:                                   return 8'hb5;
    endcase
  endfunction

  // ---- Lanes ---------------------------------------------------------------------------------
  // Bits per lane per datapath cycle, bit 0 first in time. The lane framing (ID word) is defined
  // for 16-bit words.
  parameter int unsigned WordBits = 16;

  // Sampling phases per unit interval; the eye centre of a lane delayed by f/NumPhases UI is at
  // phase (f + NumPhases/2) mod NumPhases.
  parameter int unsigned PhaseBits = 4;
  parameter int unsigned NumPhases = 1 << PhaseBits;

  // Speed codes (UCIe data rates): 0 4, 1 8, 2 12, 3 16, 4 24, 5 32 GT/s.
  parameter logic [2:0] MaxSpeedCode = 3'd5;

  // What the transmitter puts on the lanes.
  typedef enum logic [2:0] {
    TxIdle,      // all data lanes and the valid lane low
    TxValTrain,  // valid lane 11110000..., data lanes low
    TxLaneId,    // framed per-lane IDs on data, spare and valid lanes (REVERSALMB/REPAIRMB/DESKEW)
    TxPrbs,      // per-lane PRBS23 on data, spare and valid lanes (eye training, LINKSPEED)
    TxActive     // payload (scrambled) or BIST PRBS on the mapped lanes, check word on valid
  } tx_pat_e;

  // Work the receiver does for the training state machine.
  typedef enum logic [2:0] {
    RxOpNone,
    RxOpClkChk,   // clock lane carries 1010...
    RxOpValChk,   // valid lane carries 11110000...
    RxOpIdScan,   // decode per-lane IDs (reversal, repair)
    RxOpSweep,    // eye-centre phase sweep on every lane
    RxOpDeskew,   // align used lanes on the frame markers
    RxOpErrCnt    // PRBS error check at speed on every lane
  } rx_op_e;

  // Receiver delay line: up to RxDelayWords words (bit alignment plus deskew).
  parameter int unsigned RxDelayWords = 5;

  // Lane framing for TxLaneId: a frame of FrameWords words, word 0 all ones (the marker, bounded
  // by zeros), word 1 the ID word {0, id, ~id, 0} for 16-bit words, the rest zero.
  parameter int unsigned FrameWords = 16;

  // Lane-set width choice after repair.
  typedef enum logic [1:0] {
    WidthFull  = 2'd0,
    WidthLower = 2'd1,   // degraded to the lower half of the data lanes
    WidthUpper = 2'd2,   // degraded to the upper half
    WidthNone  = 2'd3    // not enough good lanes
  } width_mode_e;

  // Channel configuration of one wire (same layout as the d2dch register A2O_WIRE/O2A_WIRE).
  typedef struct packed {
    logic [9:0] skew;
    logic [5:0] eye_w;
    logic       stuck_en;
    logic       stuck_val;
    logic       open;
    logic       err_en;
  } chan_wire_cfg_t;

  // Channel configuration of one direction.
  typedef struct packed {
    logic        reverse;
    logic [1:0]  err_mode;
    logic [3:0]  eye_step;
    logic        sb_dead;
    logic [6:0]  sb_flip_bit;
    logic        sb_flip_arm;
    logic [31:0] ber_thresh;
    logic [23:0] burst_len;
    logic        burst_start;
    logic [31:0] seed;
    logic        reseed;
  } chan_dir_cfg_t;

  // Receiver lane status (LANE_STAT register layout).
  typedef struct packed {
    logic [6:0]           delay;      // deskew delay in bits
    logic [6:0]           id;         // lane ID decoded in the last scan
    logic                 id_valid;   // the last scan saw consistent frames
    logic                 locked;     // PRBS checker locked
    logic                 eye_found;  // the last sweep found an eye
    logic [4:0]           eye_len;    // width of the eye found, in phases
    logic [PhaseBits-1:0] phase;      // sampling phase in use
  } lane_stat_t;

  // ---- Training messages -----------------------------------------------------------------------
  // The layouts of the LTSM's exchanges (cpo_d2d_ltsm, cpo_d2d_ltsm_xchg). A training message is
  // named by its id {message code, subcode}; a training step's subcode is {step, state code}.
  typedef logic [15:0] msg_id_t;

  // The SBINIT done exchange (0x95, subcode 01).
  parameter msg_id_t SbinitDoneId = {8'h95, 8'h01};

  function automatic msg_id_t hdr_id(logic [63:0] h);
    return {hdr_msgcode(h), hdr_subcode(h)};
  endfunction
  function automatic msg_id_t step_id(ltsm_state_e st, logic [2:0] step);
    return {state_req_code(st), step, st};
  endfunction
  // The response that answers a request.
  function automatic msg_id_t resp_id(msg_id_t req);
    return {resp_code(req[15:8]), req[7:0]};
  endfunction
  // A request this end answers: a state family's (low nibble 5) or a link-management one.
  function automatic logic is_step_req(msg_id_t id);
    return id[11:8] == 4'h5 || id[15:8] == McLinkMgmtReq;
  endfunction
  // Headers of a request and of its response.
  function automatic logic [63:0] req_msg_hdr(logic has_data, msg_id_t id);
    return msg_hdr(has_data, id[15:8], id[7:0], '0);
  endfunction
  function automatic logic [63:0] resp_msg_hdr(logic has_data, msg_id_t req);
    return msg_hdr(has_data, resp_code(req[15:8]), req[7:0], '0);
  endfunction

  // MBINIT.PARAM data: an end's capabilities.
  typedef struct packed {
    logic [63:24] rsvd_63_24;
    logic [7:0]   lanes;      // [23:16] data lanes offered (half of them when asking half width)
    logic [15:12] rsvd_15_12;
    logic [3:0]   module_id;  // [11:8]
    logic [7:5]   rsvd_7_5;
    logic         half;       // [4] asks for half width
    logic         rsvd_3;
    logic [2:0]   speed;      // [2:0] maximum speed code
  } param_data_t;

  function automatic param_data_t param_data(logic [7:0] lanes, logic [3:0] module_id,
                                             logic half, logic [2:0] speed);
    param_data_t d;
    d = '0;
    d.lanes = lanes;
    d.module_id = module_id;
    d.half = half;
    d.speed = speed;
    return d;
  endfunction

  // Done-step data: the result of an end's receiver work. REPAIRCLK, REPAIRVAL, RXDESKEW: bit 0
  // passed; REVERSALMB: bit 0 the lanes arrive reversed; REPAIRMB: the bad lanes and the width
  // the receiver chose; LINKSPEED: the used lanes with errors and the valid lane's error.
  parameter int unsigned MaxDoneLanes = 40;
  typedef struct packed {
    logic [63:50]      rsvd_63_50;
    width_mode_e       width;      // [49:48] REPAIRMB
    logic [47:41]      rsvd_47_41;
    logic              vld_err;    // [40] LINKSPEED
    logic [MaxDoneLanes-1:0] lanes;  // [39:0] one bit per physical lane (bit 0: the pass flag)
  } done_data_t;

  function automatic done_data_t done_flag(logic ok);
    done_data_t d;
    d = '0;
    d.lanes[0] = ok;
    return d;
  endfunction
  function automatic logic done_ok(done_data_t d);
    return d.lanes[0];
  endfunction

endpackage : cpo_d2d_pkg
