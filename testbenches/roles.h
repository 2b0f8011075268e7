/* The three roles of cpoemu and what each needs to run. One program runs them all:
 * in one process (inproc threads) or as separate processes (ipc, tcp). */
#ifndef CPO_ROLES_H
#define CPO_ROLES_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpo/analog_channels.h"
#include "cpo/bridge.h"
#include "cpo/link.h"
#include "designs.h"
#include "timeline.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CPO_MAX_LANES_SUMMARY 64

/** The media lane carrying host lane @p host_lane: a data path's host lanes share one (1:1, or
 *  the OE's gearbox when @p host_lanes is a multiple of @p media_lanes). */
static inline uint32_t cpo_media_lane_of(uint32_t host_lane, uint32_t host_lanes,
                                         uint32_t media_lanes) {
  return host_lanes > media_lanes ? host_lane / (host_lanes / media_lanes) : host_lane;
}

/** What clocks the verilated design: the C++ loop (testbenches/harness), or the SystemC kernel
 *  (testbenches/systemc: the engine8 design only). */
typedef enum { CPO_HARNESS_CPP = 0, CPO_HARNESS_SYSTEMC = 1 } cpo_harness_t;

/** The engine's state at cycle 0 (the model's cpo_link_cfg_t says it as start_calibrated). */
typedef enum { CPO_START_CALIBRATED = 0, CPO_START_POWER_ON = 1 } cpo_start_t;
/** The host program ([host] program). */
typedef enum {
  CPO_HOST_FIRMWARE = 0, /* host/fw: cpo_fw_identify_run */
  CPO_HOST_CMIS = 1,     /* host/cmis: cpo_cmis_bringup, then the run goes on */
  CPO_HOST_NONE = 2,
  CPO_HOST_PYTHON = 3,  /* /usr/bin/python3 host_script ENDPOINT */
  CPO_HOST_CMIS_FW = 4, /* host/cmis with host/fw answering DPInit, then supervising */
} cpo_host_program_t;
/** [expect] d2d_state. */
typedef enum {
  CPO_EXPECT_D2D_ANY = 0,
  CPO_EXPECT_D2D_ACTIVE = 1,
  CPO_EXPECT_D2D_DOWN = 2
} cpo_expect_d2d_t;

typedef struct {
  cpo_config_t config; /* config.profile: the engine profile's name (its file's [profile] name) */
  char profile[CPO_PROFILE_PATH_MAX];  /* as the run names it: "loopback", a shipped profile's
                                          name or a profile file's path */
  cpo_profile_source_t profile_source; /* where the engine profile came from (once settled) */
  uint32_t host_lanes; /* the design's host lanes (once settled): the profile's when the run has
                          its media lanes, else as many as the media lanes */
  cpo_design_kind_t design; /* which kind of verilated design runs (with host_lanes over
                               config.lanes) */
  cpo_harness_t harness;    /* what clocks it (the same results either way) */
  char scenario[512];       /* file the run came from ("" for built-in defaults) */
  char endpoint[512];
  uint32_t timeout_ms;
  double noise_sigma;      /* loopback profile only: channel noise, in eye units */
  cpo_fidelity_t fidelity; /* engine profiles: statistical errors or noise per symbol */
  cpo_start_t start;       /* engine profiles: as a finished bring-up leaves it, or dark (lasers
                              off) for firmware to bring up */
  double els_ambient_k; /* engine profiles: the external laser's faceplate ambient; 0: profile's */
  cpo_board_t board;    /* engine profiles, once settled: the board the engine sits on */
  cpo_topology_t topology; /* engine profiles: TWO_ENGINES: lanes [0, N/2) are engine A,
                              [N/2, N) engine B, each one's TX lane i lit into the other's RX
                              lane i; LOOPBACK: each lane into its own receiver */
  cpo_curve_cfg_t curve;
  cpo_context_t *context; /* inproc: shared by the threads */
  bool with_host;         /* rtl: a host attaches before cycle 0 */
  bool direct_loopback;   /* rtl: no model; RX = TX delayed by L */
  bool allow_attach; /* rtl without a host: a host may attach mid-run (else its HELLO is refused) */
  const char *json_path;
  const char *trace_path;       /* FST waveform file, or NULL */
  char trace_window[64];        /* which cycles it records: "all" or FROM:TO (trace_file.h) */
  const char *model_trace_path; /* model: FST of optical power, detuning, temperature, or NULL */
  int ready_fd; /* rtl: write the bound endpoint + "\n" here once bound (-1: none) */
  bool quiet;   /* no progress lines */
  /* expected outcomes (a run that misses them fails) */
  double expect_max_ber;         /* over all lanes' checked bits */
  int expect_min_locked;         /* CPO_EXPECT_ALL_LANES: every lane */
  uint64_t expect_min_bits;      /* PRBS bits checked over all lanes: 0 lets a run check none */
  uint64_t expect_unlocked_mask; /* host lanes expected not locked at the end */
  double expect_max_lane_ber;    /* per expected-locked lane */
  cpo_expect_d2d_t expect_d2d;
  uint64_t expect_min_repaired, expect_min_retrains;
  double expect_max_up_us;       /* 0: no bound */
  double expect_ber_vs_snapshot; /* per expected-locked lane: BER over the snapshot's; 0: none */
  /* CMIS at the end (read through the engine's CMIS bytes only when one is asked): the module
   * state and every CMIS lane's data-path state (0: any), the CMIS lanes whose latched Tx fault
   * and Rx LOS must be raised */
  int expect_cmis_module, expect_cmis_dp;
  uint64_t expect_cmis_tx_fault, expect_cmis_rx_los;
  cpo_host_program_t host_program;
  char host_script[CPO_PROFILE_PATH_MAX];
  cpo_timeline_t timeline; /* the scenario's events (none: the run as without a timeline) */
  /* set (from a signal, a closed stdout) to end the run early, as "interrupted"; or NULL */
  const volatile sig_atomic_t *stop;
} cpo_run_opts_t;

