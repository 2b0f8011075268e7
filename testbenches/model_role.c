/* The model role: builds the analog world the options name and hands it to the model side of
 * the synchronisation (cpo_sync_model_run), which carries each lane's TX symbols through it
 * and returns them, L cycles later, as RX symbols, applies the rtl's DAC writes L cycles after
 * they were made and sends the monitor ADC conversions. The world is either the foundation's
 * noisy loopback or an engine profile's physics (lasers, modulators, fibre, receivers). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpo/link.h"
#include "cpo/log.h"
#include "cpo/loopback.h"
#include "cpo/snapshot_ber.h"
#include "cpo/sync.h"
#include "model_trace.h"
#include "roles.h"
#include "timeline_run.h"

/* One of the two channel models, behind one call. */
typedef struct {
  cpo_loopback_t *loopback;
  cpo_link_t *link;
  cpo_link_info_t info; /* the link's shape (lanes, lasers, ADC period), fixed at creation */
  double case_k;        /* the engines' case temperature at cycle 0 (the profile's) */
} channel_t;

static cpo_status_t s_channel_process(channel_t *ch, uint64_t first, uint32_t count,
                                      const uint64_t *tx, uint64_t *rx) {
  return ch->link ? cpo_link_process(ch->link, first, count, tx, rx)
                  : cpo_loopback_process(ch->loopback, first, count, tx, rx);
}

/* The index range of converter channels: lanes, or lasers for per-laser channels. */
static uint32_t s_channel_indices(const channel_t *ch, const cpo_analog_channel_info_t *info) {
  return info->per_laser ? ch->info.lasers : ch->info.lanes;
}

static void s_channel_destroy(channel_t *ch) {
  cpo_loopback_destroy(&ch->loopback);
  cpo_link_destroy(&ch->link);
}

/* The engine profile's link the run names (@p prof: its profile, opened). */
static cpo_link_cfg_t s_link_cfg(const cpo_run_opts_t *o, const cpo_config_t *cfg,
                                 const cpo_profile_t *prof) {
  return (cpo_link_cfg_t){.params = prof,
                          .topology = o->topology,
                          .lanes = cfg->lanes,
                          .symbols_per_cycle = cfg->symbols_per_cycle,
                          .bits_per_symbol = cfg->bits_per_symbol,
                          .baud_hz = (double)cfg->baud_hz,
                          .seed = cfg->seed,
                          .els_ambient_k = o->els_ambient_k,
                          .fidelity = o->fidelity,
                          .start_calibrated = o->start == CPO_START_CALIBRATED};
}

/* Build the channel the configuration names; @p why says what is wrong if it cannot. */
static cpo_status_t s_channel_create(const cpo_run_opts_t *o, const cpo_config_t *cfg,
                                     channel_t *ch, char *why, size_t why_len) {
  memset(ch, 0, sizeof *ch);
  if (strcmp(cfg->profile, "loopback") == 0) {
    cpo_loopback_cfg_t lc = {.lanes = cfg->lanes,
                             .bits_per_cycle =
                                 (uint32_t)cfg->symbols_per_cycle * cfg->bits_per_symbol,
                             .seed = cfg->seed,
                             .noise_sigma = o->noise_sigma};
    if (cpo_loopback_create(&lc, &ch->loopback) != CPO_OK) {
      snprintf(why, why_len, "the loopback channel refused lanes %u, %u bits per cycle, sigma %g",
               lc.lanes, lc.bits_per_cycle, lc.noise_sigma);
      return CPO_ERR_INVALID_ARG;
    }
    return CPO_OK;
  }
  cpo_profile_t prof; /* the run's profile: shipped, or a file of the user's */
  if (cpo_profile_open(o->profile, &prof, NULL, why, why_len) != CPO_OK)
    return CPO_ERR_INVALID_ARG;
  const cpo_link_cfg_t lc = s_link_cfg(o, cfg, &prof);
  if (cpo_link_create(&lc, &ch->link) != CPO_OK) {
    snprintf(why, why_len,
             "profile %s does not fit %u lanes of %u x %u-bit symbols at %llu Bd (see above)",
             cfg->profile, cfg->lanes, cfg->symbols_per_cycle, cfg->bits_per_symbol,
             (unsigned long long)cfg->baud_hz);
    return CPO_ERR_INVALID_ARG;
  }
  cpo_link_get_info(ch->link, &ch->info);
  ch->case_k = prof.ambient_k;
  if (cfg->latency_cycles > ch->info.latency_cycles) { /* lookahead may not exceed physics */
    snprintf(
        why, why_len,
        "latency_cycles %u exceeds the physical path latency of profile %s: %llu cycles (%.1f ns)",
        cfg->latency_cycles, cfg->profile, (unsigned long long)ch->info.latency_cycles,
        ch->info.latency_s * 1e9);
    cpo_link_destroy(&ch->link);
    return CPO_ERR_CONFIG_MISMATCH;
  }
  return CPO_OK;
}

