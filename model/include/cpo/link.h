/* The analog world of one or two optical engines, as the bridge's model role sees it: TX symbols
 * and DAC register values in, RX symbols and ADC samples out.
 *
 * Per lane, light from a laser (one per lane, or an external source split 1:N) is tapped for a
 * monitor, modulated by a micro-ring or Mach-Zehnder modulator driven with the lane's symbols
 * (driver swing, TX FFE post-cursor, modulator bias, heater), carried through the fibre (loss,
 * adjacent-lane crosstalk) to a photodiode and TIA (responsivity, shot, thermal, TIA and RIN
 * noise, bandwidth ISI), equalised (RX FFE post-cursor) and sliced (NRZ or PAM4, thresholds
 * from registers, in the AGC-normalised eye).
 *
 * Time. Cycle c covers symbols [c * symbols_per_cycle, (c + 1) * symbols_per_cycle) of every
 * lane; t = cycle * symbols_per_cycle / baud. Slow dynamics (laser junction and ring/heater
 * temperatures, self-heating, laser turn-on) are integrated on a fixed grid of grid_cycles
 * cycles (cpo_link_info), never per call. At each grid point g the link, in this order:
 * integrates the state over the interval just ended, applies the DAC writes and ambient
 * changes whose effective cycle is <= g (DACs settle on the grid: a write at cycle e acts from
 * the first grid point >= e), rebuilds each lane's eye, converts the monitor ADCs if g is a
 * multiple of adc_cycles (the sample is valid for cycles [g, g + adc_cycles): monitor ADCs are
 * slow, 1 us by default) and calls the trace hook. So nothing depends on how cycles are split
 * into calls.
 *
 * Parked cycles (cpo_link_advance) carry no symbols: the slow physics goes on, in the same
 * order, on longer steps (the largest divisor of the ADC period of at most 1 us, 1 us by
 * default: exact-exponential steps follow lasers and heaters on any step, and the ring's
 * self-heating loop, taken implicitly, settles at any step), plus the grid point where
 * each scheduled write applies, and the monitors see the light the lanes would launch
 * streaming (equiprobable symbols); the eyes are not rebuilt (the next streaming grid point
 * does it). A lane's light, its monitors and its ADC codes are the same functions of the
 * state on both paths.
 *
 * Topology. LOOPBACK: lane l's TX light returns to lane l's receiver. TWO_ENGINES: lanes
 * [0, lanes/2) are engine A, [lanes/2, lanes) engine B; A's TX lane i feeds B's RX lane i and
 * the reverse (two fibres), each engine with its own lasers, modulators and temperatures.
 *
 * Words. tx and rx are cycle-major [count][lanes]; each word holds symbols_per_cycle fields of
 * bits_per_symbol bits, the first symbol in time in the lowest bits; bits above are ignored in
 * tx and zero in rx. PAM4 fields are Gray codes (00, 01, 11, 10 for levels 0..3) unless
 * pam4_natural is set. RX word c of lane l is the decision on TX word c of the lane feeding
 * it: the path's latency is the bridge's to apply (cpo_link_info reports the physical one). */
#ifndef CPO_LINK_H
#define CPO_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "cpo/analog_channels.h"
#include "cpo/profile.h"
#include "cpo/status.h"
#include "cpo/symchan.h"

#define CPO_LINK_MAX_LANES 128

typedef enum { CPO_TOPOLOGY_LOOPBACK = 0, CPO_TOPOLOGY_TWO_ENGINES = 1 } cpo_topology_t;
typedef enum { CPO_FIDELITY_BIT_TRUE = 0, CPO_FIDELITY_STATISTICAL = 1 } cpo_fidelity_t;