#define CPO_EXPECT_ALL_LANES (-1)

/** The verilated design of the run's kind and lanes (host_lanes over config.lanes) whose word
 *  is symbols_per_cycle x bits_per_symbol, or NULL with @p why naming the designs this build
 *  has. */
const cpo_design_info_t *cpo_run_design(const cpo_run_opts_t *o, char *why, size_t why_len);
/* What a role that stops on o->stop says (the model in its BYE): the rtl reports the run as
 * interrupted, not failed, when its model ended with it. */
#define CPO_INTERRUPTED_TEXT "interrupted"

/** One end of a D2D module at the end of an engine run (read on the design's bus). */
typedef struct {
  bool read; /* the registers answered */
  uint8_t state, width;
  uint16_t retrains; /* times PHYRETRAIN was entered */
  uint32_t rx_bad;   /* the receiver's lanes found bad (repaired onto the spare, or dropped) */
} cpo_d2d_end_summary_t;
/** The engine's CMIS at the end of a run, as a host reads it (lower page, page 11h per bank). */
typedef struct {
  bool read;                         /* the bytes answered */
  uint32_t lanes;                    /* CMIS lanes (the host lanes) */
  uint8_t module;                    /* module state (byte 3 bits 3:1) */
  uint8_t cause;                     /* module fault cause (byte 41) */
  uint8_t dp[CPO_MAX_LANES_SUMMARY]; /* data-path state per lane */
  uint64_t tx_fault, rx_los; /* latched flags raised, bit m: media lane m (read clears them) */
} cpo_cmis_end_summary_t;
/* The run over time, for plots (cpoemu-plots): decimated to at most CPO_SERIES_MAX points,
 * taken where the synchroniser hands the design a span of cycles; and the D2D link's state
 * changes as they were seen there. */
#define CPO_SERIES_MAX 200
#define CPO_SERIES_STATES_MAX 64
#define CPO_SERIES_CMIS_MAX 256
typedef struct {
  uint32_t points, host_lanes, media_lanes;
  uint64_t cycle[CPO_SERIES_MAX];
  uint64_t bits[CPO_SERIES_MAX][CPO_MAX_LANES_SUMMARY]; /* per host lane, cumulative */
  uint64_t errors[CPO_SERIES_MAX][CPO_MAX_LANES_SUMMARY];
  uint64_t locked[CPO_SERIES_MAX];    /* bit l: host lane l */
  uint64_t streaming[CPO_SERIES_MAX]; /* bit l: media lane l streams */
  /* the converters' codes in force (ADC: the last conversion; DAC: the last write), per index */
  uint16_t adc[CPO_SERIES_MAX][CPO_ADC_COUNT][CPO_MAX_LANES_SUMMARY];
  uint16_t dac[CPO_SERIES_MAX][CPO_DAC_COUNT][CPO_MAX_LANES_SUMMARY];
  uint32_t adc_indices[CPO_ADC_COUNT], dac_indices[CPO_DAC_COUNT]; /* 1 + the highest seen */
  uint32_t n_states; /* D2D state changes (the ASIC end's LTSM), from cycle 0 */
  uint64_t state_cycle[CPO_SERIES_STATES_MAX];
  uint8_t state[CPO_SERIES_STATES_MAX];
  /* CMIS state changes (module, each host lane's data path; cpo/cmis_map.h's codes), from
   * cycle 0, the first CPO_SERIES_CMIS_MAX of them (cmis_dropped: how many more there were) */
  uint32_t n_cmis, cmis_dropped;
  uint64_t cmis_cycle[CPO_SERIES_CMIS_MAX];
  uint8_t cmis_module[CPO_SERIES_CMIS_MAX];
  uint8_t cmis_dp[CPO_SERIES_CMIS_MAX][CPO_MAX_LANES_SUMMARY];
} cpo_series_t;

