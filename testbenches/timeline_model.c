/* The timeline against a run (its clock, lanes, engines, D2D modules), and the model side's
 * events put into the engine model's schedule (timeline.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpo/link_fault.h"
#include "cpo/log.h"
#include "cpo/snapshot_ber.h"
#include "cpo/units.h"
#include "timeline_run.h"

#define D2D_MODULE_LANES 32 /* host lanes per D2D module (cpo_engine_top) */
#define RAMP_STEP_S 1e-6    /* a ramp moves the case once per monitor conversion */
#define RAMP_MAX_STEPS 20000u

cpo_status_t cpo_timeline_for_run(const cpo_run_opts_t *o, cpo_timeline_t *tl, char *why,
                                  size_t why_len) {
  *tl = o->timeline;
  if (tl->n == 0)
    return CPO_OK;
  const cpo_config_t *c = &o->config;
  const bool engine = o->design == CPO_DESIGN_ENGINE, physics = strcmp(c->profile, "loopback");
  for (uint32_t i = 0; i < tl->n; i++) {
    const cpo_tl_event_t *e = &tl->ev[i];
    const bool model = cpo_timeline_kind_model(e->kind);
    if (model && o->direct_loopback) {
      snprintf(why, why_len, "%s:%d: [event.%s] what = %s needs the model: not with --direct",
               tl->file, e->line, e->name, cpo_timeline_kind_name(e->kind));
      return CPO_ERR_INVALID_ARG;
    }
    if ((model && !physics) || (!model && !engine)) {
      snprintf(why, why_len, "%s:%d: [event.%s] what = %s needs %s", tl->file, e->line, e->name,
               cpo_timeline_kind_name(e->kind),
               model ? "an engine profile's physics (not the loopback)"
                     : "the engine design (design = engine: the D2D link, CMIS)");
      return CPO_ERR_INVALID_ARG;
    }
  }
  for (uint32_t i = 0; i < tl->n; i++) { /* the ELS lane events: the timeline's CMIS writes */
    const cpo_tl_event_t *e = &tl->ev[i];
    if (e->kind != CPO_TL_ELS_DISABLE && e->kind != CPO_TL_ELS_ENABLE)
      continue;
    const char *bad = NULL;
    char text[200];
    int line = e->line;
    if (o->board.els_lanes == 0) {
      snprintf(text, sizeof text,
               "needs an engine profile with an external laser source (els_ambient_k set, as "
               "mrm-els-8x200g and oif-3.2t): %s has none, and no CMIS page 1Ah",
               c->profile);
      bad = text;
    } else if (e->index != CPO_TIMELINE_ALL && e->index >= (int64_t)o->board.els_lanes) {
      snprintf(text, sizeof text, "laser %lld: the source has ELS lanes 0 to %u",
               (long long)e->index, o->board.els_lanes - 1);
      bad = text;
      line = cpo_timeline_key_line(e, "laser");
    } else if ((o->host_program != CPO_HOST_FIRMWARE && o->host_program != CPO_HOST_NONE) ||
               o->allow_attach) {
      /* its page selects would change the page under a CMIS host's feet */
      bad = "plays the CMIS host itself: only with [host] program = firmware or none, and no "
            "host attaching mid-run (--allow-attach)";
    }
    if (bad) {
      snprintf(why, why_len, "%s:%d: [event.%s] what = %s %s", tl->file, line, e->name,
               cpo_timeline_kind_name(e->kind), bad);
      return CPO_ERR_INVALID_ARG;
    }
  }
  const double cycle_s = (double)c->symbols_per_cycle / (double)c->baud_hz;
  const uint32_t engines = o->topology == CPO_TOPOLOGY_TWO_ENGINES ? 2 : 1;
  const uint32_t modules = (o->host_lanes + D2D_MODULE_LANES - 1) / D2D_MODULE_LANES;
  return cpo_timeline_resolve(tl, cycle_s, c->total_cycles, c->lanes, engines, modules, why,
                              why_len);
}

