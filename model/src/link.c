/* The link: engines' physics folded into per-lane eyes on the slow grid, symbols through
 * cpo_symchan. See cpo/link.h for the contract. */
#include "cpo/link.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpo/log.h"
#include "cpo/monitor.h"
#include "cpo/units.h"
#include "cpo/rng.h"

#define MAX_LANES CPO_LINK_MAX_LANES
#define ADC_HISTORY 64
/* Symbols per lane per inner pass: bounds the noise buffer, keeps the working set in cache. */
#define PASS_SYMBOLS 4096
#define DEFAULT_GRID_S 50e-9
#define DEFAULT_ADC_PERIOD_S 1e-6 /* CMIS monitors update at kHz; converters at ~1 MS/s */
/* Random stream ids beyond the per-lane noise streams 0..MAX_LANES-1. */
#define STREAM_STAT 0x10000u
#define STREAM_ADC 0x20000u
#define STREAM_FAB 0x30000u
/* Ring reverse bias at bring-up above half the swing, so the junction stays reverse biased. */
#define RING_BIAS_MARGIN_V 0.2

typedef enum { EV_DAC, EV_AMBIENT, EV_ELS_AMBIENT } s_event_kind_t;

typedef struct {
  uint64_t cycle;
  s_event_kind_t kind;
  uint32_t channel, index, value;
  double temp_k;
} s_event_t;

/* Per TX lane: what its light looks like over the current grid interval. */
typedef struct {
  double launch_w[16];  /* launched power per (prev, cur) symbol pair */
  double rx_w[16];      /* the same at the far receiver's photodiode */
  double lambda_m;      /* laser line */
  double laser_w;       /* the laser's output before any split */
  double tap_a;         /* tap monitor photocurrent */
  double drop_a;        /* drop-port / dump-port monitor photocurrent */
  double absorbed_w;    /* ring self-heating power (average over symbols) */
  double mod_tau_s;     /* modulator response time (ring photon lifetime or MZM pole) */
  double detuning_m;
  double mzm_phase_rad;
} s_tx_lane_t;

struct cpo_link {
  cpo_link_cfg_t cfg;
  cpo_profile_t prof;
  cpo_link_info_t info;
  uint32_t lanes_per_engine, lasers_per_engine;
  double fibre_t;    /* fibre path power transmission */
  double xt_ratio;   /* adjacent-lane crosstalk */
  uint32_t gray;       /* PAM4 fields are Gray codes */
  double level_amp[4]; /* drive amplitude per level, -1..1 */

  cpo_laser_t *laser[MAX_LANES];
  cpo_ring_t *ring[MAX_LANES];
  cpo_mzm_t *mzm[MAX_LANES];
  double ambient_k[2];
  uint16_t dac[CPO_DAC_COUNT][MAX_LANES];

  s_event_t *events;
  size_t n_events, cap_events;

  uint64_t next_cycle;
  uint64_t last_grid;  /* the latest grid point processed */
  bool grid_started;

  s_tx_lane_t tx[MAX_LANES];
  uint8_t prev_level[MAX_LANES]; /* last symbol each TX lane sent */
  cpo_symchan_eye_t eye[MAX_LANES];
  cpo_symchan_state_t st[MAX_LANES];
  double p_max[MAX_LANES];
  uint64_t gap[MAX_LANES];
  cpo_symchan_errors_t err[MAX_LANES];
  double rx_power_w[MAX_LANES];

  cpo_rng_t *noise_rng[MAX_LANES];
  cpo_rng_t *stat_rng[MAX_LANES];
  cpo_rng_t *adc_rng;
  float *noise;

  /* slow inputs at the last rebuild of the eyes: a grid point whose inputs moved less than
   * the tolerances below keeps the eyes (and the statistical mode's candidate draw) */
  double sig_laser_w[MAX_LANES], sig_laser_m[MAX_LANES], sig_mod[MAX_LANES];
  bool eyes_valid;

  uint16_t adc[ADC_HISTORY][CPO_ADC_COUNT][MAX_LANES];
  uint64_t adc_cycle[ADC_HISTORY]; /* conversion cycle each history slot holds */

  cpo_link_trace_fn trace_fn;
  void *trace_user;
  double tr_laser_w[MAX_LANES], tr_tx_w[MAX_LANES], tr_rx_w[MAX_LANES], tr_detuning_m[MAX_LANES],
      tr_phase_rad[MAX_LANES], tr_temp_k[MAX_LANES], tr_heater_w[MAX_LANES];
};

/* Log a refusal: @p fmt formats @p what (%s) and @p value (%g). */
static cpo_status_t s_reject(const char *fmt, const char *what, double value) {
  char line[256];
  snprintf(line, sizeof line, fmt, what, value);
  cpo_log(CPO_LOG_ERROR, "cpo_link", "%s", line);
  return CPO_ERR_INVALID_ARG;
}

static uint32_t s_engine_of(const cpo_link_t *l, uint32_t lane) { return lane / l->lanes_per_engine; }

static uint32_t s_laser_of(const cpo_link_t *l, uint32_t lane) {
  const uint32_t e = s_engine_of(l, lane), j = lane % l->lanes_per_engine;
  return e * l->lasers_per_engine + j / l->prof.lanes_per_laser;
}

/* The TX lane whose light reaches RX lane r. */
static uint32_t s_source_of(const cpo_link_t *l, uint32_t r) {
  if (l->info.engines == 1)
    return r;
  return r < l->lanes_per_engine ? r + l->lanes_per_engine : r - l->lanes_per_engine;
}

static double s_dac_si(const cpo_link_t *l, uint32_t ch, uint32_t index) {
  return cpo_dac_code_to_si(ch, l->dac[ch][index]);
}

/* ---- physics of one grid interval ------------------------------------------------------ */

/* Laser power reaching lane t's tap: the laser's share after split and coupling. */
static double s_lane_input_w(const cpo_link_t *l, uint32_t t) {
  const cpo_profile_t *pr = &l->prof;
  const double split_db = pr->lanes_per_laser > 1 ? pr->laser_split_excess_db : 0.0;
  return cpo_laser_power_w(l->laser[s_laser_of(l, t)]) / pr->lanes_per_laser *
         cpo_db_to_ratio(-(split_db + pr->laser_coupling_db));
}

