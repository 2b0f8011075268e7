/* The bring-up firmware's sequence and supervision: see cpo/fw_bringup.h. */
#include "cpo/fw_bringup.h"

#include <stdlib.h>
#include <string.h>

#include "cpo/cmis_map.h"
#include "cpo/oe_regs.h"

#include "d2d_supervise.h"
#include "eq_tune.h"
#include "fw_engine.h"
#include "fw_internal.h"
#include "laser_ctl.h"
#include "mzm_bias.h"
#include "ring_lock.h"

#define D2D_POLL_US 1.0
#define SUPERVISE_PERIOD_US 20.0    /* the fastest pace: a ring pulling or searching */
#define SUPERVISE_SLOWEST_US 1000.0 /* the slowest: a quiet engine (D2D and APC checked) */

struct cpo_fw {
  cpo_fw_engine_t e;
  cpo_fw_d2d_t d2d;
  bool brought_up; /* this firmware lit the engine: supervision has something to keep */
  uint32_t relocks;
};

cpo_status_t cpo_fw_create(cpo_hal_t *hal, cpo_fw_t **out) {
  cpo_fw_t *fw = calloc(1, sizeof *fw);
  if (!fw)
    return CPO_ERR_NO_MEMORY;
  fw->e.hal = hal;
  *out = fw;
  return CPO_OK;
}

void cpo_fw_destroy(cpo_fw_t **fw) {
  if (!fw || !*fw)
    return;
  free(*fw);
  *fw = NULL;
}

/* Dark: the first laser's drive DAC reads 0 (the engine's power-on state; bring-up lights the
 * lasers first, so a lit engine has it set). One read, so that a lit engine is left alone at
 * almost no cost. */
static cpo_status_t s_is_dark(cpo_fw_engine_t *e, bool *dark) {
  double i_a;
  CPO_TRY(cpo_fw_dac_read(e, CPO_DAC_LASER_CURRENT, 0, &i_a));
  *dark = i_a == 0.0;
  return CPO_OK;
}

/* The sequence: lasers (parked), rings (parked), then stream, D2D up, equalise. */
static cpo_status_t s_bring_up(cpo_fw_t *fw, cpo_fw_bringup_report_t *r) {
  cpo_fw_engine_t *e = &fw->e;
  CPO_TRY(cpo_fw_stream(e, 0, 0));
  CPO_TRY(cpo_fw_wait_monitors(e));
  cpo_status_t rc = cpo_fw_engine_count_lasers(e);
  if (rc != CPO_OK)
    return rc;
  rc = cpo_fw_laser_bringup(e);
  r->lasers_cycle = cpo_hal_now_cycles(e->hal);
  for (uint32_t j = 0; j < e->lanes; j++)
    r->lanes_lit += e->lane[j].lit;
  if (rc != CPO_OK)
    return rc;
  rc = e->product->ring ? cpo_fw_ring_lock_all(e) : cpo_fw_mzm_lock_all(e);
  r->locked_cycle = cpo_hal_now_cycles(e->hal);
  for (uint32_t j = 0; j < e->lanes; j++)
    r->lanes_locked += e->lane[j].locked;
  fw->brought_up = true;
  if (rc != CPO_OK)
    return rc;
  CPO_TRY(cpo_fw_stream_all(e));
  CPO_TRY(cpo_fw_d2d_wait_up(e, &fw->d2d, D2D_POLL_US));
  CPO_TRY(cpo_fw_eq_tune(e));
  /* the run's counters from here on measure the link as brought up */
  return cpo_fw_counters_clear(e);
}

cpo_status_t cpo_fw_bringup_run(cpo_fw_t *fw, uint64_t deadline_cycles,
                                cpo_fw_bringup_report_t *r) {
  cpo_fw_engine_t *e = &fw->e;
  memset(r, 0, sizeof *r);
  e->why[0] = '\0';
  e->deadline_cycles = deadline_cycles;
  r->start_cycle = cpo_hal_now_cycles(e->hal);
  bool dark = false;
  cpo_status_t rc = s_is_dark(e, &dark);
  if (rc == CPO_OK && dark) {
    r->was_dark = true;
    rc = cpo_fw_engine_probe(e, e->hal);
    r->lanes = e->lanes;
  }
  if (rc == CPO_OK && dark) {
    e->product = cpo_fw_product_find(cpo_hal_config(e->hal)->profile);
    if (!e->product)
      rc = cpo_fw_engine_fail(e, CPO_ERR_STATE, "no design table for engine profile \"%s\"",
                              cpo_hal_config(e->hal)->profile);
    else
      rc = s_bring_up(fw, r);
    /* A bring-up that stopped short leaves the lanes streaming, as it found them: the host
     * sees what the lanes do. */
    if (rc == CPO_ERR_STATE || rc == CPO_ERR_TIMEOUT) {
      const cpo_status_t restored = cpo_fw_stream_all(e); /* rc says what went wrong first */
      (void)restored;
    }
  }
  r->done_cycle = cpo_hal_now_cycles(e->hal);
  /* up: every lit lane locked; a lane or laser left out is named even so (the first failure) */
  r->up = rc == CPO_OK && r->lanes_locked == r->lanes_lit;
  if (rc != CPO_OK && e->why[0] == '\0')
    snprintf(e->why, sizeof e->why, "%s", cpo_hal_error(e->hal));
  snprintf(r->failure, sizeof r->failure, "%s", e->why);
  return rc;
}