/* Schedule @p kind on @p index, or on every one of [first, first + n) when it is ALL. */
static cpo_status_t s_fault(cpo_link_t *link, cpo_link_fault_t kind, int64_t index, uint32_t first,
                            uint32_t n, double value, uint64_t cycle) {
  if (index != CPO_TIMELINE_ALL)
    return cpo_link_schedule_fault(link, kind, (uint32_t)index, value, cycle);
  for (uint32_t i = first; i < first + n; i++)
    CPO_TRY(cpo_link_schedule_fault(link, kind, i, value, cycle));
  return CPO_OK;
}

/* A ramp of engine @p engine's case from @p from_k to @p e's temperature: a step a
 * microsecond (at most RAMP_MAX_STEPS), the last one at the ramp's end. */
static cpo_status_t s_ramp(cpo_link_t *link, const cpo_tl_event_t *e, double from_k,
                           double cycle_s) {
  uint64_t steps = (uint64_t)((double)e->over_cycles * cycle_s / RAMP_STEP_S);
  steps = steps < 1 ? 1 : steps > RAMP_MAX_STEPS ? RAMP_MAX_STEPS : steps;
  const double to_k = cpo_c_to_k(e->temp_c);
  for (uint64_t k = 1; k <= steps; k++)
    CPO_TRY(cpo_link_set_ambient(link, e->engine, from_k + (to_k - from_k) * (double)k / steps,
                                 e->at_cycle + e->over_cycles * k / steps));
  return CPO_OK;
}

cpo_status_t cpo_timeline_schedule_model(const cpo_timeline_t *tl, cpo_link_t *link, double case_k,
                                         char *why, size_t why_len) {
  cpo_link_info_t info;
  cpo_link_get_info(link, &info);
  double ambient_k[2] = {case_k, case_k}; /* each engine's case as the timeline has left it */
  const uint32_t per_engine = info.lanes / info.engines;
  for (uint32_t i = 0; i < tl->n; i++) {
    const cpo_tl_event_t *e = &tl->ev[i];
    const uint64_t at = e->at_cycle;
    cpo_status_t rc = CPO_OK;
    switch (e->kind) {
    case CPO_TL_AMBIENT_STEP:
      rc = cpo_link_set_ambient(link, e->engine, cpo_c_to_k(e->temp_c), at);
      ambient_k[e->engine] = cpo_c_to_k(e->temp_c);
      break;
    case CPO_TL_AMBIENT_RAMP:
      rc = s_ramp(link, e, ambient_k[e->engine], info.cycle_s);
      ambient_k[e->engine] = cpo_c_to_k(e->temp_c);
      break;
    case CPO_TL_LASER_AGEING:
      rc = s_fault(link, CPO_LINK_FAULT_LASER_AGE, e->index, 0, info.lasers, e->hours, at);
      break;
    case CPO_TL_LASER_FAIL:
      rc = s_fault(link, CPO_LINK_FAULT_LASER_FAIL, e->index, 0, info.lasers, 1.0, at);
      break;
    case CPO_TL_FIBRE_LOSS:
      rc = s_fault(link, CPO_LINK_FAULT_LANE_LOSS, CPO_TIMELINE_ALL, e->engine * per_engine,
                   per_engine, e->loss_db, at);
      break;
    case CPO_TL_CONNECTOR_DIRT:
      rc = s_fault(link, CPO_LINK_FAULT_LANE_LOSS, e->index, 0, info.lanes, e->loss_db, at);
      break;
    case CPO_TL_HEATER_FAIL:
      rc = s_fault(link, CPO_LINK_FAULT_HEATER_FAIL, e->index, 0, info.lanes, 0.0, at);
      break;
    default: /* the rtl's */
      break;
    }
    if (rc != CPO_OK) {
      snprintf(why, why_len, "%s:%d: [event.%s] the engine model refused it (logged above)",
               tl->file, e->line, e->name);
      return rc;
    }
  }
  return CPO_OK;
}