/* The calibrated snapshot's expected BER on each of the run's media lanes (@p cfg's). */
static cpo_status_t s_snapshot_ber(const cpo_run_opts_t *o, const cpo_config_t *cfg, double *ber) {
  cpo_profile_t prof;
  char why[320];
  if (strcmp(cfg->profile, "loopback") == 0 ||
      cpo_profile_open(o->profile, &prof, NULL, why, sizeof why) != CPO_OK)
    return CPO_ERR_INVALID_ARG;
  const cpo_link_cfg_t lc = s_link_cfg(o, cfg, &prof);
  return cpo_link_snapshot_ber(&lc, ber, cfg->lanes);
}

cpo_status_t cpo_role_snapshot_ber(const cpo_run_opts_t *o, double *ber, uint32_t host_lanes) {
  const cpo_config_t *cfg = &o->config;
  if (host_lanes == 0 || cfg->lanes == 0 || host_lanes % cfg->lanes != 0)
    return CPO_ERR_INVALID_ARG;
  double media[CPO_PROTO_MAX_LANES];
  CPO_TRY(s_snapshot_ber(o, cfg, media));
  for (uint32_t l = 0; l < host_lanes; l++) /* a data path's host lanes share its media lane */
    ber[l] = media[cpo_media_lane_of(l, host_lanes, cfg->lanes)];
  return CPO_OK;
}

cpo_status_t cpo_role_tx_tap_scale(const cpo_run_opts_t *o, uint32_t *scale_q16, char *why,
                                   size_t why_len) {
  const double cmis_tx_power_w = 0.1e-6;
  const cpo_config_t *cfg = &o->config;
  if (strcmp(cfg->profile, "loopback") == 0)
    return CPO_OK; /* no engine: the default board's */
  cpo_profile_t prof;
  double lane[CPO_PROTO_MAX_LANES];
  cpo_status_t rc = cpo_profile_open(o->profile, &prof, NULL, why, why_len);
  if (rc == CPO_OK && (cfg->lanes == 0 || cfg->lanes > CPO_PROTO_MAX_LANES))
    rc = CPO_ERR_INVALID_ARG;
  if (rc == CPO_OK) {
    const cpo_link_cfg_t lc = s_link_cfg(o, cfg, &prof);
    rc = cpo_link_snapshot_launch_per_tap(&lc, lane, cfg->lanes);
  }
  if (rc != CPO_OK) {
    snprintf(why, why_len,
             "profile %s: the Tx power calibration on its calibrated engine failed (%s)",
             cfg->profile, cpo_status_str(rc));
    return rc;
  }
  double sum = 0.0;
  uint32_t lit = 0;
  for (uint32_t r = 0; r < cfg->lanes; r++)
    if (lane[r] > 0.0) {
      sum += lane[r];
      lit++;
    }
  /* CMIS's 0.1 uW per tap ADC code, Q16.16; no lane lit: Tx power reads 0 */
  const double q16 =
      lit ? cpo_adc_info(CPO_ADC_TAP_PD)->lsb * (sum / lit) / cmis_tx_power_w * 65536.0 : 0.0;
  *scale_q16 = q16 < (double)UINT32_MAX ? (uint32_t)lround(q16) : UINT32_MAX;
  return CPO_OK;
}

cpo_status_t cpo_role_model_check(const cpo_run_opts_t *o, char *why, size_t why_len) {
  if (o->els_ambient_k != 0 && strcmp(o->config.profile, "loopback") == 0) {
    snprintf(why, why_len, "[model] els_ambient_k: the loopback profile has no external laser");
    return CPO_ERR_INVALID_ARG;
  }
  channel_t ch;
  cpo_timeline_t tl;
  cpo_status_t rc = cpo_timeline_for_run(o, &tl, why, why_len);
  if (rc == CPO_OK)
    rc = s_channel_create(o, &o->config, &ch, why, why_len);
  if (rc == CPO_OK) {
    if (ch.link) /* the model refuses what the timeline cannot know (a laser past the last) */
      rc = cpo_timeline_schedule_model(&tl, ch.link, ch.case_k, why, why_len);
    s_channel_destroy(&ch);
  }
  return rc;
}