static void s_build_tx_lane(cpo_link_t *l, uint32_t t) {
  const cpo_profile_t *pr = &l->prof;
  s_tx_lane_t *tx = &l->tx[t];
  const cpo_laser_t *laser = l->laser[s_laser_of(l, t)];
  const uint32_t levels = l->info.levels;
  tx->laser_w = cpo_laser_power_w(laser);
  tx->lambda_m = cpo_laser_wavelength_m(laser);
  const double lane_w = s_lane_input_w(l, t);
  const double responsivity = cpo_receiver_responsivity_a_per_w(&pr->receiver, tx->lambda_m);
  tx->tap_a = cpo_monitor_pd_current_a(responsivity, pr->tap_ratio, lane_w,
                                       pr->receiver.dark_current_a);
  const double mod_in_w = lane_w * (1.0 - pr->tap_ratio);
  const double swing_v = s_dac_si(l, CPO_DAC_DRIVER_SWING, t);
  const double bias_v = s_dac_si(l, CPO_DAC_MOD_BIAS, t);
  const double post = s_dac_si(l, CPO_DAC_TX_FFE_POST, t);
  const double main_tap = 1.0 - fabs(post); /* FFE keeps the peak swing */
  double lost_w = 0.0, dump_w = 0.0;
  for (uint32_t p = 0; p < levels; p++) {
    for (uint32_t c = 0; c < levels; c++) {
      const double v =
          bias_v + 0.5 * swing_v * (main_tap * l->level_amp[c] + post * l->level_amp[p]);
      double trans;
      if (pr->modulator == CPO_MODULATOR_RING) {
        trans = cpo_ring_transmission(l->ring[t], tx->lambda_m, v);
        lost_w += mod_in_w * (1.0 - cpo_ring_through(cpo_ring_params(l->ring[t]), tx->lambda_m,
                                                     cpo_ring_resonance_m(l->ring[t], v)));
      } else {
        trans = cpo_mzm_transmission(l->mzm[t], v);
        const cpo_mzm_params_t *mp = cpo_mzm_params(l->mzm[t]);
        /* the complementary output carries what the main one does not (same loss) */
        dump_w += mod_in_w * cpo_db_to_ratio(-mp->insertion_loss_db) - mod_in_w * trans;
      }
      tx->launch_w[p * levels + c] = mod_in_w * trans;
      tx->rx_w[p * levels + c] = mod_in_w * trans * l->fibre_t;
    }
  }
  const double pairs = (double)(levels * levels);
  if (pr->modulator == CPO_MODULATOR_RING) {
    const cpo_ring_params_t *rp = cpo_ring_params(l->ring[t]);
    tx->absorbed_w = rp->absorbed_fraction * lost_w / pairs;
    tx->drop_a = cpo_monitor_pd_current_a(responsivity, rp->drop_monitor_fraction, lost_w / pairs,
                                          pr->receiver.dark_current_a);
    tx->detuning_m = tx->lambda_m - cpo_ring_resonance_m(l->ring[t], bias_v);
    /* photon lifetime: the resonance's optical linewidth in Hz sets the modulation pole */
    const double linewidth_hz =
        CPO_C_M_PER_S * cpo_ring_fwhm_m(rp, tx->lambda_m) / (tx->lambda_m * tx->lambda_m);
    tx->mod_tau_s = cpo_pole_tau_s(linewidth_hz);
    tx->mzm_phase_rad = 0.0;
  } else {
    tx->absorbed_w = 0.0;
    tx->drop_a = cpo_monitor_pd_current_a(responsivity, pr->tap_ratio, dump_w / pairs,
                                          pr->receiver.dark_current_a);
    tx->detuning_m = 0.0;
    tx->mod_tau_s = cpo_pole_tau_s(cpo_mzm_params(l->mzm[t])->bandwidth_hz);
    tx->mzm_phase_rad = remainder(cpo_mzm_phase_rad(l->mzm[t], bias_v), 2.0 * CPO_PI);
  }
}

static double s_mean16(const double *tab, uint32_t levels) {
  double s = 0.0;
  for (uint32_t k = 0; k < levels * levels; k++)
    s += tab[k];
  return s / (levels * levels);
}

static void s_build_eye(cpo_link_t *l, uint32_t r) {
  const cpo_profile_t *pr = &l->prof;
  const uint32_t t = s_source_of(l, r), levels = l->info.levels;
  const uint32_t j = t % l->lanes_per_engine;
  const s_tx_lane_t *tx = &l->tx[t];
  cpo_symchan_eye_t *e = &l->eye[r];
  memset(e, 0, sizeof *e);
  e->levels = levels;
  const double resp = cpo_receiver_responsivity_a_per_w(&pr->receiver, tx->lambda_m);
  for (uint32_t k = 0; k < levels * levels; k++)
    e->own_a[k] = resp * tx->rx_w[k];
  double xt_mean_a = 0.0;
  l->rx_power_w[r] = s_mean16(tx->rx_w, levels);
  const uint32_t nb_lane[2] = {t - 1, t + 1};
  const bool nb_exists[2] = {j > 0, j + 1 < l->lanes_per_engine};
  for (int k = 0; k < 2; k++) {
    if (!nb_exists[k] || !(l->xt_ratio > 0.0))
      continue;
    e->has_neighbour[k] = 1;
    const s_tx_lane_t *nb = &l->tx[nb_lane[k]];
    for (uint32_t q = 0; q < levels * levels; q++)
      e->xt_a[k][q] = resp * l->xt_ratio * nb->rx_w[q];
    xt_mean_a += s_mean16(e->xt_a[k], levels);
    l->rx_power_w[r] += l->xt_ratio * s_mean16(nb->rx_w, levels);
  }
  /* bandwidth ISI of driver, modulator and receiver, then the RX FFE post-cursor tap */
  const double tau_drv = cpo_pole_tau_s(pr->driver_bandwidth_hz);
  const double tau_rx = cpo_pole_tau_s(pr->receiver.bandwidth_hz);
  const double tau = sqrt(tau_drv * tau_drv + tx->mod_tau_s * tx->mod_tau_s + tau_rx * tau_rx);
  double h[CPO_ISI_TAPS];
  cpo_isi_taps(tau, 1.0 / l->info.baud_hz, h);
  const double ffe = s_dac_si(l, CPO_DAC_RX_FFE_POST, r);
  double gain = 0.0;
  for (int k = 0; k < CPO_SYMCHAN_TAPS; k++) {
    e->taps[k] = (k < CPO_ISI_TAPS ? h[k] : 0.0) + (k > 0 ? ffe * h[k - 1] : 0.0);
    gain += e->taps[k];
  }
  /* noise per sent level at its steady current; RX FFE adds the previous sample's noise */
  const double b_hz = cpo_receiver_noise_bandwidth_hz(&pr->receiver);
  const double rin = cpo_db_to_ratio(cpo_laser_params(l->laser[s_laser_of(l, t)])->rin_db_per_hz);
  double mean_a[4] = {0, 0, 0, 0};
  for (uint32_t s = 0; s < levels; s++) {
    const double i_a = e->own_a[s * levels + s];
    mean_a[s] = gain * (i_a + xt_mean_a);
    const double var = cpo_receiver_noise_variance_a2(&pr->receiver, i_a + xt_mean_a) +
                       rin * i_a * i_a * b_hz;
    e->sigma_a[s] = sqrt(var * (1.0 + ffe * ffe));
  }
  /* AGC-normalised thresholds: code 0 at the lowest level's mean, 4096 at the highest */
  const double lo = mean_a[0], span = mean_a[levels - 1] - mean_a[0];
  if (levels == 2) {
    e->threshold_a[0] = lo + s_dac_si(l, CPO_DAC_RX_THRESHOLD_MID, r) * span;
  } else {
    e->threshold_a[0] = lo + s_dac_si(l, CPO_DAC_RX_THRESHOLD_LO, r) * span;
    e->threshold_a[1] = lo + s_dac_si(l, CPO_DAC_RX_THRESHOLD_MID, r) * span;
    e->threshold_a[2] = lo + s_dac_si(l, CPO_DAC_RX_THRESHOLD_HI, r) * span;
    /* the slicer's decision is the count of thresholds exceeded, which only depends on their
     * sorted values: sort them, so the eye keeps its ascending form whatever the registers */
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2 - a; b++)
        if (e->threshold_a[b] > e->threshold_a[b + 1]) {
          const double tmp = e->threshold_a[b];
          e->threshold_a[b] = e->threshold_a[b + 1];
          e->threshold_a[b + 1] = tmp;
        }
  }
}

