/* The link: N engines and the fibre plant between them, their physics folded into per-lane
 * eyes on the slow grid (link_grid.c), symbols through cpo_symchan (link_datapath.c). This
 * file: the lifecycle and the schedule and output calls. See cpo/link.h for the contract. */
#include "cpo/link.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpo/log.h"
#include "cpo/units.h"
#include "link_internal.h"

#define DEFAULT_GRID_S 50e-9
#define DEFAULT_ADC_PERIOD_S 1e-6 /* CMIS monitors update at kHz; converters at ~1 MS/s */

/* ---- lifecycle ------------------------------------------------------------------------ */

/* The info's timing: cycle, slow grid, ADC period and the physical latency. */
static void s_timing(cpo_link_info_t *in, const cpo_link_cfg_t *cfg, const cpo_profile_t *prof,
                     double baud) {
  in->baud_hz = baud;
  in->cycle_s = cfg->symbols_per_cycle / baud;
  const double grid_s = cfg->grid_s > 0.0 ? cfg->grid_s : DEFAULT_GRID_S;
  const double grid_cycles = floor(grid_s / in->cycle_s + 0.5);
  in->grid_cycles = grid_cycles >= 1.0 ? (uint64_t)grid_cycles : 1;
  const double adc_s = cfg->adc_period_s > 0.0 ? cfg->adc_period_s : DEFAULT_ADC_PERIOD_S;
  const double adc_grids = floor(adc_s / (in->grid_cycles * in->cycle_s) + 0.5);
  in->adc_cycles = in->grid_cycles * (adc_grids >= 1.0 ? (uint64_t)adc_grids : 1);
  in->latency_s = cpo_fibre_latency_s(&prof->fibre) + prof->electronics_latency_s;
  in->latency_cycles = (uint64_t)floor(in->latency_s / in->cycle_s);
}

/* The link's shape: engines, lanes, lasers, symbols. */
static void s_shape(cpo_link_t *l, uint32_t lanes, uint32_t bps) {
  const cpo_link_cfg_t *cfg = &l->cfg;
  cpo_link_info_t *in = &l->info;
  snprintf(in->profile, sizeof in->profile, "%s", l->prof.name);
  in->engines = cfg->topology == CPO_TOPOLOGY_TWO_ENGINES ? 2 : 1;
  in->lanes = lanes;
  l->lanes_per_engine = lanes / in->engines;
  in->lanes_per_laser = l->prof.lanes_per_laser;
  l->lasers_per_engine =
      (l->lanes_per_engine + l->prof.lanes_per_laser - 1) / l->prof.lanes_per_laser;
  in->lasers = l->lasers_per_engine * in->engines;
  in->bits_per_symbol = bps;
  in->levels = 1u << bps;
  in->symbols_per_cycle = cfg->symbols_per_cycle;
  l->gray = bps == 2 && !cfg->pam4_natural;
  for (uint32_t f = 0; f < in->levels; f++)
    l->level_amp[f] = -1.0 + 2.0 * f / (in->levels - 1);
}

/* The engines, each at the case ambient (its lasers at the external source's when apart), and
 * the per-lane views of their lanes in the link's numbering. */
static cpo_status_t s_create_engines(cpo_link_t *l) {
  const cpo_link_cfg_t *cfg = &l->cfg;
  const double amb = cfg->ambient_k > 0.0 ? cfg->ambient_k : l->prof.ambient_k;
  const double els_amb = cfg->els_ambient_k > 0.0 ? cfg->els_ambient_k : l->prof.els_ambient_k;
  for (uint32_t e = 0; e < l->info.engines; e++) {
    const cpo_engine_cfg_t ec = {
        .prof = &l->prof,
        .lanes = l->lanes_per_engine,
        .first_lane = e * l->lanes_per_engine,
        .levels = l->info.levels,
        .level_amp = l->level_amp,
        .seed = cfg->seed,
        .ambient_k = amb,
        .laser_ambient_k = cpo_engine_lasers_external(&l->prof) ? els_amb : amb,
    };
    CPO_TRY(cpo_engine_create(&ec, &l->engine[e]));
    for (uint32_t j = 0; j < l->lanes_per_engine; j++) {
      l->tx[ec.first_lane + j] = cpo_engine_tx(l->engine[e], j);
      l->rx[ec.first_lane + j] = cpo_engine_rx(l->engine[e], j);
    }
  }
  return CPO_OK;
}

/* The fibre plant of the topology: a loopback, or two engines cross-connected. */
static cpo_status_t s_create_plant(cpo_link_t *l) {
  static const uint32_t loopback[1] = {0}, cross[2] = {1, 0};
  const cpo_fibre_plant_cfg_t pc = {
      .fibre = &l->prof.fibre,
      .engines = l->info.engines,
      .lanes_per_engine = l->lanes_per_engine,
      .feeds = l->info.engines == 2 ? cross : loopback,
  };
  return cpo_fibre_plant_create(&pc, &l->plant);
}

