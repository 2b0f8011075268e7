#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cpo/cmis_map.h"
#include "cpo/d2d_regs.h"
#include "cpo_version.h"
#include "params.h"
#include "roles.h"
#include "verdict.h"

/* The JSON's config section: the parameters params.def marks for it, in its order. */
static json_t *s_config(const cpo_run_opts_t *o) {
  json_t *config = json_object();
  for (size_t i = 0; i < cpo_params_count(); i++) {
    const cpo_param_t *p = cpo_params_at(i);
    if (!p->json)
      continue;
    cpo_param_value_t v = cpo_params_get(o, p);
    json_t *value = v.word                         ? json_string(v.word)
                    : p->kind == CPO_PARAM_REAL    ? json_real(v.d)
                    : p->kind == CPO_PARAM_PROFILE ? json_string(v.s)
                    : p->kind == CPO_PARAM_BOOL    ? json_boolean(v.i)
                                                   : json_integer((json_int_t)v.u);
    json_object_set_new(config, p->key, value);
  }
  return config;
}

/* One converter channel over time: {"unit", "per", "values": [[index 0's SI values], ...]}. */
static json_t *s_channel(const cpo_series_t *s, const cpo_analog_channel_info_t *info, bool adc,
                         uint32_t ch, uint32_t indices) {
  json_t *values = json_array();
  for (uint32_t i = 0; i < indices; i++) {
    json_t *v = json_array();
    for (uint32_t p = 0; p < s->points; p++) {
      uint16_t code = adc ? s->adc[p][ch][i] : s->dac[p][ch][i];
      double si = info->lsb * (info->is_signed ? (double)(int16_t)code : (double)code);
      json_array_append_new(v, json_real(si));
    }
    json_array_append_new(values, v);
  }
  return json_pack("{s:s, s:s, s:o}", "unit", info->unit, "per", info->per_laser ? "laser" : "lane",
                   "values", values);
}

/* A CMIS state's name as CMIS 5.2 gives it (ModuleReady, DPActivated), or its code. */
static json_t *s_cmis_state(const char *name) {
  return name ? json_string(name) : json_string("?");
}

/* CMIS's state changes: [{cycle, module, dp: [per host lane, CMIS's lanes]}]. */
static json_t *s_cmis_states(const cpo_series_t *s) {
  json_t *changes = json_array();
  for (uint32_t i = 0; i < s->n_cmis; i++) {
    json_t *dp = json_array();
    for (uint32_t l = 0; l < s->host_lanes && l < CPO_MAX_LANES_SUMMARY; l++)
      json_array_append_new(dp, s_cmis_state(cpo_cmis_dp_state_desc(s->cmis_dp[i][l])));
    json_array_append_new(
        changes, json_pack("{s:I, s:o, s:o}", "cycle", (json_int_t)s->cmis_cycle[i], "module",
                           s_cmis_state(cpo_cmis_module_state_desc(s->cmis_module[i])), "dp", dp));
  }
  return changes;
}

/* The run over time (decimated, cpo_series_t): what cpoemu-plots draws. */
static json_t *s_series(const cpo_series_t *s, const cpo_config_t *c) {
  json_t *cycles = json_array(), *locked = json_array(), *streaming = json_array();
  json_t *bits = json_array(), *errors = json_array(), *states = json_array();
  for (uint32_t p = 0; p < s->points; p++) {
    json_array_append_new(cycles, json_integer((json_int_t)s->cycle[p]));
    json_array_append_new(locked, json_integer(__builtin_popcountll(s->locked[p])));
    json_array_append_new(streaming, json_integer(__builtin_popcountll(s->streaming[p])));
  }
  for (uint32_t l = 0; l < s->host_lanes && l < CPO_MAX_LANES_SUMMARY; l++) {
    json_t *b = json_array(), *e = json_array();
    for (uint32_t p = 0; p < s->points; p++) {
      json_array_append_new(b, json_integer((json_int_t)s->bits[p][l]));
      json_array_append_new(e, json_integer((json_int_t)s->errors[p][l]));
    }
    json_array_append_new(bits, b);
    json_array_append_new(errors, e);
  }
  for (uint32_t i = 0; i < s->n_states; i++) {
    const char *name = cpo_d2d_ltsm_state_name(s->state[i]);
    json_array_append_new(states, json_pack("{s:I, s:s}", "cycle", (json_int_t)s->state_cycle[i],
                                            "state", name ? name : "?"));
  }
  json_t *adc = json_object(), *dac = json_object();
  for (uint32_t ch = 0; ch < CPO_ADC_COUNT; ch++)
    if (s->adc_indices[ch])
      json_object_set_new(adc, cpo_adc_info(ch)->name,
                          s_channel(s, cpo_adc_info(ch), true, ch, s->adc_indices[ch]));
  for (uint32_t ch = 0; ch < CPO_DAC_COUNT; ch++)
    if (s->dac_indices[ch])
      json_object_set_new(dac, cpo_dac_info(ch)->name,
                          s_channel(s, cpo_dac_info(ch), false, ch, s->dac_indices[ch]));
  double cycle_s = (double)c->symbols_per_cycle / (double)(c->baud_hz ? c->baud_hz : 1);
  json_t *series =
      json_pack("{s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "cycle_s", cycle_s, "cycles",
                cycles, "bits", bits, "errors", errors, "locked_lanes", locked, "streaming_lanes",
                streaming, "d2d_states", states, "adc", adc, "dac", dac);
  if (series && s->n_cmis) {
    json_object_set_new(series, "cmis_states", s_cmis_states(s));
    json_object_set_new(series, "cmis_states_dropped", json_integer(s->cmis_dropped));
  }
  return series;
}