typedef struct {
  uint64_t cycles;
  double sim_time_s;
  double wall_s;
  double model_wait_s;
  uint64_t event_hash;
  uint64_t reg_accesses;
  uint64_t quanta;
  uint64_t dac_writes;  /* DAC codes the design sent to the model */
  uint64_t adc_samples; /* ADC codes the model sent that the design took */
  uint32_t lanes;
  uint64_t bits[CPO_MAX_LANES_SUMMARY];
  uint64_t errors[CPO_MAX_LANES_SUMMARY];
  bool locked[CPO_MAX_LANES_SUMMARY];
  int status;      /* cpo_status_t of the run */
  char error[400]; /* why it failed */
  bool expectations_met;
  char expectation_failure[800]; /* "; "-separated, the first failed first */
  bool interrupted;              /* stopped early on purpose (o->stop), not by a fault */
  cpo_peer_event_t peer_events[CPO_PEER_EVENTS_MAX]; /* attaches and detaches, on the record */
  uint32_t n_peer_events;
  /* engine runs (timeline_rtl.cpp): from which cycle every host lane stayed locked (UINT64_MAX:
   * not at the end), the timeline's register writes made, each D2D module's [ASIC, OE] ends */
  uint64_t all_up_cycle;
  uint64_t lane_up_cycle[CPO_MAX_LANES_SUMMARY]; /* per host lane, the same (UINT64_MAX: not) */
  uint64_t timeline_writes;
  uint32_t d2d_modules; /* 0: not an engine run */
  cpo_d2d_end_summary_t d2d[2][2];
  /* engine runs: OE CAL_DONE, TX_LOL and CAL_REQ at the end (the firmware's calibration) */
  bool cal_read;
  uint64_t cal_done, tx_lol, cal_req;
  const cpo_series_t *series; /* the run over time, or NULL */
  cpo_cmis_end_summary_t cmis;
  char ber_margin[240]; /* the worst expected-locked lane's BER bound against the limit, or "" */
  /* engine profiles: each host lane's expected BER under the calibrated snapshot of the run's
   * seed and profile (cpo_role_snapshot_ber), what a bring-up's BER is judged against */
  bool snapshot_known;
  double ber_snapshot[CPO_MAX_LANES_SUMMARY];
  /* engine profiles: the model's physics per media lane at the end (its MODEL_REPORT,
   * cpo_report_field_t values lane-major; report_lanes 0: none came) */
  uint32_t report_lanes;
  double report[CPO_PROTO_MAX_LANES * CPO_PROTO_REPORT_FIELDS];
} cpo_run_summary_t;

/** The rtl role: verilated design + bridge server + synchroniser. Returns a process exit
 * code (0 = the run covered all cycles and met its expectations). */
int cpo_role_rtl(const cpo_run_opts_t *o, cpo_run_summary_t *sum);
/** The model role: the analog world (here: the optical loopback channel). */
int cpo_role_model(const cpo_run_opts_t *o);
/** The host role: the default firmware program (identify, let time pass, read counters). */
int cpo_role_host(const cpo_run_opts_t *o);
/** The fewest cycles of a run the host role can do its work in (identify, read every lane). */
uint64_t cpo_role_host_min_cycles(const cpo_config_t *cfg);
/** Check, before anything starts, that the model role can build the world @p o names (the
 * profile fits the link; the lookahead L is within the physical path's latency). CPO_OK, or
 * an error with @p why saying what does not fit. */
CPO_MUST_USE cpo_status_t cpo_role_model_check(const cpo_run_opts_t *o, char *why, size_t why_len);
/** The expected BER (cpo_link_snapshot_ber) each of @p host_lanes host lanes would have under
 * the calibrated snapshot of @p o's seed and engine profile (a data path's host lanes share their
 * media lane's), computed apart from any run. CPO_ERR_INVALID_ARG for the loopback profile (no
 * snapshot) or host lanes that are not whole data paths of the media lanes. */
CPO_MUST_USE cpo_status_t cpo_role_snapshot_ber(const cpo_run_opts_t *o, double *ber,
                                                uint32_t host_lanes);

/** The engine's Tx power calibration (OE tx_tap_scale: CMIS's 0.1 uW per tap ADC code, Q16.16),
 * as a vendor's NVM constant measured against a power meter: the launched average power over the
 * tap photocurrent, averaged over @p o's media lanes, on the calibrated snapshot of @p o's seed
 * and engine profile (cpo_link_snapshot_launch_per_tap; @p o settled). What of the tapped light
 * leaves the engine depends on the modulator's transmission at its operating point, which no
 * static loss budget gives (assuming half of it read 1.7 dB high on the default engine). The
 * loopback profile leaves @p scale_q16 as it is. CPO_OK, or an error with @p why. */
CPO_MUST_USE cpo_status_t cpo_role_tx_tap_scale(const cpo_run_opts_t *o, uint32_t *scale_q16,
                                                char *why, size_t why_len);

/** Write the JSON result of a run. 0 on success. */
int cpo_result_write_json(const char *path, const cpo_run_opts_t *o, const cpo_run_summary_t *s,
                          const char *transport, const char *repro);
/** Rewrite the result of the JSON at @p path: @p result, and @p error before what it said. */
int cpo_result_amend_json(const char *path, const char *result, const char *error);

#ifdef __cplusplus
}
#endif

#endif