uint32_t cpo_timeline_physics(const cpo_link_t *link, const double *ber_snapshot, double *values) {
  cpo_link_info_t info;
  cpo_link_get_info(link, &info);
  for (uint32_t l = 0; l < info.lanes; l++) {
    cpo_link_lane_state_t st;
    if (cpo_link_lane_state(link, l, &st) != CPO_OK)
      return 0;
    double *v = values + (size_t)l * CPO_PROTO_REPORT_FIELDS;
    v[CPO_REPORT_EXPECTED_BER] = cpo_link_expected_ber(link, l); /* exact, from the eye now */
    v[CPO_REPORT_SNAPSHOT_BER] = ber_snapshot ? ber_snapshot[l] : -1.0;
    v[CPO_REPORT_LASER_CURRENT_A] = st.laser_current_a;
    v[CPO_REPORT_LASER_TEMP_K] = st.laser_temp_k;
    v[CPO_REPORT_LASER_W] = st.laser_w;
    v[CPO_REPORT_OMA_W] = st.oma_outer_w;
    v[CPO_REPORT_RX_W] = st.rx_w;
    v[CPO_REPORT_DETUNING_M] = st.detuning_m;
    v[CPO_REPORT_HEATER_W] = st.heater_w;
    v[CPO_REPORT_RING_TEMP_K] = st.mod_temp_k;
  }
  return info.lanes;
}

/* A lane's exact expected BER over its snapshot's (-1: none; a snapshot of 0: infinite). */
static double s_vs_snapshot(const double *v) {
  const double now = v[CPO_REPORT_EXPECTED_BER], snap = v[CPO_REPORT_SNAPSHOT_BER];
  return snap < 0.0 ? -1.0 : snap > 0.0 ? now / snap : INFINITY;
}

int cpo_timeline_worst_vs_snapshot(const double *values, uint32_t lanes, double *ratio) {
  int worst = -1;
  for (uint32_t l = 0; l < lanes; l++) {
    const double r = s_vs_snapshot(values + (size_t)l * CPO_PROTO_REPORT_FIELDS);
    if (r >= 0.0 && (worst < 0 || r > *ratio))
      worst = (int)l, *ratio = r;
  }
  return worst;
}

void cpo_timeline_print_physics(FILE *f, const double *values, uint32_t lanes) {
  const bool snapshot = lanes && values[CPO_REPORT_SNAPSHOT_BER] >= 0.0;
  fprintf(f,
          "cpoemu[model]: each lane's physics at the end%s\n"
          "  lane  laser mA  laser degC  laser mW   OMA mW  RX dBm  detuning pm  heater mW  "
          "ring degC%s\n",
          lanes ? "" : " (a lane has processed nothing)",
          snapshot ? "  expected BER  snapshot BER  x snapshot" : "");
  for (uint32_t l = 0; l < lanes; l++) {
    const double *v = values + (size_t)l * CPO_PROTO_REPORT_FIELDS;
    char ber[64] = ""; /* exact, from the eyes: the run's now against the snapshot's */
    if (snapshot)
      snprintf(ber, sizeof ber, "  %12.2e  %12.2e  %10.3g", v[CPO_REPORT_EXPECTED_BER],
               v[CPO_REPORT_SNAPSHOT_BER], s_vs_snapshot(v));
    const double rx_w = v[CPO_REPORT_RX_W];
    fprintf(f, "  %4u  %8.1f  %10.1f  %8.2f  %7.3f  %6.1f  %11.1f  %9.2f  %9.1f%s\n", l,
            v[CPO_REPORT_LASER_CURRENT_A] * 1e3, cpo_k_to_c(v[CPO_REPORT_LASER_TEMP_K]),
            v[CPO_REPORT_LASER_W] * 1e3, v[CPO_REPORT_OMA_W] * 1e3,
            rx_w > 0 ? cpo_w_to_dbm(rx_w) : -99.9, v[CPO_REPORT_DETUNING_M] * 1e12,
            v[CPO_REPORT_HEATER_W] * 1e3, cpo_k_to_c(v[CPO_REPORT_RING_TEMP_K]), ber);
  }
  double worst_ratio = 0.0;
  const int worst = cpo_timeline_worst_vs_snapshot(values, lanes, &worst_ratio);
  if (worst >= 0) {
    const double *v = values + (size_t)worst * CPO_PROTO_REPORT_FIELDS;
    fprintf(f,
            "  expected BER (exact, from each lane's eye at the end) at most %.3gx the calibrated "
            "snapshot's for the same seed and profile (lane %d: %.2e against %.2e)\n",
            worst_ratio, worst, v[CPO_REPORT_EXPECTED_BER], v[CPO_REPORT_SNAPSHOT_BER]);
  }
  fflush(f);
}