static void s_rebuild(cpo_link_t *l) {
  for (uint32_t t = 0; t < l->info.lanes; t++)
    s_build_tx_lane(l, t);
  for (uint32_t r = 0; r < l->info.lanes; r++) {
    s_build_eye(l, r);
    if (l->cfg.fidelity == CPO_FIDELITY_STATISTICAL) {
      l->p_max[r] = cpo_symchan_error_bound(&l->eye[r]);
      l->gap[r] = UINT64_MAX; /* memoryless: redraw the next candidate under the new eye */
    }
  }
}

/* Push the DAC values into the physical objects. */
static void s_apply_dacs(cpo_link_t *l) {
  for (uint32_t k = 0; k < l->info.lasers; k++)
    cpo_laser_set_current(l->laser[k], s_dac_si(l, CPO_DAC_LASER_CURRENT, k));
  for (uint32_t t = 0; t < l->info.lanes; t++) {
    const double heater_w = s_dac_si(l, CPO_DAC_HEATER, t);
    if (l->ring[t])
      cpo_ring_set_heater(l->ring[t], heater_w);
    if (l->mzm[t])
      cpo_mzm_set_heater(l->mzm[t], heater_w);
  }
}

/* Lasers of an external source (ELSFP) sit in the faceplate: they follow their own ambient,
 * not the engine's case. */
static bool s_lasers_external(const cpo_link_t *l) { return l->prof.els_ambient_k > 0.0; }

static void s_set_laser_ambient(cpo_link_t *l, uint32_t engine, double temp_k) {
  for (uint32_t k = engine * l->lasers_per_engine; k < (engine + 1) * l->lasers_per_engine; k++)
    cpo_laser_set_ambient(l->laser[k], temp_k);
}

static void s_set_ambient(cpo_link_t *l, uint32_t engine, double temp_k) {
  l->ambient_k[engine] = temp_k;
  if (!s_lasers_external(l))
    s_set_laser_ambient(l, engine, temp_k);
  for (uint32_t t = engine * l->lanes_per_engine; t < (engine + 1) * l->lanes_per_engine; t++) {
    if (l->ring[t])
      cpo_ring_set_ambient(l->ring[t], temp_k);
    if (l->mzm[t])
      cpo_mzm_set_ambient(l->mzm[t], temp_k);
  }
}

static double s_mod_temp_k(const cpo_link_t *l, uint32_t t) {
  return l->ring[t] ? cpo_ring_temp_k(l->ring[t]) : l->ambient_k[s_engine_of(l, t)];
}

static void s_sample_adcs(cpo_link_t *l, uint64_t g) {
  const uint32_t slot = (uint32_t)((g / l->info.adc_cycles) % ADC_HISTORY);
  l->adc_cycle[slot] = g;
  const double noise_lsb = l->prof.adc_noise_lsb;
  for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++) {
    const cpo_analog_channel_info_t *ci = cpo_adc_info(ch);
    const cpo_adc_params_t adc = {CPO_ANALOG_CODE_BITS, ci->lsb, 0.0, noise_lsb};
    const uint32_t n = ci->per_laser ? l->info.lasers : l->info.lanes;
    for (uint32_t k = 0; k < n; k++) {
      double v = 0.0;
      switch (ch) {
      case CPO_ADC_TAP_PD:
        v = l->tx[k].tap_a;
        break;
      case CPO_ADC_DROP_PD:
        v = l->tx[k].drop_a;
        break;
      case CPO_ADC_MOD_TEMP:
        v = s_mod_temp_k(l, k);
        break;
      case CPO_ADC_RX_POWER:
        v = l->rx_power_w[k];
        break;
      case CPO_ADC_LASER_POWER:
        v = cpo_laser_power_w(l->laser[k]);
        break;
      case CPO_ADC_LASER_TEMP:
        v = cpo_laser_junction_k(l->laser[k]);
        break;
      default:
        break;
      }
      l->adc[slot][ch][k] = (uint16_t)cpo_adc_quantise(&adc, v, cpo_rng_normal(l->adc_rng));
    }
  }
}

static void s_emit_trace(cpo_link_t *l, uint64_t g) {
  if (!l->trace_fn)
    return;
  for (uint32_t t = 0; t < l->info.lanes; t++) {
    l->tr_laser_w[t] = l->tx[t].laser_w;
    l->tr_tx_w[t] = s_mean16(l->tx[t].launch_w, l->info.levels);
    l->tr_rx_w[t] = l->rx_power_w[t];
    l->tr_detuning_m[t] = l->tx[t].detuning_m;
    l->tr_phase_rad[t] = l->tx[t].mzm_phase_rad;
    l->tr_temp_k[t] = s_mod_temp_k(l, t);
    l->tr_heater_w[t] = l->ring[t] ? cpo_ring_heater_w(l->ring[t]) : cpo_mzm_heater_w(l->mzm[t]);
  }
  const cpo_link_trace_t sample = {
      .cycle = g,
      .time_s = (double)g * l->info.cycle_s,
      .lanes = l->info.lanes,
      .laser_power_w = l->tr_laser_w,
      .tx_power_w = l->tr_tx_w,
      .rx_power_w = l->tr_rx_w,
      .detuning_m = l->tr_detuning_m,
      .mzm_phase_rad = l->tr_phase_rad,
      .temp_k = l->tr_temp_k,
      .heater_w = l->tr_heater_w,
  };
  l->trace_fn(l->trace_user, &sample);
}

/* Tolerances below which a slow input counts as unchanged: far below anything the eye can
 * resolve (the ring's linewidth is ~1.7e-10 m; a 1e-9 relative power change moves a level by
 * a billionth of its value). */
#define SAME_POWER_REL 1e-9
#define SAME_LENGTH_M 1e-17
#define SAME_PHASE_RAD 1e-9

/* Record the slow inputs of the eyes; return whether any moved beyond the tolerances since the
 * previous record (always true when @p force). */
static bool s_inputs_moved(cpo_link_t *l, bool force) {
  bool moved = force || !l->eyes_valid;
  for (uint32_t k = 0; k < l->info.lasers && !moved; k++) {
    const double w = cpo_laser_power_w(l->laser[k]), m = cpo_laser_wavelength_m(l->laser[k]);
    moved = fabs(w - l->sig_laser_w[k]) > SAME_POWER_REL * fabs(l->sig_laser_w[k]) ||
            (w == 0.0) != (l->sig_laser_w[k] == 0.0) || fabs(m - l->sig_laser_m[k]) > SAME_LENGTH_M;
  }
  for (uint32_t t = 0; t < l->info.lanes && !moved; t++) {
    const double v = l->ring[t] ? cpo_ring_thermal_shift_m(l->ring[t])
                                : cpo_mzm_heater_phase_rad(l->mzm[t]);
    moved = fabs(v - l->sig_mod[t]) > (l->ring[t] ? SAME_LENGTH_M : SAME_PHASE_RAD);
  }
  if (moved) {
    for (uint32_t k = 0; k < l->info.lasers; k++) {
      l->sig_laser_w[k] = cpo_laser_power_w(l->laser[k]);
      l->sig_laser_m[k] = cpo_laser_wavelength_m(l->laser[k]);
    }
    for (uint32_t t = 0; t < l->info.lanes; t++)
      l->sig_mod[t] = l->ring[t] ? cpo_ring_thermal_shift_m(l->ring[t])
                                 : cpo_mzm_heater_phase_rad(l->mzm[t]);
  }
  return moved;
}