static int s_fail(const char *what, const char *why) {
  cpo_log(CPO_LOG_ERROR, "model", "%s: %s", what, why);
  return 3;
}

/* ---- the channel seen by the synchroniser (cpo_model_channel_t) ---------------------- */

static cpo_status_t s_process(void *self, uint64_t first, uint32_t count, const uint64_t *tx,
                              uint64_t *rx) {
  return s_channel_process(self, first, count, tx, rx);
}

/* Parked cycles: the engine's slow physics and monitors only (cpo_link_advance). */
static cpo_status_t s_advance(void *self, uint64_t first, uint64_t count) {
  return cpo_link_advance(((channel_t *)self)->link, first, count);
}

/* Conversions nobody reads (a span the rtl skips): not made (cpo_link_skip_adc). */
static cpo_status_t s_adc_skip(void *self, uint64_t cycle) {
  return cpo_link_skip_adc(((channel_t *)self)->link, cycle);
}

/* Lanes parked while others stream (LANES_PARKED): the engine's parked-lane path. */
static cpo_status_t s_park_lanes(void *self, uint64_t mask) {
  return cpo_link_park_lanes(((channel_t *)self)->link, mask);
}

/* Every channel of the list with its indices, in channel order, and each one's code (the ADC
 * codes of the conversion valid at @p cycle, read at once: a conversion a microsecond). */
static cpo_status_t s_list_codes(const channel_t *ch, bool dac, uint64_t cycle,
                                 cpo_analog_entry_t *out, uint32_t max, uint32_t *n) {
  uint32_t codes[CPO_PROTO_MAX_ANALOG_ENTRIES], got = 0;
  if (!dac &&
      cpo_link_adc_all(ch->link, cycle, codes, CPO_PROTO_MAX_ANALOG_ENTRIES, &got) != CPO_OK)
    return CPO_ERR_STATE;
  *n = 0;
  for (uint32_t k = 0; k < (dac ? CPO_DAC_COUNT : CPO_ADC_COUNT); k++) {
    uint32_t indices = s_channel_indices(ch, dac ? cpo_dac_info(k) : cpo_adc_info(k));
    for (uint32_t i = 0; i < indices && *n < max; i++) {
      uint32_t code = dac ? cpo_link_dac(ch->link, k, i) : codes[*n];
      out[(*n)++] = (cpo_analog_entry_t){(uint16_t)k, (uint16_t)i, code};
    }
  }
  return CPO_OK;
}

static uint32_t s_dac_codes(void *self, cpo_analog_entry_t *out, uint32_t max) {
  uint32_t n;
  (void)s_list_codes(self, true, 0, out, max, &n); /* reading DAC codes cannot fail */
  return n;
}

static cpo_status_t s_adc_codes(void *self, uint64_t cycle, cpo_analog_entry_t *out, uint32_t max,
                                uint32_t *n) {
  return s_list_codes(self, false, cycle, out, max, n);
}

static cpo_status_t s_dac_set(void *self, cpo_analog_entry_t e, uint64_t write_cycle,
                              uint64_t effective_cycle, char *why, size_t why_len) {
  channel_t *ch = self;
  const cpo_analog_channel_info_t *info = cpo_dac_info(e.channel);
  cpo_status_t rc = ch->link
                        ? cpo_link_set_dac(ch->link, e.channel, e.lane, e.value, effective_cycle)
                        : CPO_ERR_INVALID_ARG;
  if (rc != CPO_OK)
    snprintf(why, why_len, "DAC %s (channel %u) index %u code %u at cycle %llu: %s",
             info ? info->name : "?", e.channel, e.lane, e.value, (unsigned long long)write_cycle,
             !ch->link             ? "the loopback channel has no converters"
             : !info               ? "no such DAC channel"
             : rc == CPO_ERR_RANGE ? "it came after the engine had passed cycle + L"
                                   : "index or code out of range for this engine");
  return rc;
}