/* The supervisor's pace: the rings drift with the ambient, a case over seconds (K/s). A round
 * that found every ring near its lock and every D2D link up doubles the period (up to the
 * slowest), one that found a ring drifting halves it, anything else (a ring pulling or
 * searching, a link down) goes back to the fastest, so a quiet engine costs few bus accesses
 * and a fast drift is still tracked. */
static uint64_t s_fastest(const cpo_fw_t *fw) {
  return cpo_hal_ns_to_cycles(fw->e.hal, (uint64_t)(SUPERVISE_PERIOD_US * 1e3));
}

uint64_t cpo_fw_supervise_next_period(cpo_fw_t *fw, uint64_t period) {
  cpo_fw_engine_t *e = &fw->e;
  const uint64_t fastest = s_fastest(fw);
  const uint64_t slowest = cpo_hal_ns_to_cycles(e->hal, (uint64_t)(SUPERVISE_SLOWEST_US * 1e3));
  if (period == 0)
    return fastest;
  const cpo_fw_track_t t = e->product->ring ? cpo_fw_ring_tracking(e) : CPO_FW_TRACK_QUIET;
  if (t == CPO_FW_TRACK_BUSY || fw->d2d.up < e->modules)
    return fastest;
  if (t == CPO_FW_TRACK_DRIFTING)
    return period / 2 > fastest ? period / 2 : fastest;
  return 2 * period < slowest ? 2 * period : slowest;
}

/* Sleep one supervision period (0: the fastest), but not into the last two fastest periods
 * before @p until. */
cpo_status_t cpo_fw_supervise_sleep(cpo_fw_t *fw, uint64_t period, uint64_t until_cycles) {
  const uint64_t now = cpo_hal_now_cycles(fw->e.hal);
  const uint64_t fastest = s_fastest(fw);
  if (period == 0)
    period = fastest;
  const uint64_t last = until_cycles > 2 * fastest ? until_cycles - 2 * fastest : 0;
  return cpo_hal_sleep_cycles(fw->e.hal, now + period < last ? period : last - now);
}

/* Whether supervision has another round before @p until_cycles. */
bool cpo_fw_supervise_more(const cpo_fw_t *fw, uint64_t until_cycles) {
  return cpo_hal_now_cycles(fw->e.hal) + 2 * s_fastest(fw) < until_cycles;
}

cpo_status_t cpo_fw_supervise_run(cpo_fw_t *fw, uint64_t until_cycles) {
  cpo_fw_engine_t *e = &fw->e;
  e->deadline_cycles = until_cycles;
  uint64_t period = 0;
  while (fw->brought_up && cpo_fw_supervise_more(fw, until_cycles)) {
    period = cpo_fw_supervise_next_period(fw, period);
    CPO_TRY(cpo_fw_supervise_sleep(fw, period, until_cycles));
    CPO_TRY(cpo_fw_laser_apc_step(e));
    if (e->product->ring)
      CPO_TRY(cpo_fw_ring_track(e, &fw->relocks));
    CPO_TRY(cpo_fw_d2d_check(e, &fw->d2d));
  }
  const uint64_t now = cpo_hal_now_cycles(e->hal);
  return now < until_cycles ? cpo_hal_sleep_cycles(e->hal, until_cycles - now) : CPO_OK;
}

/* Microseconds of simulated time per datapath cycle (for the reports). */
static double s_us_per_cycle(const cpo_fw_engine_t *e) {
  return 1e6 * cpo_hal_config(e->hal)->symbols_per_cycle / cpo_hal_config(e->hal)->baud_hz;
}