/* Everything that happens at grid point g (see cpo/link.h for the order). */
static void s_grid_step(cpo_link_t *l, uint64_t g) {
  const double dt_s = l->grid_started ? (double)(g - l->last_grid) * l->info.cycle_s : 0.0;
  if (dt_s > 0.0) {
    for (uint32_t k = 0; k < l->info.lasers; k++)
      cpo_laser_step(l->laser[k], dt_s);
    for (uint32_t t = 0; t < l->info.lanes; t++) {
      if (l->ring[t])
        cpo_ring_step(l->ring[t], dt_s, l->tx[t].absorbed_w);
      if (l->mzm[t])
        cpo_mzm_step(l->mzm[t], dt_s);
    }
  }
  size_t k = 0;
  for (; k < l->n_events && l->events[k].cycle <= g; k++) {
    const s_event_t *ev = &l->events[k];
    if (ev->kind == EV_DAC)
      l->dac[ev->channel][ev->index] = (uint16_t)ev->value;
    else if (ev->kind == EV_AMBIENT)
      s_set_ambient(l, ev->index, ev->temp_k);
    else
      s_set_laser_ambient(l, ev->index, ev->temp_k);
  }
  if (k > 0) {
    memmove(l->events, l->events + k, (l->n_events - k) * sizeof *l->events);
    l->n_events -= k;
  }
  s_apply_dacs(l);
  if (s_inputs_moved(l, k > 0)) {
    s_rebuild(l);
    l->eyes_valid = true;
  }
  if (g % l->info.adc_cycles == 0)
    s_sample_adcs(l, g);
  s_emit_trace(l, g);
  l->last_grid = g;
  l->grid_started = true;
}

/* ---- bring-up state ------------------------------------------------------------------- */

/* Settle a first-order state: one step far longer than its time constant lands on the target. */
#define SETTLE_S 1.0

static void s_settle_lasers(cpo_link_t *l) {
  for (int it = 0; it < 60; it++) /* the junction's fixed point: T = T_amb + R_th P_diss(T) */
    for (uint32_t k = 0; k < l->info.lasers; k++)
      cpo_laser_step(l->laser[k], SETTLE_S);
}

/* Heater power that puts the resonance (at the bias) `detuning` red of the laser line, with the
 * self-heating at that operating point; adds FSRs if the ring would need cooling. */
static double s_ring_lock_heater_w(cpo_link_t *l, uint32_t t, double bias_v, double swing_v,
                                   double *absorbed_w) {
  cpo_ring_t *ring = l->ring[t];
  const cpo_ring_params_t *rp = cpo_ring_params(ring);
  const double lambda_m = cpo_laser_wavelength_m(l->laser[s_laser_of(l, t)]);
  const double target_m = lambda_m + l->prof.ring_detuning_fwhm * cpo_ring_fwhm_m(rp, lambda_m);
  const double now_m = cpo_ring_resonance_m(ring, bias_v) - cpo_ring_thermal_shift_m(ring);
  /* power lost in the ring at the target, averaged over the symbol levels */
  const double in_w = s_lane_input_w(l, t) * (1.0 - l->prof.tap_ratio);
  double lost_w = 0.0;
  for (uint32_t s = 0; s < l->info.levels; s++) {
    const double v = 0.5 * swing_v * l->level_amp[s];
    lost_w += in_w * (1.0 - cpo_ring_through(rp, lambda_m, target_m + rp->eo_shift_m_per_v * v));
  }
  lost_w /= l->info.levels;
  *absorbed_w = rp->absorbed_fraction * lost_w;
  double shift_m = target_m - now_m - rp->self_heating_m_per_w * rp->absorbed_fraction * lost_w;
  while (shift_m < 0.0)
    shift_m += cpo_ring_fsr_m(rp, lambda_m);
  const double heater_w = shift_m / rp->heater_shift_m_per_w;
  return heater_w < rp->heater_max_w ? heater_w : rp->heater_max_w;
}

static void s_set_dac_si(cpo_link_t *l, uint32_t ch, uint32_t index, double value) {
  l->dac[ch][index] = (uint16_t)cpo_dac_si_to_code(ch, value);
}

static void s_power_on_defaults(cpo_link_t *l) {
  for (uint32_t t = 0; t < l->info.lanes; t++) {
    s_set_dac_si(l, CPO_DAC_DRIVER_SWING, t, l->prof.driver_swing_v);
    s_set_dac_si(l, CPO_DAC_RX_THRESHOLD_LO, t, 1.0 / 6.0);
    s_set_dac_si(l, CPO_DAC_RX_THRESHOLD_MID, t, 0.5);
    s_set_dac_si(l, CPO_DAC_RX_THRESHOLD_HI, t, 5.0 / 6.0);
  }
}

static void s_calibrate(cpo_link_t *l) {
  const cpo_profile_t *pr = &l->prof;
  for (uint32_t k = 0; k < l->info.lasers; k++)
    s_set_dac_si(l, CPO_DAC_LASER_CURRENT, k, pr->laser_nominal_current_a);
  s_apply_dacs(l);
  s_settle_lasers(l);
  double absorbed_w[MAX_LANES] = {0};
  for (uint32_t t = 0; t < l->info.lanes; t++) {
    const double swing_v = s_dac_si(l, CPO_DAC_DRIVER_SWING, t);
    if (l->ring[t]) {
      const double bias_v = 0.5 * swing_v + RING_BIAS_MARGIN_V;
      s_set_dac_si(l, CPO_DAC_MOD_BIAS, t, bias_v);
      s_set_dac_si(l, CPO_DAC_HEATER, t,
                   s_ring_lock_heater_w(l, t, bias_v, swing_v, &absorbed_w[t]));
    } else {
      /* quadrature on the rising slope at zero drive: phase -pi/2 (mod 2 pi) by the heater */
      const cpo_mzm_params_t *mp = cpo_mzm_params(l->mzm[t]);
      const double rest = cpo_mzm_phase_rad(l->mzm[t], 0.0) - cpo_mzm_heater_phase_rad(l->mzm[t]);
      double need = fmod(-0.5 * CPO_PI - rest, 2.0 * CPO_PI);
      if (need < 0.0)
        need += 2.0 * CPO_PI;
      s_set_dac_si(l, CPO_DAC_HEATER, t, need / mp->heater_rad_per_w);
    }
  }
  s_apply_dacs(l);
  /* start in thermal equilibrium at the lock point: heater plus the self-heating there (an
   * iteration would not do: on the stable blue side the loop gain of self-heating exceeds 1) */
  for (uint32_t t = 0; t < l->info.lanes; t++) {
    if (l->ring[t])
      cpo_ring_step(l->ring[t], SETTLE_S, absorbed_w[t]);
    if (l->mzm[t])
      cpo_mzm_step(l->mzm[t], SETTLE_S);
  }
  /* RX FFE cancels the first ISI post-cursor; thresholds at the midpoints of the level means */
  s_rebuild(l);
  for (uint32_t r = 0; r < l->info.lanes; r++) {
    const cpo_symchan_eye_t *e = &l->eye[r];
    s_set_dac_si(l, CPO_DAC_RX_FFE_POST, r, -e->taps[1] / e->taps[0]);
  }
  s_rebuild(l);
  for (uint32_t r = 0; r < l->info.lanes; r++) {
    const cpo_symchan_eye_t *e = &l->eye[r];
    const uint32_t levels = e->levels;
    double m[4] = {0, 0, 0, 0};
    for (uint32_t s = 0; s < levels; s++)
      m[s] = e->own_a[s * levels + s];
    const double span = m[levels - 1] - m[0];
    if (!(span > 0.0))
      continue;
    if (levels == 2) {
      s_set_dac_si(l, CPO_DAC_RX_THRESHOLD_MID, r, 0.5);
    } else {
      s_set_dac_si(l, CPO_DAC_RX_THRESHOLD_LO, r, ((m[0] + m[1]) / 2 - m[0]) / span);
      s_set_dac_si(l, CPO_DAC_RX_THRESHOLD_MID, r, ((m[1] + m[2]) / 2 - m[0]) / span);
      s_set_dac_si(l, CPO_DAC_RX_THRESHOLD_HI, r, ((m[2] + m[3]) / 2 - m[0]) / span);
    }
  }
}