static cpo_status_t s_build(cpo_link_t *l) {
  CPO_TRY(s_create_engines(l));
  CPO_TRY(s_create_plant(l));
  cpo_adc_history_init(&l->adc, l->info.adc_cycles, l->cfg.seed);
  l->park_cycles = cpo_link_park_cycles(&l->info);
  l->noise = malloc(CPO_LINK_PASS_SYMBOLS * sizeof *l->noise);
  return l->noise ? CPO_OK : CPO_ERR_NO_MEMORY;
}

cpo_status_t cpo_link_create(const cpo_link_cfg_t *cfg, cpo_link_t **out) {
  if (!cfg || !out)
    return cpo_link_reject("%s%g: cfg and out must not be NULL", "", 0);
  cpo_profile_t prof;
  if (cfg->params)
    prof = *cfg->params;
  else
    CPO_TRY(cpo_profile_load(cfg->profile, &prof));
  uint32_t lanes, bps;
  double baud;
  CPO_TRY(cpo_link_check_cfg(cfg, &prof, &lanes, &bps, &baud));
  CPO_TRY(cpo_link_check_profile(&prof));
  cpo_link_t *l = calloc(1, sizeof *l);
  if (!l)
    return CPO_ERR_NO_MEMORY;
  l->cfg = *cfg;
  l->cfg.profile = NULL;
  l->cfg.params = NULL;
  l->prof = prof;
  s_shape(l, lanes, bps);
  s_timing(&l->info, cfg, &prof, baud);
  const cpo_status_t rc = s_build(l);
  if (rc != CPO_OK) {
    cpo_link_destroy(&l);
    return rc;
  }
  if (cfg->start_calibrated)
    cpo_link_apply_calibrated_snapshot(l);
  cpo_link_apply_dacs(l);
  *out = l;
  return CPO_OK;
}

void cpo_link_destroy(cpo_link_t **link) {
  if (!link || !*link)
    return;
  cpo_link_t *l = *link;
  for (uint32_t e = 0; e < CPO_LINK_MAX_ENGINES; e++)
    cpo_engine_destroy(&l->engine[e]);
  cpo_fibre_plant_destroy(&l->plant);
  free(l->noise);
  cpo_event_queue_free(&l->events);
  free(l);
  *link = NULL;
}

void cpo_link_get_info(const cpo_link_t *link, cpo_link_info_t *info) {
  assert(link && info);
  *info = link->info;
}

/* ---- schedule ------------------------------------------------------------------------- */

static cpo_status_t s_schedule(cpo_link_t *l, const cpo_event_t *ev) {
  if (ev->cycle < l->next_cycle) {
    cpo_log(CPO_LOG_ERROR, "cpo_link", "event for cycle %llu, already processed up to %llu",
            (unsigned long long)ev->cycle, (unsigned long long)l->next_cycle);
    return CPO_ERR_RANGE;
  }
  return cpo_event_queue_push(&l->events, ev);
}

cpo_status_t cpo_link_set_dac(cpo_link_t *link, uint32_t channel, uint32_t index, uint32_t value,
                              uint64_t effective_cycle) {
  assert(link);
  const cpo_analog_channel_info_t *ci = cpo_dac_info(channel);
  if (!ci)
    return cpo_link_reject("set_dac: %s %g does not exist", "channel", channel);
  if (index >= (ci->per_laser ? link->info.lasers : link->info.lanes))
    return cpo_link_reject("set_dac: %s %g out of range", ci->per_laser ? "laser" : "lane", index);
  if (value > 0xFFFFu)
    return cpo_link_reject("set_dac: %s %g is over 16 bits", "value", value);
  const cpo_event_t ev = {effective_cycle, CPO_EVENT_DAC, channel, index, value, 0.0};
  return s_schedule(link, &ev);
}

uint32_t cpo_link_dac(const cpo_link_t *link, uint32_t channel, uint32_t index) {
  assert(link);
  const cpo_analog_channel_info_t *ci = cpo_dac_info(channel);
  if (!ci || index >= (ci->per_laser ? link->info.lasers : link->info.lanes))
    return 0;
  uint32_t local;
  const cpo_engine_t *e = ci->per_laser ? cpo_link_laser_engine(link, index, &local)
                                        : cpo_link_lane_engine(link, index, &local);
  return cpo_engine_dac(e, channel, local);
}

/* An ambient change of engine @p engine (@p what names the call in a refusal). */
static cpo_status_t s_schedule_ambient(cpo_link_t *l, const char *what, cpo_event_kind_t kind,
                                       uint32_t engine, double temp_k, uint64_t effective_cycle) {
  char fmt[96];
  if (engine >= l->info.engines) {
    snprintf(fmt, sizeof fmt, "%s: %%s %%g does not exist", what);
    return cpo_link_reject(fmt, "engine", engine);
  }
  if (!(temp_k > 0.0) || !isfinite(temp_k)) {
    snprintf(fmt, sizeof fmt, "%s: %%s %%g K is not a temperature", what);
    return cpo_link_reject(fmt, "temp_k", temp_k);
  }
  const cpo_event_t ev = {effective_cycle, kind, 0, engine, 0, temp_k};
  return s_schedule(l, &ev);
}