/* The external source's lanes as the firmware reported them (OE ELS_STATUS), if it has one. */
static void s_print_els(const cpo_fw_engine_t *e, FILE *out) {
  for (uint32_t k = 0; k < e->els.lanes; k++) {
    const uint32_t state = e->els.status >> (CPO_OE_ELS_STATUS_STATE_SHIFT + 2 * k) & 3u;
    const bool checked = e->els.status >> (CPO_OE_ELS_STATUS_FIBRE_CHECKED_SHIFT + k) & 1u;
    fprintf(out, "host: fw: ELS lane %u: %s%s, %s, %s control, %.1f mA\n", k,
            cpo_cmis_els_lane_state_name(state), checked ? " (fibre checked)" : "",
            cpo_fw_laser_enabled(e, k) ? "enabled" : "disabled",
            e->els.ctrl >> (CPO_OE_ELS_CTRL_POWER_MODE_SHIFT + k) & 1u ? "power" : "current",
            e->laser_current_a[k] * 1e3);
    if (e->els.relit[k]) {
      const double us = s_us_per_cycle(e);
      fprintf(out,
              "host: fw: ELS lane %u: ramped from dark again %u time%s after the host disabled "
              "it; last found disabled at %.1f us, ON again at %.1f us\n",
              k, e->els.relit[k], e->els.relit[k] == 1 ? "" : "s",
              (double)e->els.dark_cycle[k] * us, (double)e->els.lit_cycle[k] * us);
    }
  }
}

void cpo_fw_supervise_print(const cpo_fw_t *fw, FILE *out) {
  const cpo_fw_engine_t *e = &fw->e;
  if (!fw->brought_up)
    return;
  uint32_t locked = 0;
  for (uint32_t j = 0; j < e->lanes; j++)
    locked += e->lane[j].locked;
  fprintf(out,
          "host: fw: supervision: %u of %u lanes locked, %u relock%s, D2D %u of %u module%s up, "
          "%u D2D reset%s\n",
          locked, e->lanes, fw->relocks, fw->relocks == 1 ? "" : "s", fw->d2d.up, e->modules,
          e->modules == 1 ? "" : "s", fw->d2d.retrains, fw->d2d.retrains == 1 ? "" : "s");
  cpo_fw_ring_print_tracking(e, out);
  for (uint32_t k = 0; k < e->lasers; k++)
    if (e->apc_target_w[k] > 0.0)
      fprintf(out, "host: fw: laser %u: %.1f mA holding %.2f mW\n", k, e->laser_current_a[k] * 1e3,
              e->apc_target_w[k] * 1e3);
  s_print_els(e, out);
  fflush(out);
}

uint32_t cpo_fw_relocks(const cpo_fw_t *fw) {
  return fw->relocks;
}

void cpo_fw_bringup_print(const cpo_fw_t *fw, const cpo_fw_bringup_report_t *r, FILE *out) {
  const cpo_fw_engine_t *e = &fw->e;
  if (!r->was_dark) {
    fprintf(out, "host: fw: the engine is lit (laser drive set): no bring-up\n");
    return;
  }
  const double us = s_us_per_cycle(e);
  fprintf(out,
          "host: fw: bring-up from dark %s: %u of %u lanes lit, %u locked; lasers warm at %.1f "
          "us, rings locked at %.1f us, done at %.1f us (cycle %llu)%s%s\n",
          r->up ? "done" : "FAILED", r->lanes_lit, r->lanes, r->lanes_locked, r->lasers_cycle * us,
          r->locked_cycle * us, r->done_cycle * us, (unsigned long long)r->done_cycle,
          r->failure[0] ? ": " : "", r->failure);
  fprintf(out, "host: fw: lane  lit  locked  heater mW  bias V  drop/tap  thresholds lo/mid/hi  "
               "rx ffe\n");
  for (uint32_t j = 0; j < e->lanes; j++) {
    const cpo_fw_lane_t *l = &e->lane[j];
    fprintf(out, "host: fw: %4u  %3s  %6s  %9.3f  %6.3f  %8.4f  %6.4f %6.4f %6.4f  %+6.4f\n", j,
            l->lit ? "yes" : "NO", l->locked ? "yes" : "NO", l->heater_w * 1e3, l->bias_v, l->ratio,
            l->thr[0], l->thr[1], l->thr[2], l->rx_ffe);
  }
  for (uint32_t k = 0; k < e->lasers; k++)
    fprintf(out, "host: fw: laser %u: %.1f mA, APC target %.2f mW\n", k,
            e->laser_current_a[k] * 1e3, e->apc_target_w[k] * 1e3);
  s_print_els(e, out);
  fflush(out);
}

/* For the DPInit service (dpinit.c, fw_internal.h): the state it shares with bring-up. */
cpo_fw_engine_t *cpo_fw_engine_of(cpo_fw_t *fw) {
  return &fw->e;
}

cpo_fw_d2d_t *cpo_fw_d2d_of(cpo_fw_t *fw) {
  return &fw->d2d;
}

uint32_t *cpo_fw_relocks_of(cpo_fw_t *fw) {
  return &fw->relocks;
}

void cpo_fw_set_brought_up(cpo_fw_t *fw) {
  fw->brought_up = true;
}
