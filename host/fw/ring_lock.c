/* Micro-ring wavelength lock: see ring_lock.h.
 *
 * Physics the algorithm stands on (MODELS.md, ring model): heat red-shifts the resonance;
 * power lost in the ring heats it too (self-heating). With the resonance blue of the line,
 * moving it closer raises the loss and the heat, which pulls it closer still: unstable, and
 * past a fold it snaps over the line. With the resonance red of the line (laser on its blue
 * side) more loss pushes it away: stable. So the search heats from 0 W (every ring is made
 * blue of the line) and watches drop/tap rise; once it falls with more heat the ring sits on
 * the stable side, and the lock pulls it onto the design ratio there. Pulling never cools
 * past the peak, where the ring would fall back (that shows as a collapse of the ratio and
 * the lane searches again). */
#include "ring_lock.h"

#include <math.h>

#include "cpo/hal.h"

#define FALL_REL 0.01              /* a drop of the ratio beyond the monitors' noise */
#define FOUND_SHARE 0.5            /* a resonance: the ratio has reached half the lock ratio */
#define LOST_SHARE 0.3             /* fallen off: the ratio below this share of the lock ratio */
#define LOCK_TOL_REL 2e-3          /* locked: ratio within this of the lock ratio (~0.2 pm) */
#define UNLOCK_TOL_REL 1e-2        /* a locked lane pulls again beyond this */
#define SLOPE_GUESS_PER_W (-900.0) /* d ratio / d heater near the lock point, before measured */
#define SLOPE_MIN_PER_W (-20000.0)
#define SLOPE_MAX_PER_W (-50.0)
#define MAX_ITERATIONS 600u

/* The ratio lane @p l locks onto: its own once it has one (adopted), else the product's. */
static double s_target(const cpo_fw_engine_t *e, const cpo_fw_lane_t *l) {
  return l->lock_ratio > 0.0 ? l->lock_ratio : e->product->ring_lock_ratio;
}

/* The next heater setting of lane @p l (state PULL or LOCKED): onto the lock ratio along the
 * measured slope, at most half a search step at a time. */
static double s_pull_heater_w(const cpo_fw_engine_t *e, const cpo_fw_lane_t *l) {
  const double target = s_target(e, l);
  const double slope = l->slope < 0.0 ? l->slope : SLOPE_GUESS_PER_W;
  const double max_step_w = 0.5 * e->product->heater_step_w;
  const double step_w = fmax(-max_step_w, fmin(max_step_w, (target - l->ratio) / slope));
  return fmin(e->product->heater_max_w, fmax(0.0, l->heater_w + step_w));
}

/* Write lane @p j's next heater setting by its state; false when it has nothing to do. */
static cpo_status_t s_next_heater(cpo_fw_engine_t *e, uint32_t j, bool *moved) {
  cpo_fw_lane_t *l = &e->lane[j];
  double heater_w = l->heater_w;
  *moved = false;
  if (!l->lit || l->dark || l->state == CPO_FW_RING_FAILED) /* dark: no light to lock on */
    return CPO_OK;
  if (l->state == CPO_FW_RING_SEARCH) {
    heater_w += e->product->heater_step_w;
    if (heater_w > e->product->heater_max_w) {
      l->state = CPO_FW_RING_FAILED;
      return cpo_fw_engine_fail(e, CPO_OK,
                                "lane %u: no resonance found up to the heater's %.1f mW limit", j,
                                e->product->heater_max_w * 1e3);
    }
  } else {
    heater_w = s_pull_heater_w(e, l);
  }
  if (cpo_dac_si_to_code(CPO_DAC_HEATER, heater_w) !=
      cpo_dac_si_to_code(CPO_DAC_HEATER, l->heater_w)) {
    CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_HEATER, j, heater_w));
    *moved = true;
  }
  l->slope_dh = heater_w - l->heater_w;
  l->heater_w = heater_w;
  return CPO_OK;
}

/* Lane @p j is locked again after falling off: its time off goes to the record. */
static void s_relocked(cpo_fw_engine_t *e, uint32_t j) {
  cpo_fw_lane_t *l = &e->lane[j];
  const uint64_t now = cpo_hal_now_cycles(e->hal);
  e->relocks_done++;
  if (now - l->lost_cycle > e->worst_relock_cycles)
    e->worst_relock_cycles = now - l->lost_cycle;
  if (e->relocks_logged < CPO_FW_RELOCK_LOG)
    e->relock_log[e->relocks_logged++] = (cpo_fw_relock_t){j, l->lost_cycle, now};
  l->lost_cycle = 0;
}

