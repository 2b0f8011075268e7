/* The verilated designs this build can run (the table CPO_DESIGNS in testbenches/CMakeLists.txt:
 * name, kind, host lanes, media lanes) and the choice of one by a run's design kind and lane
 * counts. */
#ifndef CPO_DESIGNS_H
#define CPO_DESIGNS_H

#include <stddef.h>
#include <stdint.h>

#include "cpo/sync.h"

#ifdef __cplusplus
#include <cstring>
#include <memory>
extern "C" {
#endif

/* What a design is: the engine (rtl/engine: traffic over the D2D link, the OE, the converter
 * bank), or the PRBS lanes alone (rtl/lanes: traffic straight at the analog boundary). */
typedef enum { CPO_DESIGN_ENGINE = 0, CPO_DESIGN_LANES = 1 } cpo_design_kind_t;

typedef struct {
  const char *name;
  cpo_design_kind_t kind;
  uint32_t host_lanes;  /* the ASIC side: traffic generators and checkers */
  uint32_t media_lanes; /* the optical side: the lanes that cross the bridge to the model */
  uint32_t word_bits;   /* bits per media lane per datapath cycle at the analog boundary */
} cpo_design_info_t;

size_t cpo_designs_count(void);
const cpo_design_info_t *cpo_designs_at(size_t i);
/** The design of @p kind with these lane counts, or NULL (then @p why names the ones there
 *  are). */
const cpo_design_info_t *cpo_designs_find(cpo_design_kind_t kind, uint32_t host_lanes,
                                          uint32_t media_lanes, char *why, size_t why_len);

/* The board the engine sits on, constants of a run (its profile's: cpo_params_settle): its
 * external laser source (CMIS pages 1Ah/1Bh are advertised only with one), its CMIS management
 * bus's bit times, and the engine's calibration of its Tx power taps. */
typedef struct {
  uint32_t els_lanes;         /* the source's lasers, at most 8; 0: the engine's are its own */
  uint32_t els_freq_10ghz;    /* their nominal frequency, 10 GHz (CMIS page 1Ah) */
  uint32_t bus_bit_ps;        /* a management bus bit */
  uint32_t bus_header_bit_ps; /* a bit of a frame's START and address header */
  uint32_t tx_tap_scale_q16;  /* CMIS Tx power (0.1 uW) per tap ADC code, Q16.16 */
} cpo_board_t;
/* A board for a design made outside a run (benches, the SystemC platform): no external source,
 * a two-wire bus at 1 MHz, taps calibrated as the rtl role's cpo_role_tx_tap_scale calibrates the
 * default profile's calibrated engine (mrm-els-8x200g, seed 1: 71963; other seeds within
 * 0.01 %). */
#define CPO_BOARD_DEFAULT                                                                          \
  { 0, 0, 1000000, 1000000, 71963 }

/* What a design traces: the FST file, the real time of a clock phase (fs_num / fs_den fs;
 * cpo_trace_fs_per_half_cycle) and the cycles [first_cycle, end_cycle) to record. */
typedef struct {
  const char *path;
  uint64_t fs_num, fs_den;
  uint64_t first_cycle, end_cycle;
} cpo_design_trace_t;

/* A design's datapath clock as its timers need it: cycles per microsecond, Q16.16. */
#define CPO_DESIGN_CYCLES_PER_US_Q16_1GHZ (1000u << 16)
/** The cycles per microsecond (Q16.16) of a run's configuration: a cycle is symbols_per_cycle
 *  symbols at baud_hz. */
static inline uint32_t cpo_design_cycles_per_us_q16(const cpo_config_t *cfg) {
  if (cfg->symbols_per_cycle == 0 || cfg->baud_hz == 0) /* not settled: the 1 GHz default */
    return CPO_DESIGN_CYCLES_PER_US_Q16_1GHZ;
  return (uint32_t)(cfg->baud_hz * 65536u / ((uint64_t)cfg->symbols_per_cycle * 1000000u));
}

#ifdef __cplusplus
}

/** CMIS's states (cpo/cmis_map.h's codes): the module's and each CMIS (host) lane's data path's. */
struct CpoCmisStates {
  uint8_t module;
  uint8_t dp[64]; /* the largest engine's host lanes */
  bool operator==(const CpoCmisStates &o) const {
    return module == o.module && std::memcmp(dp, o.dp, sizeof dp) == 0;
  }
};

/** A verilated design behind the synchroniser's design interface. */
class CpoDesign {
public:
  virtual ~CpoDesign() = default;
  virtual cpo_design_ops_t ops() = 0;
  virtual uint32_t hostLanes() const = 0;
  virtual uint64_t laneBits(uint32_t host_lane) const = 0;
  virtual uint64_t laneErrors(uint32_t host_lane) const = 0;
  virtual bool laneLocked(uint32_t host_lane) const = 0;
  /** The D2D link's state (the ASIC end's LTSM, cpo/d2d_regs.h), or -1 for a design without. */
  virtual int linkState() const {
    return -1;
  }
  /** CMIS's states now into @p out (lanes past the design's host lanes: 0); false for a design
   *  without CMIS. Read from observation ports, cheap enough to call per span of cycles. */
  virtual bool cmisStates(CpoCmisStates *out) const {
    (void)out;
    return false;
  }
  /** The board, before the first cycle. A design without CMIS ignores it. */
  virtual void setBoard(const cpo_board_t &board) {
    (void)board;
  }
};

/** Each row's maker: cpo_design_create_<name>(its trace or nullptr, the datapath clock for
 *  the design's own timers: cpo_design_cycles_per_us_q16 of the run). */
#define CPO_DESIGN(name, kind, host, media, word_bits)                                             \
  std::unique_ptr<CpoDesign> cpo_design_create_##name(const cpo_design_trace_t *trace,             \
                                                      uint32_t cycles_per_us_q16 =                 \
                                                          CPO_DESIGN_CYCLES_PER_US_Q16_1GHZ);
#include "cpo_designs.inc"
#undef CPO_DESIGN

/** The harness's TraceSpec (cpo/harness/sim.h) for @p t (nullptr, or no path: no trace). */
template <typename Spec> Spec cpo_design_trace_spec(const cpo_design_trace_t *t) {
  Spec s;
  if (t && t->path)
    s.path = t->path, s.fs_num = t->fs_num, s.fs_den = t->fs_den, s.first_cycle = t->first_cycle,
    s.end_cycle = t->end_cycle;
  return s;
}

/** Make design @p d. */
std::unique_ptr<CpoDesign> cpo_design_create(const cpo_design_info_t *d,
                                             const cpo_design_trace_t *trace,
                                             uint32_t cycles_per_us_q16);
#endif

#endif