/* ---- lifecycle ------------------------------------------------------------------------ */

static cpo_status_t s_check_cfg(const cpo_link_cfg_t *cfg, const cpo_profile_t *pr,
                                uint32_t *lanes, uint32_t *bps, double *baud) {
  const uint32_t engines = cfg->topology == CPO_TOPOLOGY_TWO_ENGINES ? 2 : 1;
  if (cfg->topology != CPO_TOPOLOGY_LOOPBACK && cfg->topology != CPO_TOPOLOGY_TWO_ENGINES)
    return s_reject("%s %g: not a topology", "topology", cfg->topology);
  if (cfg->fidelity != CPO_FIDELITY_BIT_TRUE && cfg->fidelity != CPO_FIDELITY_STATISTICAL)
    return s_reject("%s %g: not a fidelity mode", "fidelity", cfg->fidelity);
  *lanes = cfg->lanes ? cfg->lanes : pr->lanes * engines;
  if (*lanes < engines || *lanes > MAX_LANES || *lanes % engines != 0 ||
      *lanes / engines > pr->lanes)
    return s_reject("%s %g: must be 1..the profile's lanes per engine, times the engines, "
                    "at most 128",
                    "lanes", *lanes);
  *bps = cfg->bits_per_symbol ? cfg->bits_per_symbol : pr->bits_per_symbol;
  if (*bps != 1 && *bps != 2)
    return s_reject("%s %g: must be 1 (NRZ) or 2 (PAM4)", "bits_per_symbol", *bps);
  if (cfg->symbols_per_cycle < 1 || cfg->symbols_per_cycle * *bps > 64)
    return s_reject("%s %g: symbols_per_cycle x bits_per_symbol must be 1..64",
                    "symbols_per_cycle", cfg->symbols_per_cycle);
  *baud = cfg->baud_hz != 0.0 ? cfg->baud_hz : pr->baud_hz;
  if (!(*baud > 0.0) || !isfinite(*baud))
    return s_reject("%s %g: must be positive", "baud_hz", *baud);
  if (!(cfg->grid_s >= 0.0) || !isfinite(cfg->grid_s))
    return s_reject("%s %g: must be positive (0 for the default)", "grid_s", cfg->grid_s);
  if (!(cfg->adc_period_s >= 0.0) || !isfinite(cfg->adc_period_s))
    return s_reject("%s %g: must be positive (0 for the default)", "adc_period_s",
                    cfg->adc_period_s);
  if (!(cfg->ambient_k >= 0.0) || !isfinite(cfg->ambient_k))
    return s_reject("%s %g: must be a temperature in kelvin (0 for the profile's)", "ambient_k",
                    cfg->ambient_k);
  if (!(cfg->els_ambient_k >= 0.0) || !isfinite(cfg->els_ambient_k))
    return s_reject("%s %g: must be a temperature in kelvin (0 for the profile's)",
                    "els_ambient_k", cfg->els_ambient_k);
  if (cfg->els_ambient_k > 0.0 && !(pr->els_ambient_k > 0.0))
    return s_reject("%s %g: the profile's lasers sit on the engine (no external laser source)",
                    "els_ambient_k", cfg->els_ambient_k);
  if (pr->lanes_per_laser < 1)
    return s_reject("%s %g: must be at least 1", "lanes_per_laser", pr->lanes_per_laser);
  return CPO_OK;
}

#define F(name) #name, offsetof(cpo_profile_t, name)
/* Physical ranges of the profile's own fields; its laser, modulators, fibre and receiver are
 * checked by their models. */
static const cpo_range_t s_profile_ranges[] = {
    {F(laser_split_excess_db), 0.0, 20.0, CPO_RANGE_CLOSED, "dB"},
    {F(laser_coupling_db), 0.0, 20.0, CPO_RANGE_CLOSED, "dB"},
    {F(laser_nominal_current_a), 0.0, 10.0, CPO_RANGE_CLOSED, "A"},
    {F(ring_fab_offset_min_m), -10e-9, 10e-9, CPO_RANGE_CLOSED, "m"},
    {F(ring_fab_offset_max_m), -10e-9, 10e-9, CPO_RANGE_CLOSED, "m"},
    {F(ring_detuning_fwhm), 0.0, 5.0, CPO_RANGE_CLOSED, ""}, /* blue of resonance: stable */
    {F(mzm_phase_spread_rad), 0.0, 2.0 * CPO_PI, CPO_RANGE_CLOSED, "rad"},
    {F(driver_swing_v), 0.0, 20.0, CPO_RANGE_CLOSED, "V"},
    {F(driver_bandwidth_hz), 0.0, 1e18, CPO_RANGE_OPEN_LO, "Hz"}, /* 1e18: no limit */
    {F(tap_ratio), 0.0, 1.0, CPO_RANGE_OPEN_HI, ""},
    {F(ambient_k), CPO_AMBIENT_MIN_K, CPO_AMBIENT_MAX_K, CPO_RANGE_CLOSED, "K"},
    {F(adc_noise_lsb), 0.0, 1000.0, CPO_RANGE_CLOSED, "LSB"},
    {F(electronics_latency_s), 0.0, 1e-3, CPO_RANGE_CLOSED, "s"},
};
#undef F