/* The loopback has no converters: DAC writes are refused by name, nothing is converted. */
static cpo_model_channel_t s_channel_ops(channel_t *ch) {
  cpo_model_channel_t ops = {.self = ch, .process = s_process, .dac_set = s_dac_set};
  if (ch->link) {
    ops.adc_period_cycles = ch->info.adc_cycles;
    ops.advance = s_advance;
    ops.park_lanes = s_park_lanes;
    ops.adc_skip = s_adc_skip;
    ops.dac_codes = s_dac_codes;
    ops.adc_codes = s_adc_codes;
  }
  return ops;
}

/* The lanes' physics at the end, to the rtl for the run's result: the MODEL_REPORT that answers
 * its BYE, before ours (PROTOCOL.md). None when a lane processed nothing (@p lanes 0). */
static void s_report(cpo_client_t *c, const double *values, uint32_t lanes) {
  if (lanes == 0)
    return;
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_MODEL_REPORT, .cycle = cpo_client_sent_cycle(c)}};
  m.u.report.lanes = (uint16_t)lanes;
  m.u.report.values = values;
  if (cpo_client_send(c, &m) != CPO_OK)
    cpo_log(CPO_LOG_WARN, "model", "could not send the lanes' physics to the rtl");
}

int cpo_role_model(const cpo_run_opts_t *o) {
  char why[320] = "";
  cpo_bridge_cfg_t bc = {.endpoint = o->endpoint,
                         .role = CPO_ROLE_MODEL,
                         .config = o->config,
                         .timeout_ms = o->timeout_ms,
                         .context = o->context,
                         .curve = o->curve};
  cpo_client_t *c = NULL;
  if (cpo_client_connect(&bc, &c, why, sizeof why) != CPO_OK)
    return s_fail("cannot join the session", why);
  channel_t ch;
  cpo_model_trace_t *trace = NULL;
  cpo_status_t rc = CPO_ERR_INVALID_ARG;
  if (s_channel_create(o, cpo_client_config(c), &ch, why, sizeof why) != CPO_OK) {
    s_fail("cannot create the channel model", why);
    goto out;
  }
  cpo_timeline_t tl;
  if (cpo_timeline_for_run(o, &tl, why, sizeof why) != CPO_OK ||
      (ch.link &&
       cpo_timeline_schedule_model(&tl, ch.link, ch.case_k, why, sizeof why) != CPO_OK)) {
    s_fail("cannot schedule the timeline", why);
    goto out_channel;
  }
  if (o->model_trace_path && !ch.link)
    cpo_log(CPO_LOG_WARN, "model", "the loopback profile has no analog quantities to trace");
  if (o->model_trace_path && ch.link) {
    const cpo_config_t *cfg = cpo_client_config(c);
    if (cpo_model_trace_open(o->model_trace_path, cfg->lanes, cfg, o->trace_window, &trace) !=
        CPO_OK) {
      s_fail("cannot write the model trace", o->model_trace_path);
      goto out_channel;
    }
    cpo_link_set_trace(ch.link, cpo_model_trace_sample, trace);
  }
  const cpo_model_channel_t ops = s_channel_ops(&ch);
  const cpo_sync_model_opts_t so = {.stop = o->stop};
  rc = cpo_sync_model_run(c, &ops, &so);
  if (rc == CPO_OK && ch.link) { /* the snapshot on a link of its own: the run's is done */
    double snap[CPO_PROTO_MAX_LANES], values[CPO_PROTO_MAX_LANES * CPO_PROTO_REPORT_FIELDS];
    const bool known = s_snapshot_ber(o, cpo_client_config(c), snap) == CPO_OK;
    /* the eyes at the end, parked lanes' too (a run that processed nothing has none to build,
     * and its report no lanes) */
    if (cpo_link_refresh_eyes(ch.link) != CPO_OK)
      cpo_log(CPO_LOG_DEBUG, "model", "no eyes to build for the report: nothing processed");
    const uint32_t lanes = cpo_timeline_physics(ch.link, known ? snap : NULL, values);
    cpo_timeline_print_physics(stdout, values, lanes);
    s_report(c, values, lanes);
  }
out_channel:
  s_channel_destroy(&ch);
  cpo_model_trace_close(&trace);
out:
  cpo_client_close(&c, (int16_t)(rc == CPO_OK ? 0 : CPO_ERR_STATE),
                   rc == CPO_ERR_INTERRUPTED ? CPO_INTERRUPTED_TEXT
                   : rc != CPO_OK            ? "model failed"
                                             : "model done");
  return rc == CPO_OK ? 0 : 3;
}