/* Lane @p j's new ratio @p ratio after its move: the state's next step. */
static void s_update(cpo_fw_engine_t *e, uint32_t j, double ratio, uint32_t *relocked) {
  cpo_fw_lane_t *l = &e->lane[j];
  const double target = s_target(e, l);
  const double before = l->ratio;
  l->ratio = ratio;
  switch (l->state) {
  case CPO_FW_RING_SEARCH:
    l->peak = fmax(l->peak, ratio);
    if (l->peak >= FOUND_SHARE * target && ratio < before * (1.0 - FALL_REL))
      l->state = CPO_FW_RING_PULL; /* falling with more heat: past the snap, stable side */
    break;
  case CPO_FW_RING_PULL:
  case CPO_FW_RING_LOCKED:
    if (ratio < LOST_SHARE * target) { /* fell off to the blue: search again from here */
      l->state = CPO_FW_RING_SEARCH;
      l->peak = ratio;
      l->relocks++;
      if (relocked) {
        ++*relocked;
        if (!l->lost_cycle) /* in service (not bring-up): timed until it locks again */
          l->lost_cycle = cpo_hal_now_cycles(e->hal);
      }
      break;
    }
    if (fabs(l->slope_dh) >= 2e-6) { /* a move the monitors resolve: learn the slope */
      const double s = (ratio - before) / l->slope_dh;
      if (s < 0.0)
        l->slope = fmax(SLOPE_MIN_PER_W, fmin(SLOPE_MAX_PER_W, s));
    }
    if (fabs(ratio - target) <= LOCK_TOL_REL * target) {
      l->state = CPO_FW_RING_LOCKED;
      if (l->lost_cycle)
        s_relocked(e, j);
    } else if (fabs(ratio - target) > UNLOCK_TOL_REL * target)
      l->state = CPO_FW_RING_PULL;
    break;
  default:
    break;
  }
}

/* One round over every lane: move the heaters, wait, read the monitors, update. */
static cpo_status_t s_round(cpo_fw_engine_t *e, uint32_t *relocked) {
  bool any = false;
  for (uint32_t j = 0; j < e->lanes; j++) {
    bool moved;
    CPO_TRY(s_next_heater(e, j, &moved));
    any = any || moved;
  }
  if (any)
    CPO_TRY(cpo_fw_wait_monitors(e));
  for (uint32_t j = 0; j < e->lanes; j++) {
    cpo_fw_lane_t *l = &e->lane[j];
    if (!l->lit || l->dark || l->state == CPO_FW_RING_FAILED)
      continue;
    double tap_a, drop_a;
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_TAP_PD, j, &tap_a));
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_DROP_PD, j, &drop_a));
    s_update(e, j, tap_a > 0.0 ? drop_a / tap_a : 0.0, relocked);
    if (l->state == CPO_FW_RING_LOCKED || l->state == CPO_FW_RING_PULL)
      e->track_err_rel = fmax(e->track_err_rel, fabs(l->ratio / s_target(e, l) - 1.0));
  }
  if (relocked) /* tracking (bring-up's search and pull are not) */
    e->worst_track_err_rel = fmax(e->worst_track_err_rel, e->track_err_rel);
  return CPO_OK;
}