static cpo_status_t s_check_profile(const cpo_profile_t *pr) {
  const char *m = "cpo_link (profile)";
  if (!cpo_check_table(m, pr, s_profile_ranges,
                       sizeof s_profile_ranges / sizeof s_profile_ranges[0]) ||
      !cpo_check_range(m, "laser_nominal_current_a", pr->laser_nominal_current_a, 0.0,
                       pr->laser.max_current_a, CPO_RANGE_CLOSED,
                       "A (the laser's max_current_a)") ||
      !cpo_check_range(m, "ring_fab_offset_max_m", pr->ring_fab_offset_max_m,
                       pr->ring_fab_offset_min_m, 10e-9, CPO_RANGE_CLOSED,
                       "m (from ring_fab_offset_min_m)") ||
      (pr->els_ambient_k != 0.0 &&
       !cpo_check_range(m, "els_ambient_k", pr->els_ambient_k, CPO_AMBIENT_MIN_K,
                        CPO_AMBIENT_MAX_K, CPO_RANGE_CLOSED, "K (or 0: lasers on the engine)")))
    return CPO_ERR_INVALID_ARG;
  CPO_TRY(cpo_fibre_check(&pr->fibre));
  return cpo_receiver_check(&pr->receiver);
}

static cpo_status_t s_build_objects(cpo_link_t *l, double laser_ambient_k) {
  const cpo_profile_t *pr = &l->prof;
  const double amb = l->ambient_k[0];
  for (uint32_t k = 0; k < l->info.lasers; k++)
    CPO_TRY(cpo_laser_create(&pr->laser, laser_ambient_k, &l->laser[k]));
  /* the ring design target: heater-off resonance, at the profile's case temperature, a
   * per-ring fabrication offset blue of the warm laser line at the nominal current and the
   * profile's laser ambient */
  double warm_lambda_m = pr->laser.wavelength_m;
  {
    cpo_laser_t *probe = NULL;
    const double design_k = s_lasers_external(l) ? pr->els_ambient_k : pr->ambient_k;
    CPO_TRY(cpo_laser_create(&pr->laser, design_k, &probe));
    cpo_laser_set_current(probe, pr->laser_nominal_current_a);
    for (int it = 0; it < 60; it++)
      cpo_laser_step(probe, SETTLE_S);
    warm_lambda_m = cpo_laser_wavelength_m(probe);
    cpo_laser_destroy(&probe);
  }
  for (uint32_t t = 0; t < l->info.lanes; t++) {
    cpo_rng_t *fab = NULL;
    CPO_TRY(cpo_rng_create(l->cfg.seed, STREAM_FAB + t, &fab));
    const double u = cpo_rng_uniform(fab);
    cpo_rng_destroy(&fab);
    if (pr->modulator == CPO_MODULATOR_RING) {
      cpo_ring_params_t rp = pr->ring;
      const double offset_m =
          pr->ring_fab_offset_min_m + u * (pr->ring_fab_offset_max_m - pr->ring_fab_offset_min_m);
      rp.cold_resonance_m =
          warm_lambda_m - rp.ambient_shift_m_per_k * (pr->ambient_k - rp.ref_temp_k) - offset_m;
      CPO_TRY(cpo_ring_create(&rp, amb, &l->ring[t]));
    } else {
      cpo_mzm_params_t mp = pr->mzm;
      mp.phase_offset_rad += (2.0 * u - 1.0) * pr->mzm_phase_spread_rad;
      CPO_TRY(cpo_mzm_create(&mp, amb, &l->mzm[t]));
    }
    CPO_TRY(cpo_rng_create(l->cfg.seed, t, &l->noise_rng[t]));
    CPO_TRY(cpo_rng_create(l->cfg.seed, STREAM_STAT + t, &l->stat_rng[t]));
  }
  CPO_TRY(cpo_rng_create(l->cfg.seed, STREAM_ADC, &l->adc_rng));
  l->noise = malloc(PASS_SYMBOLS * sizeof *l->noise);
  return l->noise ? CPO_OK : CPO_ERR_NO_MEMORY;
}

cpo_status_t cpo_link_create(const cpo_link_cfg_t *cfg, cpo_link_t **out) {
  if (!cfg || !out)
    return s_reject("%s%g: cfg and out must not be NULL", "", 0);
  cpo_profile_t prof;
  if (cfg->params)
    prof = *cfg->params;
  else
    CPO_TRY(cpo_profile_load(cfg->profile, &prof));
  uint32_t lanes, bps;
  double baud;
  CPO_TRY(s_check_cfg(cfg, &prof, &lanes, &bps, &baud));
  CPO_TRY(s_check_profile(&prof));
  cpo_link_t *l = calloc(1, sizeof *l);
  if (!l)
    return CPO_ERR_NO_MEMORY;
  l->cfg = *cfg;
  l->cfg.profile = NULL;
  l->cfg.params = NULL;
  l->prof = prof;
  cpo_link_info_t *in = &l->info;
  snprintf(in->profile, sizeof in->profile, "%s", prof.name);
  in->engines = cfg->topology == CPO_TOPOLOGY_TWO_ENGINES ? 2 : 1;
  in->lanes = lanes;
  l->lanes_per_engine = lanes / in->engines;
  in->lanes_per_laser = prof.lanes_per_laser;
  l->lasers_per_engine = (l->lanes_per_engine + prof.lanes_per_laser - 1) / prof.lanes_per_laser;
  in->lasers = l->lasers_per_engine * in->engines;
  in->bits_per_symbol = bps;
  in->levels = 1u << bps;
  in->symbols_per_cycle = cfg->symbols_per_cycle;
  in->baud_hz = baud;
  in->cycle_s = cfg->symbols_per_cycle / baud;
  const double grid_s = cfg->grid_s > 0.0 ? cfg->grid_s : DEFAULT_GRID_S;
  const double grid_cycles = floor(grid_s / in->cycle_s + 0.5);
  in->grid_cycles = grid_cycles >= 1.0 ? (uint64_t)grid_cycles : 1;
  const double adc_s = cfg->adc_period_s > 0.0 ? cfg->adc_period_s : DEFAULT_ADC_PERIOD_S;
  const double adc_grids = floor(adc_s / (in->grid_cycles * in->cycle_s) + 0.5);
  in->adc_cycles = in->grid_cycles * (adc_grids >= 1.0 ? (uint64_t)adc_grids : 1);
  in->latency_s = cpo_fibre_latency_s(&prof.fibre) + prof.electronics_latency_s;
  in->latency_cycles = (uint64_t)floor(in->latency_s / in->cycle_s);
  l->fibre_t = cpo_fibre_transmission(&prof.fibre);
  l->xt_ratio = prof.fibre.crosstalk_db < 0.0 ? cpo_fibre_crosstalk_ratio(&prof.fibre) : 0.0;
  if (!isfinite(prof.fibre.crosstalk_db))
    l->xt_ratio = 0.0;
  l->gray = bps == 2 && !cfg->pam4_natural;
  for (uint32_t f = 0; f < in->levels; f++)
    l->level_amp[f] = -1.0 + 2.0 * f / (in->levels - 1);
  const double amb = cfg->ambient_k > 0.0 ? cfg->ambient_k : prof.ambient_k;
  l->ambient_k[0] = l->ambient_k[1] = amb;
  const double els_amb = cfg->els_ambient_k > 0.0 ? cfg->els_ambient_k : prof.els_ambient_k;
  const double laser_amb = s_lasers_external(l) ? els_amb : amb;
  cpo_status_t rc = s_build_objects(l, laser_amb);
  if (rc != CPO_OK) {
    cpo_link_destroy(&l);
    return rc;
  }
  s_power_on_defaults(l);
  if (cfg->start_calibrated)
    s_calibrate(l);
  s_apply_dacs(l);
  *out = l;
  return CPO_OK;
}