cpo_status_t cpo_link_set_ambient(cpo_link_t *link, uint32_t engine, double temp_k,
                                  uint64_t effective_cycle) {
  assert(link);
  return s_schedule_ambient(link, "set_ambient", CPO_EVENT_AMBIENT, engine, temp_k,
                            effective_cycle);
}

cpo_status_t cpo_link_set_els_ambient(cpo_link_t *link, uint32_t engine, double temp_k,
                                      uint64_t effective_cycle) {
  assert(link);
  if (!cpo_engine_lasers_external(&link->prof)) {
    cpo_log(CPO_LOG_ERROR, "cpo_link",
            "set_els_ambient: profile %s has no external laser source (its lasers follow the "
            "engine's ambient)",
            link->prof.name);
    return CPO_ERR_INVALID_ARG;
  }
  return s_schedule_ambient(link, "set_els_ambient", CPO_EVENT_ELS_AMBIENT, engine, temp_k,
                            effective_cycle);
}

/* ---- outputs -------------------------------------------------------------------------- */

cpo_status_t cpo_link_adc(const cpo_link_t *link, uint64_t cycle, uint32_t channel, uint32_t index,
                          uint32_t *code) {
  assert(link && code);
  const cpo_analog_channel_info_t *ci = cpo_adc_info(channel);
  if (!ci)
    return CPO_ERR_INVALID_ARG;
  if (index >= (ci->per_laser ? link->info.lasers : link->info.lanes))
    return CPO_ERR_INVALID_ARG;
  if (cycle >= link->next_cycle || !link->grid_started)
    return CPO_ERR_RANGE;
  return cpo_adc_history_get(&link->adc, cycle, channel, index, code);
}

cpo_status_t cpo_link_skip_adc(cpo_link_t *link, uint64_t cycle) {
  assert(link);
  if (cycle > link->adc_from)
    link->adc_from = cycle;
  return CPO_OK;
}

cpo_status_t cpo_link_adc_all(const cpo_link_t *link, uint64_t cycle, uint32_t *codes, uint32_t max,
                              uint32_t *n) {
  assert(link && codes && n);
  if (cycle >= link->next_cycle || !link->grid_started)
    return CPO_ERR_RANGE;
  const uint16_t(*row)[CPO_ADC_HISTORY_MAX_INDEX] = cpo_adc_history_row(&link->adc, cycle);
  if (!row)
    return CPO_ERR_RANGE;
  uint32_t k = 0;
  for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++) {
    const uint32_t indices = cpo_adc_info(ch)->per_laser ? link->info.lasers : link->info.lanes;
    if (k + indices > max)
      return CPO_ERR_INVALID_ARG;
    for (uint32_t i = 0; i < indices; i++)
      codes[k++] = row[ch][i];
  }
  *n = k;
  return CPO_OK;
}

void cpo_link_set_trace(cpo_link_t *link, cpo_link_trace_fn fn, void *user) {
  assert(link);
  link->trace_fn = fn;
  link->trace_user = user;
}

uint64_t cpo_link_symbol_errors(const cpo_link_t *link, uint32_t lane) {
  return lane < link->info.lanes ? link->rx[lane]->err.symbol_errors : 0;
}

uint64_t cpo_link_bit_errors(const cpo_link_t *link, uint32_t lane) {
  return lane < link->info.lanes ? link->rx[lane]->err.bit_errors : 0;
}

cpo_status_t cpo_link_eye(const cpo_link_t *link, uint32_t lane, cpo_symchan_eye_t *eye) {
  assert(link && eye);
  if (lane >= link->info.lanes)
    return CPO_ERR_INVALID_ARG;
  if (!link->grid_started)
    return CPO_ERR_STATE;
  *eye = link->rx[lane]->eye;
  return CPO_OK;
}

cpo_status_t cpo_link_tx_levels(const cpo_link_t *link, uint32_t lane, cpo_link_tx_levels_t *out) {
  assert(link && out);
  if (lane >= link->info.lanes)
    return CPO_ERR_INVALID_ARG;
  if (!link->grid_started)
    return CPO_ERR_STATE;
  const cpo_tx_lane_t *tx = link->tx[lane];
  const uint32_t levels = link->info.levels;
  const double coupler = cpo_db_to_ratio(-link->prof.fibre.coupler_loss_db);
  cpo_link_tx_levels_t m = {.levels = levels,
                            .average_w = coupler * cpo_lane_mean16(tx->launch_w, levels)};
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