/* The model's physics per media lane at the end (its MODEL_REPORT), SI units; the expected BER
 * exact, from the lane's eye, and over the calibrated snapshot's (null: no snapshot, or one
 * without errors). */
static json_t *s_media_lanes(const cpo_run_summary_t *s) {
  static const char *const names[CPO_REPORT_FIELD_COUNT] = {
      [CPO_REPORT_EXPECTED_BER] = "expected_ber",
      [CPO_REPORT_SNAPSHOT_BER] = "snapshot_ber",
      [CPO_REPORT_LASER_CURRENT_A] = "laser_current_a",
      [CPO_REPORT_LASER_TEMP_K] = "laser_temp_k",
      [CPO_REPORT_LASER_W] = "laser_w",
      [CPO_REPORT_OMA_W] = "oma_w",
      [CPO_REPORT_RX_W] = "rx_w",
      [CPO_REPORT_DETUNING_M] = "detuning_m",
      [CPO_REPORT_HEATER_W] = "heater_w",
      [CPO_REPORT_RING_TEMP_K] = "ring_temp_k"};
  json_t *lanes = json_array();
  for (uint32_t l = 0; l < s->report_lanes; l++) {
    const double *v = s->report + (size_t)l * CPO_PROTO_REPORT_FIELDS;
    json_t *lane = json_pack("{s:i}", "lane", (int)l);
    for (int f = 0; f < CPO_REPORT_FIELD_COUNT; f++)
      json_object_set_new(lane, names[f],
                          f == CPO_REPORT_SNAPSHOT_BER && v[f] < 0.0 ? json_null()
                                                                     : json_real(v[f]));
    const double snap = v[CPO_REPORT_SNAPSHOT_BER];
    json_object_set_new(lane, "expected_ber_vs_snapshot",
                        snap > 0.0 ? json_real(v[CPO_REPORT_EXPECTED_BER] / snap) : json_null());
    json_array_append_new(lanes, lane);
  }
  return lanes;
}