typedef struct {
  const char *profile;         /* profile name; NULL or "" for the default */
  const cpo_profile_t *params; /* optional: a complete parameter set, overrides profile */
  cpo_topology_t topology;
  uint32_t lanes;             /* all lanes of all engines; 0: the profile's per engine */
  uint32_t symbols_per_cycle; /* required, 1..64 with bits_per_symbol x it <= 64 */
  uint32_t bits_per_symbol;   /* 0: the profile's (2 PAM4, 1 NRZ) */
  double baud_hz;             /* 0: the profile's */
  uint64_t seed;
  cpo_fidelity_t fidelity;
  double ambient_k;      /* engine case temperature; 0: the profile's */
  double els_ambient_k;  /* ambient of the external laser source (faceplate), apart
                            from the engine's; 0: the profile's. Refused for a profile
                            whose lasers sit on the engine. */
  double grid_s;         /* slow-dynamics step; 0: 50 ns */
  double adc_period_s;   /* monitor ADC conversion period, a whole number of grid
                            steps (rounded, at least one); 0: 1 us */
  bool start_calibrated; /* start as a converged bring-up leaves it: lasers on at the
                            nominal current and warm, rings locked, MZMs at quadrature,
                            RX FFE and thresholds tuned. Otherwise power-on: lasers off,
                            heaters and bias 0, nominal swing and thresholds. */
  bool pam4_natural;     /* PAM4 fields are level numbers, not Gray codes */
} cpo_link_cfg_t;

typedef struct {
  char profile[CPO_PROFILE_NAME_MAX];
  uint32_t engines; /* 1 (loopback) or 2 */
  uint32_t lanes;
  uint32_t lasers; /* all engines; per-laser channels are indexed 0..lasers-1 */
  uint32_t lanes_per_laser;
  uint32_t levels; /* 2 or 4 */
  uint32_t symbols_per_cycle;
  uint32_t bits_per_symbol;
  double baud_hz;
  double cycle_s;
  uint64_t grid_cycles;
  uint64_t adc_cycles;     /* ADC conversion period in cycles (a multiple of grid_cycles) */
  double latency_s;        /* physical path latency: fibre plus electronics */
  uint64_t latency_cycles; /* floor(latency_s / cycle_s): the largest honest L */
} cpo_link_info_t;

/** One grid point of model quantities, per lane (arrays of `lanes`). */
typedef struct {
  uint64_t cycle;
  double time_s;
  uint32_t lanes;
  const double *laser_power_w; /* the laser feeding the lane (before any split) */
  const double *tx_power_w;    /* average launched power of the lane */
  const double *rx_power_w;    /* average power at the lane's receiver */
  const double *detuning_m;    /* ring: laser minus resonance at the DC bias (negative: blue
                                  of resonance); MZM: 0 */
  const double *mzm_phase_rad; /* MZM: arm phase at zero drive, wrapped to (-pi, pi]; ring 0 */
  const double *temp_k;        /* modulator temperature (ring: ambient + heat) */
  const double *heater_w;      /* heater power applied */
} cpo_link_trace_t;

typedef void (*cpo_link_trace_fn)(void *user, const cpo_link_trace_t *sample);

typedef struct cpo_link cpo_link_t;

/**
 * Create the link.
 * @param[out] out the link; unchanged on error
 * @return CPO_OK; CPO_ERR_INVALID_ARG with an error naming the field logged (cpo_log) (unknown
 *         profile, lanes over CPO_LINK_MAX_LANES or the profile's count per engine, odd lanes for
 *         two engines, symbols_per_cycle x bits_per_symbol over 64, non-positive baud or grid,
 *         bits_per_symbol not 1 or 2, any profile parameter outside its physical range: the
 *         message gives its value and the range); CPO_ERR_NO_MEMORY
 */
CPO_MUST_USE cpo_status_t cpo_link_create(const cpo_link_cfg_t *cfg, cpo_link_t **out);

/** Free the link; sets *link = NULL; safe twice. */
void cpo_link_destroy(cpo_link_t **link);

void cpo_link_get_info(const cpo_link_t *link, cpo_link_info_t *info);