void cpo_link_destroy(cpo_link_t **link) {
  if (!link || !*link)
    return;
  cpo_link_t *l = *link;
  for (uint32_t k = 0; k < MAX_LANES; k++) {
    cpo_laser_destroy(&l->laser[k]);
    cpo_ring_destroy(&l->ring[k]);
    cpo_mzm_destroy(&l->mzm[k]);
    cpo_rng_destroy(&l->noise_rng[k]);
    cpo_rng_destroy(&l->stat_rng[k]);
  }
  cpo_rng_destroy(&l->adc_rng);
  free(l->noise);
  free(l->events);
  free(l);
  *link = NULL;
}

void cpo_link_get_info(const cpo_link_t *link, cpo_link_info_t *info) {
  assert(link && info);
  *info = link->info;
}

/* ---- schedule ------------------------------------------------------------------------- */

static cpo_status_t s_schedule(cpo_link_t *l, const s_event_t *ev) {
  if (ev->cycle < l->next_cycle) {
    cpo_log(CPO_LOG_ERROR, "cpo_link", "event for cycle %llu, already processed up to %llu",
            (unsigned long long)ev->cycle, (unsigned long long)l->next_cycle);
    return CPO_ERR_RANGE;
  }
  if (l->n_events == l->cap_events) {
    const size_t cap = l->cap_events ? 2 * l->cap_events : 64;
    s_event_t *grown = realloc(l->events, cap * sizeof *grown);
    if (!grown)
      return CPO_ERR_NO_MEMORY;
    l->events = grown;
    l->cap_events = cap;
  }
  /* stable: after every event at the same or an earlier cycle */
  size_t at = l->n_events;
  while (at > 0 && l->events[at - 1].cycle > ev->cycle)
    at--;
  memmove(l->events + at + 1, l->events + at, (l->n_events - at) * sizeof *l->events);
  l->events[at] = *ev;
  l->n_events++;
  return CPO_OK;
}

cpo_status_t cpo_link_set_dac(cpo_link_t *link, uint32_t channel, uint32_t index, uint32_t value,
                              uint64_t effective_cycle) {
  assert(link);
  const cpo_analog_channel_info_t *ci = cpo_dac_info(channel);
  if (!ci)
    return s_reject("set_dac: %s %g does not exist", "channel", channel);
  if (index >= (ci->per_laser ? link->info.lasers : link->info.lanes))
    return s_reject("set_dac: %s %g out of range", ci->per_laser ? "laser" : "lane", index);
  if (value > 0xFFFFu)
    return s_reject("set_dac: %s %g is over 16 bits", "value", value);
  const s_event_t ev = {effective_cycle, EV_DAC, channel, index, value, 0.0};
  return s_schedule(link, &ev);
}

uint32_t cpo_link_dac(const cpo_link_t *link, uint32_t channel, uint32_t index) {
  assert(link);
  if (channel >= CPO_DAC_COUNT || index >= MAX_LANES)
    return 0;
  return link->dac[channel][index];
}

cpo_status_t cpo_link_set_ambient(cpo_link_t *link, uint32_t engine, double temp_k,
                                  uint64_t effective_cycle) {
  assert(link);
  if (engine >= link->info.engines)
    return s_reject("set_ambient: %s %g does not exist", "engine", engine);
  if (!(temp_k > 0.0) || !isfinite(temp_k))
    return s_reject("set_ambient: %s %g K is not a temperature", "temp_k", temp_k);
  const s_event_t ev = {effective_cycle, EV_AMBIENT, 0, engine, 0, temp_k};
  return s_schedule(link, &ev);
}

cpo_status_t cpo_link_set_els_ambient(cpo_link_t *link, uint32_t engine, double temp_k,
                                      uint64_t effective_cycle) {
  assert(link);
  if (!s_lasers_external(link)) {
    cpo_log(CPO_LOG_ERROR, "cpo_link",
            "set_els_ambient: profile %s has no external laser source (its lasers follow the "
            "engine's ambient)",
            link->prof.name);
    return CPO_ERR_INVALID_ARG;
  }
  if (engine >= link->info.engines)
    return s_reject("set_els_ambient: %s %g does not exist", "engine", engine);
  if (!(temp_k > 0.0) || !isfinite(temp_k))
    return s_reject("set_els_ambient: %s %g K is not a temperature", "temp_k", temp_k);
  const s_event_t ev = {effective_cycle, EV_ELS_AMBIENT, 0, engine, 0, temp_k};
  return s_schedule(link, &ev);
}

/* ---- datapath ------------------------------------------------------------------------- */