cpo_status_t cpo_fw_ring_lock_all(cpo_fw_engine_t *e) {
  const cpo_fw_product_t *p = e->product;
  for (uint32_t j = 0; j < e->lanes; j++) {
    cpo_fw_lane_t *l = &e->lane[j];
    if (!l->lit)
      continue;
    double swing_v;
    CPO_TRY(cpo_fw_dac_read(e, CPO_DAC_DRIVER_SWING, j, &swing_v));
    l->bias_v = 0.5 * swing_v + p->ring_bias_margin_v;
    CPO_TRY(cpo_fw_dac_write(e, CPO_DAC_MOD_BIAS, j, l->bias_v));
    l->heater_w = 0.0;
    l->state = CPO_FW_RING_SEARCH;
    l->ratio = l->peak = 0.0;
    l->slope = 0.0;
    l->lock_ratio = 0.0; /* the product's */
    l->lost_cycle = 0;
  }
  for (uint32_t it = 0; it < MAX_ITERATIONS; it++) {
    bool done = true;
    for (uint32_t j = 0; j < e->lanes; j++)
      done =
          done && (!e->lane[j].lit || e->lane[j].dark || e->lane[j].state == CPO_FW_RING_LOCKED ||
                   e->lane[j].state == CPO_FW_RING_FAILED);
    if (done)
      break;
    CPO_TRY(s_round(e, NULL));
  }
  /* A lane whose ring cannot lock is named and left out; the others go on to carry traffic:
   * bring-up stops only when no ring locked. */
  uint32_t locked = 0;
  for (uint32_t j = 0; j < e->lanes; j++) {
    cpo_fw_lane_t *l = &e->lane[j];
    l->locked = l->lit && l->state == CPO_FW_RING_LOCKED;
    locked += l->locked;
    if (l->lit && !l->locked)
      (void)cpo_fw_engine_fail(e, CPO_OK,
                               "lane %u: ring not locked (drop/tap %.3f, lock ratio %.3f, heater "
                               "%.2f mW)",
                               j, l->ratio, p->ring_lock_ratio, l->heater_w * 1e3);
  }
  return locked ? CPO_OK : cpo_fw_engine_fail(e, CPO_ERR_STATE, "no ring locked");
}

cpo_status_t cpo_fw_ring_track(cpo_fw_engine_t *e, uint32_t *relocked) {
  e->track_err_rel = 0.0;
  CPO_TRY(s_round(e, relocked));
  for (uint32_t j = 0; j < e->lanes; j++)
    e->lane[j].locked = e->lane[j].lit && e->lane[j].state == CPO_FW_RING_LOCKED;
  return CPO_OK;
}

cpo_fw_track_t cpo_fw_ring_tracking(const cpo_fw_engine_t *e) {
  /* e->track_err_rel: the locked and pulling lanes of the last round */
  for (uint32_t j = 0; j < e->lanes; j++)
    if (e->lane[j].lit && !e->lane[j].dark && e->lane[j].state != CPO_FW_RING_LOCKED &&
        e->lane[j].state != CPO_FW_RING_FAILED)
      return CPO_FW_TRACK_BUSY;
  if (e->track_err_rel > LOCK_TOL_REL)
    return CPO_FW_TRACK_BUSY;
  return e->track_err_rel > 0.5 * LOCK_TOL_REL ? CPO_FW_TRACK_DRIFTING : CPO_FW_TRACK_QUIET;
}

void cpo_fw_ring_adopt(cpo_fw_engine_t *e, uint32_t j, double ratio, double heater_w) {
  cpo_fw_lane_t *l = &e->lane[j];
  l->heater_w = heater_w;
  l->ratio = l->peak = l->lock_ratio = ratio;
  l->slope = 0.0;
  l->lost_cycle = 0;
  l->state = CPO_FW_RING_LOCKED;
  l->locked = true;
}

void cpo_fw_ring_print_tracking(const cpo_fw_engine_t *e, FILE *out) {
  const cpo_config_t *c = cpo_hal_config(e->hal);
  const double us = 1e6 * c->symbols_per_cycle / c->baud_hz;
  for (uint32_t i = 0; i < e->relocks_logged; i++) {
    const cpo_fw_relock_t *r = &e->relock_log[i];
    fprintf(out,
            "host: fw: relock: lane %u off its line at %.1f us, locked again at %.1f us "
            "(%.1f us)\n",
            r->lane, r->lost_cycle * us, r->back_cycle * us, (r->back_cycle - r->lost_cycle) * us);
  }
  for (uint32_t j = 0; j < e->lanes; j++)
    if (e->lane[j].lost_cycle)
      fprintf(out, "host: fw: relock: lane %u off its line since %.1f us, not locked again\n", j,
              e->lane[j].lost_cycle * us);
  if (!e->product->ring)
    return;
  fprintf(out,
          "host: fw: tracking: worst drop/tap error of a tracked ring %.2f %% of its lock ratio "
          "(locked within %.1f %%; fallen off at -%.0f %%)\n",
          e->worst_track_err_rel * 100.0, UNLOCK_TOL_REL * 100.0, (1.0 - LOST_SHARE) * 100.0);
  if (e->relocks_logged)
    fprintf(out, "host: fw: relock: longest %.1f us off the line%s\n", e->worst_relock_cycles * us,
            e->relocks_logged == CPO_FW_RELOCK_LOG ? " (the first relocks listed only)" : "");
}