/**
 * Schedule a DAC write: channel @p channel (cpo_dac_channel_t) of lane (or laser, for per-laser
 * channels) @p index takes 16-bit code @p value from @p effective_cycle on (applied at the first
 * grid point >= effective_cycle; several writes there apply in call order).
 * @return CPO_OK; CPO_ERR_INVALID_ARG (unknown channel, index out of range, value over 16
 *         bits); CPO_ERR_RANGE (effective_cycle already processed); nothing scheduled on error
 */
CPO_MUST_USE cpo_status_t cpo_link_set_dac(cpo_link_t *link, uint32_t channel, uint32_t index,
                                           uint32_t value, uint64_t effective_cycle);

/** The DAC code in force now (after the latest grid point processed). 0 for a bad channel. */
uint32_t cpo_link_dac(const cpo_link_t *link, uint32_t channel, uint32_t index);

/** Schedule an ambient (case) temperature change of engine @p engine, like a DAC write. It
 *  moves the engine's modulators, and its lasers only if they sit on the engine: an external
 *  laser source follows its own ambient (cpo_link_set_els_ambient).
 *  @return as cpo_link_set_dac (CPO_ERR_INVALID_ARG also for a non-positive temperature) */
CPO_MUST_USE cpo_status_t cpo_link_set_ambient(cpo_link_t *link, uint32_t engine, double temp_k,
                                               uint64_t effective_cycle);

/** Schedule an ambient change of engine @p engine's external laser source (its faceplate
 *  slot), like a DAC write.
 *  @return as cpo_link_set_ambient; CPO_ERR_INVALID_ARG also when the profile's lasers sit on
 *          the engine (no external source); nothing scheduled on error */
CPO_MUST_USE cpo_status_t cpo_link_set_els_ambient(cpo_link_t *link, uint32_t engine, double temp_k,
                                                   uint64_t effective_cycle);

/**
 * Carry @p count cycles of TX words through the link into @p rx (layouts above). Calls must
 * cover consecutive cycles from 0 (else CPO_ERR_INVALID_ARG, nothing changed). Results depend
 * only on seed, configuration, the DAC/ambient schedule and the TX words: never on the split.
 */
CPO_MUST_USE cpo_status_t cpo_link_process(cpo_link_t *link, uint64_t first_cycle, uint32_t count,
                                           const uint64_t *tx, uint64_t *rx);

/**
 * Advance @p count parked cycles from @p first_cycle: no symbols, the slow physics, the
 * schedule and the monitor ADCs only (see "Parked cycles" above). Interleaves with
 * cpo_link_process over consecutive cycles from 0 (else CPO_ERR_INVALID_ARG, nothing
 * changed); like it, results do not depend on how the cycles are split into calls.
 */
CPO_MUST_USE cpo_status_t cpo_link_advance(cpo_link_t *link, uint64_t first_cycle, uint64_t count);

/**
 * Park the lanes of @p mask (bit l: lane l; lanes past 63 always stream) from the next cycle
 * on, and let the others stream: a parked lane's TX words carry no symbols (ignored) and the
 * RX lane it feeds, like a parked RX lane, decides nothing (zero RX words, no errors counted,
 * no eye built); its slow physics and monitors go on as every lane's (the light it would
 * launch streaming). A lane leaving the mask decides again from the next cycle, under the
 * eye of the light in force. Streaming lanes' words do not depend on the others' parking.
 * @return CPO_OK; CPO_ERR_INVALID_ARG (a bit past the last lane), nothing changed
 */
CPO_MUST_USE cpo_status_t cpo_link_park_lanes(cpo_link_t *link, uint64_t mask);

/**
 * The ADC sample of channel @p channel (cpo_adc_channel_t), lane or laser @p index, valid at
 * @p cycle (converted at the last multiple of adc_cycles at or before it). The last 64
 * conversions are kept. Conversion n (at cycle n x adc_cycles) of a converter is
 * round(input / lsb + adc_noise_lsb x z) clamped to the code range, where z is a standard
 * normal drawn from a counter keyed on (seed, channel, index, n) (cpo_rng_normal_at): each
 * code is a pure function of the monitor's input at its conversion and of that key, so
 * codes nobody reads need never be made, and making them never shifts another's noise.
 * @param[out] code the 16-bit code
 * @return CPO_OK; CPO_ERR_INVALID_ARG (channel or index); CPO_ERR_RANGE (cycle not processed
 *         yet, or older than the kept history); @p code unchanged on error
 */