/* Cycles [c0, c0 + n) of one grid interval; tx/rx point at cycle c0's words. */
static void s_run_interval(cpo_link_t *l, uint32_t n_cycles, const uint64_t *tx, uint64_t *rx) {
  const uint32_t lanes = l->info.lanes, spc = l->info.symbols_per_cycle;
  const uint32_t n = n_cycles * spc;
  const uint64_t mask = spc * l->info.bits_per_symbol >= 64
                            ? ~UINT64_C(0)
                            : (UINT64_C(1) << (spc * l->info.bits_per_symbol)) - 1;
  cpo_symchan_input_t in = {
      .stride = lanes,
      .symbols_per_word = spc,
      .bits_per_symbol = l->info.bits_per_symbol,
      .gray = l->gray,
  };
  const bool bit_true = l->cfg.fidelity == CPO_FIDELITY_BIT_TRUE;
  if (!bit_true) {
    /* statistical: every symbol is decided as sent unless drawn otherwise */
    const uint32_t half = l->lanes_per_engine;
    for (uint32_t c = 0; c < n_cycles; c++) {
      const uint64_t *src = tx + (size_t)c * lanes;
      uint64_t *dst = rx + (size_t)c * lanes;
      if (l->info.engines == 1) {
        if (mask == ~UINT64_C(0)) {
          memcpy(rx, tx, (size_t)n_cycles * lanes * sizeof *rx);
          break;
        }
        for (uint32_t r = 0; r < lanes; r++)
          dst[r] = src[r] & mask;
      } else {
        for (uint32_t r = 0; r < half; r++) {
          dst[r] = src[r + half] & mask;
          dst[r + half] = src[r] & mask;
        }
      }
    }
  }
  /* statistical: each TX lane's last symbols, read once for the lanes that see its light */
  const bool tails = !bit_true && n > CPO_SYMCHAN_TAPS - 1;
  uint8_t tail[MAX_LANES][CPO_SYMCHAN_TAPS];
  const uint32_t bps = l->info.bits_per_symbol;
  const uint64_t field_mask = (UINT64_C(1) << bps) - 1;
  for (uint32_t t = 0; tails && t < lanes; t++) {
    if (spc >= CPO_SYMCHAN_TAPS) { /* all in the last word */
      const uint64_t word = tx[(size_t)(n_cycles - 1) * lanes + t];
      for (uint32_t j = 0; j < CPO_SYMCHAN_TAPS; j++) {
        const uint32_t f =
            (uint32_t)(word >> ((spc - CPO_SYMCHAN_TAPS + j) * bps) & field_mask);
        tail[t][j] = (uint8_t)(l->gray ? f ^ (f >> 1) : f);
      }
    } else {
      const cpo_symchan_stream_t s = {tx + t, l->prev_level[t]};
      for (uint32_t j = 0; j < CPO_SYMCHAN_TAPS; j++)
        tail[t][j] = cpo_symchan_level(&in, &s, (int64_t)n - CPO_SYMCHAN_TAPS + j);
    }
  }
  for (uint32_t r = 0; r < lanes; r++) {
    const uint32_t t = s_source_of(l, r);
    in.own.words = tx + t;
    in.own.prev = l->prev_level[t];
    in.nb[0].words = l->eye[r].has_neighbour[0] ? tx + t - 1 : NULL;
    in.nb[0].prev = l->eye[r].has_neighbour[0] ? l->prev_level[t - 1] : 0;
    in.nb[1].words = l->eye[r].has_neighbour[1] ? tx + t + 1 : NULL;
    in.nb[1].prev = l->eye[r].has_neighbour[1] ? l->prev_level[t + 1] : 0;
    if (bit_true) {
      cpo_rng_fill_normal_f32(l->noise_rng[r], l->noise, n);
      cpo_symchan_bit_true(&l->eye[r], &l->st[r], &in, n, l->noise, rx + r, &l->err[r]);
    } else {
      cpo_symchan_statistical(&l->eye[r], &l->st[r], &in, n, l->p_max[r], &l->gap[r],
                              l->stat_rng[r], rx + r, &l->err[r]);
      if (tails) {
        const uint8_t *const t3[3] = {tail[t], l->eye[r].has_neighbour[0] ? tail[t - 1] : NULL,
                                      l->eye[r].has_neighbour[1] ? tail[t + 1] : NULL};
        cpo_symchan_advance_tail(&l->eye[r], &l->st[r], t3);
      } else {
        cpo_symchan_advance(&l->eye[r], &l->st[r], &in, n);
      }
    }
  }
  for (uint32_t t = 0; t < lanes; t++) {
    if (tails) {
      l->prev_level[t] = tail[t][CPO_SYMCHAN_TAPS - 1];
    } else {
      const cpo_symchan_stream_t s = {tx + t, l->prev_level[t]};
      l->prev_level[t] = cpo_symchan_level(&in, &s, n - 1);
    }
  }
}

cpo_status_t cpo_link_process(cpo_link_t *link, uint64_t first_cycle, uint32_t count,
                              const uint64_t *tx, uint64_t *rx) {
  assert(link);
  cpo_link_t *l = link;
  if (first_cycle != l->next_cycle) {
    cpo_log(CPO_LOG_ERROR, "cpo_link", "process: first_cycle %llu, expected %llu",
            (unsigned long long)first_cycle, (unsigned long long)l->next_cycle);
    return CPO_ERR_INVALID_ARG;
  }
  if (count == 0)
    return CPO_OK;
  if (!tx || !rx)
    return s_reject("process: %s%g must not be NULL", "tx and rx", 0);
  const uint32_t lanes = l->info.lanes;
  const uint64_t grid = l->info.grid_cycles;
  const uint32_t pass_cycles = PASS_SYMBOLS / l->info.symbols_per_cycle;
  uint64_t c = first_cycle;
  const uint64_t end = first_cycle + count;
  while (c < end) {
    if (c % grid == 0 && (!l->grid_started || l->last_grid != c))
      s_grid_step(l, c);
    const uint64_t interval_end = (c / grid + 1) * grid;
    uint64_t stop = end < interval_end ? end : interval_end;
    if (l->cfg.fidelity == CPO_FIDELITY_BIT_TRUE && stop - c > pass_cycles)
      stop = c + pass_cycles; /* the noise buffer's size; the statistical mode needs none */
    const size_t off = (size_t)(c - first_cycle) * lanes;
    s_run_interval(l, (uint32_t)(stop - c), tx + off, rx + off);
    c = stop;
  }
  l->next_cycle = end;
  return CPO_OK;
}

/* ---- outputs -------------------------------------------------------------------------- */

cpo_status_t cpo_link_adc(const cpo_link_t *link, uint64_t cycle, uint32_t channel,
                          uint32_t index, uint32_t *code) {
  assert(link && code);
  const cpo_analog_channel_info_t *ci = cpo_adc_info(channel);
  if (!ci)
    return CPO_ERR_INVALID_ARG;
  if (index >= (ci->per_laser ? link->info.lasers : link->info.lanes))
    return CPO_ERR_INVALID_ARG;
  if (cycle >= link->next_cycle || !link->grid_started)
    return CPO_ERR_RANGE;
  const uint64_t g = cycle / link->info.adc_cycles * link->info.adc_cycles;
  const uint32_t slot = (uint32_t)((g / link->info.adc_cycles) % ADC_HISTORY);
  if (link->adc_cycle[slot] != g)
    return CPO_ERR_RANGE;
  *code = link->adc[slot][channel][index];
  return CPO_OK;
}

void cpo_link_set_trace(cpo_link_t *link, cpo_link_trace_fn fn, void *user) {
  assert(link);
  link->trace_fn = fn;
  link->trace_user = user;
}

uint64_t cpo_link_symbol_errors(const cpo_link_t *link, uint32_t lane) {
  return lane < link->info.lanes ? link->err[lane].symbol_errors : 0;
}

uint64_t cpo_link_bit_errors(const cpo_link_t *link, uint32_t lane) {
  return lane < link->info.lanes ? link->err[lane].bit_errors : 0;
}

cpo_status_t cpo_link_eye(const cpo_link_t *link, uint32_t lane, cpo_symchan_eye_t *eye) {
  assert(link && eye);
  if (lane >= link->info.lanes)
    return CPO_ERR_INVALID_ARG;
  if (!link->grid_started)
    return CPO_ERR_STATE;
  *eye = link->eye[lane];
  return CPO_OK;
}

cpo_status_t cpo_link_tx_levels(const cpo_link_t *link, uint32_t lane, cpo_link_tx_levels_t *out) {
  assert(link && out);
  if (lane >= link->info.lanes)
    return CPO_ERR_INVALID_ARG;
  if (!link->grid_started)
    return CPO_ERR_STATE;
  const s_tx_lane_t *tx = &link->tx[lane];
  const uint32_t levels = link->info.levels;
  const double coupler = cpo_db_to_ratio(-link->prof.fibre.coupler_loss_db);
  cpo_link_tx_levels_t m = {.levels = levels, .average_w = coupler * s_mean16(tx->launch_w, levels)};
  double lo = INFINITY, hi = 0.0;
  for (uint32_t s = 0; s < levels; s++) {
    m.level_w[s] = coupler * tx->launch_w[s * levels + s];
    lo = fmin(lo, m.level_w[s]);
    hi = fmax(hi, m.level_w[s]);
  }
  m.oma_outer_w = hi - lo;
  m.er_db = cpo_ratio_to_db(hi / lo);
  *out = m;
  return CPO_OK;
}