int cpo_result_write_json(const char *path, const cpo_run_opts_t *o, const cpo_run_summary_t *s,
                          const char *transport, const char *repro) {
  char hash[19];
  snprintf(hash, sizeof hash, "0x%016llx", (unsigned long long)s->event_hash);
  json_t *lanes = json_array();
  for (uint32_t l = 0; l < s->lanes; l++) {
    json_t *lane = json_pack("{s:i, s:I, s:I, s:b}", "lane", (int)l, "bits", (json_int_t)s->bits[l],
                             "errors", (json_int_t)s->errors[l], "locked", s->locked[l]);
    if (lane && s->snapshot_known && l < CPO_MAX_LANES_SUMMARY) {
      /* the calibrated snapshot's expected BER on this lane; the lane's BER over it (null: no
       * bits checked, or a snapshot without errors) */
      const double snap = s->ber_snapshot[l];
      json_object_set_new(lane, "ber_snapshot", json_real(snap));
      json_object_set_new(lane, "ber_vs_snapshot",
                          s->bits[l] && snap > 0.0
                              ? json_real((double)s->errors[l] / (double)s->bits[l] / snap)
                              : json_null());
    }
    json_array_append_new(lanes, lane);
  }
  const cpo_config_t *c = &o->config;
  json_t *root =
      json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:f, s:s, s:I, s:I, s:I, s:I, s:o, s:o,"
                " s:b, s:s, s:s}",
                "scenario", o->scenario[0] ? o->scenario : "(built-in default)", "transport",
                transport, "result", cpo_verdict_word(s), "seed", (json_int_t)c->seed, "cycles",
                (json_int_t)s->cycles, "sim_time_s", s->sim_time_s, "wall_s", s->wall_s,
                "model_wait_s", s->model_wait_s, "event_hash", hash, "reg_accesses",
                (json_int_t)s->reg_accesses, "quanta", (json_int_t)s->quanta, "dac_writes",
                (json_int_t)s->dac_writes, "adc_samples", (json_int_t)s->adc_samples, "lanes",
                lanes, "config", s_config(o), "expectations_met", s->expectations_met, "error",
                s->status ? s->error : s->expectation_failure, "reproduce", repro);
  if (!root)
    return -1;
  json_t *peers = json_array(); /* who attached and detached, at which cycle */
  for (uint32_t i = 0; i < s->n_peer_events; i++)
    json_array_append_new(peers, json_pack("{s:s, s:s, s:I}", "role",
                                           cpo_role_name((uint8_t)s->peer_events[i].role), "event",
                                           s->peer_events[i].attach ? "attach" : "detach", "cycle",
                                           (json_int_t)s->peer_events[i].cycle));
  json_object_set_new(root, "peers", peers);
  if (s->report_lanes)
    json_object_set_new(root, "media_lanes", s_media_lanes(s));
  if (s->d2d_modules) { /* an engine run: the D2D link at the end, when the lanes came up */
    json_t *d2d = json_array();
    for (uint32_t m = 0; m < s->d2d_modules && m < 2; m++)
      for (uint32_t e = 0; e < 2; e++) {
        const cpo_d2d_end_summary_t *d = &s->d2d[m][e];
        json_array_append_new(d2d, json_pack("{s:i, s:s, s:b, s:i, s:i, s:i, s:I}", "module",
                                             (int)m, "end", e ? "oe" : "asic", "read", d->read,
                                             "state", d->state, "width", d->width, "retrains",
                                             d->retrains, "rx_bad", (json_int_t)d->rx_bad));
      }
    json_object_set_new(root, "d2d", d2d);
    if (s->cal_read) {   /* media lanes calibrated, with Tx loss of lock, awaiting calibration */
      char masks[3][19]; /* hex, as the event hash: 64 lanes do not fit a JSON integer */
      const uint64_t v[3] = {s->cal_done, s->tx_lol, s->cal_req};
      for (int k = 0; k < 3; k++)
        snprintf(masks[k], sizeof masks[k], "0x%016llx", (unsigned long long)v[k]);
      json_object_set_new(root, "calibration",
                          json_pack("{s:s, s:s, s:s}", "cal_done", masks[0], "tx_lol", masks[1],
                                    "cal_req", masks[2]));
    }
    json_object_set_new(root, "all_up_cycle",
                        s->all_up_cycle == UINT64_MAX ? json_null()
                                                      : json_integer((json_int_t)s->all_up_cycle));
  }
  if (o->profile_source.path[0]) { /* the engine profile, traceable to its file's bytes */
    char content[19];
    snprintf(content, sizeof content, "0x%016llx",
             (unsigned long long)o->profile_source.content_hash);
    json_object_set_new(root, "profile",
                        json_pack("{s:s, s:s, s:b, s:s, s:i}", "name", c->profile, "file",
                                  o->profile_source.path, "shipped", o->profile_source.shipped,
                                  "content_fnv1a64", content, "host_lanes", (int)o->host_lanes));
  }
  if (s->series && s->series->points)
    json_object_set_new(root, "series", s_series(s->series, c));
  if (o->trace_path)
    json_object_set_new(root, "trace", json_string(o->trace_path));
  json_object_set_new(root, "version", json_string(CPO_VERSION));
  json_object_set_new(root, "revision", json_string(CPO_GIT_REVISION));
  int rc = json_dump_file(root, path, JSON_INDENT(2));
  json_decref(root);
  if (rc != 0)
    fprintf(stderr, "cpoemu: cannot write %s\n", path);
  return rc;
}

int cpo_result_amend_json(const char *path, const char *result, const char *error) {
  json_error_t err;
  json_t *root = json_load_file(path, 0, &err);
  if (!root)
    return -1;
  json_t *had = json_object_get(root, "error");
  char text[1024];
  snprintf(text, sizeof text, "%s%s%s", error, had && json_string_length(had) ? "; then: " : "",
           had ? json_string_value(had) : "");
  json_object_set_new(root, "result", json_string(result));
  json_object_set_new(root, "error", json_string(text));
  int rc = json_dump_file(root, path, JSON_INDENT(2));
  json_decref(root);
  return rc;
}