CPO_MUST_USE cpo_status_t cpo_link_adc(const cpo_link_t *link, uint64_t cycle, uint32_t channel,
                                       uint32_t index, uint32_t *code);

/**
 * Make no ADC conversion at a cycle before @p cycle (nobody will read it): cpo_link_adc
 * answers CPO_ERR_RANGE for those. The others' codes do not change (their noise is keyed on
 * the conversion, not drawn in sequence). A cycle at or before an earlier call's changes
 * nothing.
 * @return CPO_OK
 */
CPO_MUST_USE cpo_status_t cpo_link_skip_adc(cpo_link_t *link, uint64_t cycle);

/**
 * Every ADC code valid at @p cycle, as cpo_link_adc gives them one by one, in channel order,
 * each channel's lanes or lasers in order, into @p codes (at most @p max); their number in *n.
 * @return CPO_OK; CPO_ERR_RANGE as cpo_link_adc; CPO_ERR_INVALID_ARG if @p max is too small
 */
CPO_MUST_USE cpo_status_t cpo_link_adc_all(const cpo_link_t *link, uint64_t cycle, uint32_t *codes,
                                           uint32_t max, uint32_t *n);

/** Call @p fn at every grid point from now on (NULL to stop). */
void cpo_link_set_trace(cpo_link_t *link, cpo_link_trace_fn fn, void *user);

/** Symbol errors the channel made so far on RX lane @p lane (0 outside the range). */
uint64_t cpo_link_symbol_errors(const cpo_link_t *link, uint32_t lane);
/** Bit errors (differing bits of sent and decided fields) so far on RX lane @p lane. */
uint64_t cpo_link_bit_errors(const cpo_link_t *link, uint32_t lane);

/** A TX lane's optical levels in the fibre (after the chip-to-fibre coupler), as a DR-class
 *  transmitter test measures them: OMA_outer and ER from the outer levels. */
typedef struct {
  uint32_t levels;
  double level_w[4];  /* steady power of each level (a long run of that symbol) */
  double average_w;   /* over equiprobable symbols */
  double oma_outer_w; /* highest minus lowest level */
  double er_db;       /* 10 log10(highest / lowest) */
} cpo_link_tx_levels_t;

/** TX lane @p lane's levels in the current grid interval.
 *  @return CPO_OK or CPO_ERR_INVALID_ARG (lane) or CPO_ERR_STATE (nothing processed yet);
 *          @p out unchanged on error */
CPO_MUST_USE cpo_status_t cpo_link_tx_levels(const cpo_link_t *link, uint32_t lane,
                                             cpo_link_tx_levels_t *out);

/** The eye RX lane @p lane uses in the current grid interval (for tests and tools).
 *  @return CPO_OK or CPO_ERR_INVALID_ARG (lane) or CPO_ERR_STATE (nothing processed yet) */
CPO_MUST_USE cpo_status_t cpo_link_eye(const cpo_link_t *link, uint32_t lane,
                                       cpo_symchan_eye_t *eye);

/** Build the eyes that are not current from the state in force: parked lanes' (not kept
 *  while they park: cpo_link_park_lanes) and, after parked grid points that moved the light,
 *  every lane's; cpo_link_eye and cpo_link_expected_ber then describe the present. For a
 *  report once the run is over: cycles processed after it may differ from a run without it.
 *  @return CPO_OK or CPO_ERR_STATE (nothing processed yet) */
CPO_MUST_USE cpo_status_t cpo_link_refresh_eyes(cpo_link_t *link);

#endif /* CPO_LINK_H */
