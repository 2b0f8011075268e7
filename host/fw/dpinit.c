/* The engine firmware's DPInit service and supervisor: see cpo/fw_dpinit.h.
 *
 * Lanes join the firmware's care one calibration at a time: a lane's e->lane[].lit is set only
 * once CAL_REQ asked for it (and the fibre check saw light at it), so the shared lock, APC and
 * tracking steps (which work on every lit lane) touch only lanes CMIS has handed over. While a
 * calibration runs, lanes calibrated before are hidden from the lock and equalisation steps
 * (which would otherwise start them over) and restored after. */
#include "cpo/fw_dpinit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpo/addrmap.h"
#include "cpo/d2d_regs.h"
#include "cpo/oe_regs.h"
#include "eq_tune.h"
#include "fw_internal.h"
#include "laser_ctl.h"
#include "mzm_bias.h"
#include "ring_lock.h"

#define D2D_POLL_US 1.0
/* adopted as found: a ring's drop/tap ratio within this of the design's lock point. A ring off
 * its line reads near 0; tracking (ring_lock.c) relocks one beyond 1 % of it anyway. */
#define ADOPT_TOL_REL 0.1
#define RELOCK_US 2.0 /* a lane turned on: the path's latency (~0.5 us) and the checkers' lock */

static const uint32_t s_asic_d2d[CPO_FW_MAX_MODULES] = {CPO_ADDRMAP_ENGINE_ASIC_D2D_BASE,
                                                        CPO_ADDRMAP_ENGINE_ASIC_D2D1_BASE};

struct cpo_fw_dpinit {
  cpo_fw_t *fw;
  cpo_fw_engine_t *e;
  bool booted;
  bool lasers_on;
  bool stream_known;  /* STREAM_EN holds `streaming` (equalisation changes it behind us) */
  uint64_t all;       /* every media lane */
  uint64_t fibre_lit; /* lanes whose tap saw light at the lasers' check drive */
  uint64_t tx_lol;    /* OE TX_LOL as written */
  uint64_t streaming; /* OE STREAM_EN as written */
  uint64_t given_up;  /* lanes that failed and still ask: not tried again until they leave */
  bool found_lit;     /* the lasers were on at boot: the engine is adopted, not lit again */
  cpo_fw_dpinit_report_t r;
};

cpo_status_t cpo_fw_dpinit_create(cpo_fw_t *fw, cpo_fw_dpinit_t **out) {
  cpo_fw_dpinit_t *dp = calloc(1, sizeof *dp);
  if (!dp)
    return CPO_ERR_NO_MEMORY;
  dp->fw = fw;
  dp->e = cpo_fw_engine_of(fw);
  *out = dp;
  return CPO_OK;
}

void cpo_fw_dpinit_destroy(cpo_fw_dpinit_t **dp) {
  if (!dp || !*dp)
    return;
  free(*dp);
  *dp = NULL;
}

const cpo_fw_dpinit_report_t *cpo_fw_dpinit_report(const cpo_fw_dpinit_t *dp) {
  return &dp->r;
}

static uint64_t s_bit(uint32_t lane) {
  return 1ull << lane;
}

/* A lane mask register pair (LO: lanes 0..31, HI: 32..63; HI only on an engine that has it). */
static cpo_status_t s_read_mask(cpo_fw_dpinit_t *dp, uint32_t lo, uint32_t hi, uint64_t *mask) {
  uint32_t v[2] = {0, 0};
  CPO_TRY(cpo_hal_read(dp->e->hal, CPO_FW_OE_MGMT(lo), &v[0]));
  if (dp->e->lanes > 32)
    CPO_TRY(cpo_hal_read(dp->e->hal, CPO_FW_OE_MGMT(hi), &v[1]));
  *mask = ((uint64_t)v[1] << 32 | v[0]) & dp->all;
  return CPO_OK;
}

static cpo_status_t s_write_mask(cpo_fw_dpinit_t *dp, uint32_t lo, uint32_t hi, uint64_t mask) {
  CPO_TRY(cpo_hal_write(dp->e->hal, CPO_FW_OE_MGMT(lo), (uint32_t)mask));
  if (dp->e->lanes > 32)
    CPO_TRY(cpo_hal_write(dp->e->hal, CPO_FW_OE_MGMT(hi), (uint32_t)(mask >> 32)));
  return CPO_OK;
}

/* Stream exactly the lanes in @p mask (written only when it changes). */
static cpo_status_t s_stream(cpo_fw_dpinit_t *dp, uint64_t mask) {
  if (dp->stream_known && mask == dp->streaming)
    return CPO_OK;
  CPO_TRY(cpo_fw_stream(dp->e, (uint32_t)mask, (uint32_t)(mask >> 32)));
  dp->streaming = mask;
  dp->stream_known = true;
  return CPO_OK;
}

/* An engine lit before this firmware booted (the calibrated start: as a finished bring-up left
 * it): the lasers, modulators and equalisers are taken as found (drive, heater and lock point
 * read back) instead of lit again, and every lane with light whose ring sits on its line (its
 * drop/tap ratio within ADOPT_TOL_REL of the design's lock ratio) is calibrated as found
 * (CAL_DONE) and supervised from now on. The others are left to their DPInit (their CAL_DONE
 * bit cleared), as is a lane that later loses its lock. */
static cpo_status_t s_adopt(cpo_fw_dpinit_t *dp, uint64_t deadline_cycles) {
  cpo_fw_engine_t *e = dp->e;
  e->deadline_cycles = deadline_cycles;
  CPO_TRY(cpo_fw_wait_monitors(e));
  CPO_TRY(cpo_fw_engine_count_lasers(e));
  CPO_TRY(cpo_fw_laser_adopt(e));
  for (uint32_t j = 0; j < e->lanes; j++) {
    cpo_fw_lane_t *l = &e->lane[j];
    double tap_a, drop_a, heater_w;
    CPO_TRY(cpo_fw_dac_read(e, CPO_DAC_HEATER, j, &heater_w));
    CPO_TRY(cpo_fw_dac_read(e, CPO_DAC_MOD_BIAS, j, &l->bias_v));
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_TAP_PD, j, &tap_a));
    CPO_TRY(cpo_fw_adc_read(e, CPO_ADC_DROP_PD, j, &drop_a));
    if (!l->lit)
      continue;
    dp->fibre_lit |= s_bit(j);
    const double lock = e->product->ring_lock_ratio;
    if (e->product->ring && !(fabs(drop_a / tap_a - lock) <= ADOPT_TOL_REL * lock)) {
      dp->r.off_line |= s_bit(j);
      continue;
    }
    dp->r.adopted |= s_bit(j);
    if (e->product->ring)
      cpo_fw_ring_adopt(e, j, drop_a / tap_a, heater_w);
    l->heater_w = heater_w;
    l->locked = true;
  }
  dp->lasers_on = true;
  dp->r.calibrated |= dp->r.adopted;
  dp->r.last_cycle = cpo_hal_now_cycles(e->hal);
  if (dp->r.adopted)
    cpo_fw_set_brought_up(dp->fw);
  return s_write_mask(dp, CPO_OE_CAL_DONE_LO_OFFSET, CPO_OE_CAL_DONE_HI_OFFSET, dp->r.calibrated);
}

cpo_status_t cpo_fw_dpinit_boot(cpo_fw_dpinit_t *dp) {
  cpo_fw_engine_t *e = dp->e;
  e->why[0] = '\0';
  cpo_status_t rc = cpo_fw_engine_probe(e, e->hal);
  if (rc == CPO_OK && !(e->product = cpo_fw_product_find(cpo_hal_config(e->hal)->profile)))
    rc = cpo_fw_engine_fail(e, CPO_ERR_STATE, "no design table for engine profile \"%s\"",
                            cpo_hal_config(e->hal)->profile);
  if (rc != CPO_OK) {
    snprintf(dp->r.failure, sizeof dp->r.failure, "%s", e->why[0] ? e->why : "probe failed");
    return rc;
  }
  dp->all = e->lanes >= 64 ? ~0ull : s_bit(e->lanes) - 1;
  /* lit before us (any laser's drive set; one the engine lacks reads 0): adopted at the first
   * poll */
  dp->found_lit = false;
  for (uint32_t k = 0; k < e->lanes && !dp->found_lit; k++) {
    double drive_a;
    CPO_TRY(cpo_fw_dac_read(e, CPO_DAC_LASER_CURRENT, k, &drive_a));
    dp->found_lit = drive_a > 0.0;
  }
  dp->booted = true;
  return s_stream(dp, 0);
}

/* Append "lane J: CAUSE" for each lane of @p failed to the report's failure text. */
static void s_name_failures(cpo_fw_dpinit_t *dp, uint64_t failed, const char *common) {
  const cpo_fw_engine_t *e = dp->e;
  for (uint32_t j = 0; j < e->lanes; j++) {
    if (!(failed & s_bit(j)))
      continue;
    const cpo_fw_lane_t *l = &e->lane[j];
    char cause[320];
    const uint32_t k = e->els.lanes ? cpo_fw_laser_of(e, j) : 0;
    if (e->els.lanes && !cpo_fw_laser_enabled(e, k))
      snprintf(cause, sizeof cause, "its laser is off: ELS lane %u disabled by the CMIS host", k);
    else if (!(dp->fibre_lit & s_bit(j)))
      snprintf(cause, sizeof cause, "no light at its tap at the lasers' check drive (%s)",
               common[0] ? common : "fibre open or laser dark");
    else if (l->dark)
      snprintf(cause, sizeof cause, "no light at its tap since ELS lane %u was enabled again", k);
    else if (common[0])
      snprintf(cause, sizeof cause, "%s", common);
    else if (e->product->ring && l->state == CPO_FW_RING_FAILED)
      snprintf(cause, sizeof cause,
               "ring not locked: no resonance found up to the heater's %.1f mW limit (drop/tap "
               "%.3f, lock ratio %.3f)",
               e->product->heater_max_w * 1e3, l->ratio, e->product->ring_lock_ratio);
    else if (e->product->ring)
      snprintf(cause, sizeof cause,
               "ring not locked (drop/tap %.3f, lock ratio %.3f, heater %.2f mW)", l->ratio,
               e->product->ring_lock_ratio, l->heater_w * 1e3);
    else
      snprintf(cause, sizeof cause, "MZM not at quadrature (heater %.2f mW)", l->heater_w * 1e3);
    const size_t n = strlen(dp->r.failure);
    snprintf(dp->r.failure + n, sizeof dp->r.failure - n, "%slane %u: %s", n ? "; " : "", j, cause);
  }
}

/* The lasers, once: check drive, fibre check, ramp, warm-up, APC targets. */
static cpo_status_t s_lasers(cpo_fw_dpinit_t *dp) {
  cpo_fw_engine_t *e = dp->e;
  CPO_TRY(cpo_fw_wait_monitors(e));
  CPO_TRY(cpo_fw_engine_count_lasers(e));
  const cpo_status_t rc = cpo_fw_laser_bringup(e);
  for (uint32_t j = 0; j < e->lanes; j++) {
    dp->fibre_lit |= e->lane[j].lit ? s_bit(j) : 0;
    e->lane[j].lit = false; /* a lane joins when CAL_REQ hands it over */
  }
  dp->lasers_on = rc == CPO_OK;
  if (rc == CPO_OK)
    e->why[0] = '\0'; /* a laser left off is named per lane, by its lanes' fibre check */
  return rc;
}

/* Lock and equalise the lit lanes of @p m, the lanes calibrated before hidden. */
static cpo_status_t s_lock_and_tune(cpo_fw_dpinit_t *dp, uint64_t m) {
  cpo_fw_engine_t *e = dp->e;
  bool lit[CPO_FW_MAX_LANES], locked[CPO_FW_MAX_LANES];
  for (uint32_t j = 0; j < e->lanes; j++) {
    lit[j] = e->lane[j].lit;
    locked[j] = e->lane[j].locked;
    /* light seen at its tap at some check (an ELS lane may have been ramped again since), and
     * its laser on now */
    dp->fibre_lit |= e->lane[j].light ? s_bit(j) : 0;
    e->lane[j].lit = (m & dp->fibre_lit & s_bit(j)) != 0 && !e->lane[j].dark;
    e->lane[j].locked = false;
  }
  cpo_status_t rc = e->product->ring ? cpo_fw_ring_lock_all(e) : cpo_fw_mzm_lock_all(e);
  if (rc == CPO_ERR_STATE) { /* some lanes did not lock: each is named by its state */
    e->why[0] = '\0';
    rc = CPO_OK;
  }
  if (e->product->ring) /* the lock stops at its first failed lane: every lane by its state */
    for (uint32_t j = 0; j < e->lanes; j++)
      e->lane[j].locked = e->lane[j].lit && e->lane[j].state == CPO_FW_RING_LOCKED;
  bool any = false;
  for (uint32_t j = 0; j < e->lanes; j++)
    any = any || (e->lane[j].lit && e->lane[j].locked);
  if (rc == CPO_OK && any) {
    rc = cpo_fw_stream_all(e);
    dp->stream_known = false;
    if (rc == CPO_OK)
      rc = cpo_fw_d2d_wait_up(e, cpo_fw_d2d_of(dp->fw), D2D_POLL_US);
    if (rc == CPO_OK)
      rc = cpo_fw_eq_tune(e);
    if (rc == CPO_OK) /* the run's counters from here on measure the calibrated link */
      rc = cpo_fw_counters_clear(e);
  }
  for (uint32_t j = 0; j < e->lanes; j++)
    if (!(m & s_bit(j))) {
      e->lane[j].lit = lit[j];
      e->lane[j].locked = locked[j];
    }
  return rc;
}

/* Calibrate the lanes of @p m: CAL_DONE for those that made it, TX_LOL for the others. */
static cpo_status_t s_calibrate(cpo_fw_dpinit_t *dp, uint64_t m, uint64_t deadline_cycles) {
  cpo_fw_engine_t *e = dp->e;
  e->deadline_cycles = deadline_cycles;
  e->why[0] = '\0';
  dp->r.calibrations++;
  dp->r.requested |= m;
  cpo_status_t rc = dp->lasers_on ? CPO_OK : s_lasers(dp);
  if (rc == CPO_OK)
    rc = s_lock_and_tune(dp, m);
  if (rc != CPO_OK && rc != CPO_ERR_STATE && rc != CPO_ERR_TIMEOUT)
    return rc; /* the HAL failed */
  uint64_t done = 0;
  if (rc == CPO_OK)
    for (uint32_t j = 0; j < e->lanes; j++)
      done |= (m & s_bit(j)) && e->lane[j].lit && e->lane[j].locked ? s_bit(j) : 0;
  const uint64_t failed = m & ~done;
  for (uint32_t j = 0; j < e->lanes; j++)
    if (failed & s_bit(j)) /* out of service: supervision leaves it alone */
      e->lane[j].lit = e->lane[j].locked = false;
  s_name_failures(dp, failed, rc == CPO_OK ? "" : e->why);
  dp->r.calibrated |= done;
  dp->r.failed = (dp->r.failed | failed) & ~done;
  dp->given_up |= failed;
  dp->r.last_cycle = cpo_hal_now_cycles(e->hal);
  if (done)
    cpo_fw_set_brought_up(dp->fw);
  CPO_TRY(s_write_mask(dp, CPO_OE_CAL_DONE_LO_OFFSET, CPO_OE_CAL_DONE_HI_OFFSET, dp->r.calibrated));
  dp->tx_lol = (dp->tx_lol | failed) & ~done;
  return s_write_mask(dp, CPO_OE_TX_LOL_LO_OFFSET, CPO_OE_TX_LOL_HI_OFFSET, dp->tx_lol);
}

cpo_status_t cpo_fw_dpinit_poll(cpo_fw_dpinit_t *dp, uint64_t deadline_cycles) {
  if (!dp->booted)
    return CPO_OK;
  if (dp->found_lit && !dp->lasers_on) { /* lit before us: adopted, once */
    dp->found_lit = false;
    const cpo_status_t rc = s_adopt(dp, deadline_cycles);
    if (rc != CPO_OK && rc != CPO_ERR_STATE && rc != CPO_ERR_TIMEOUT)
      return rc; /* the HAL failed; otherwise the lanes are calibrated as they ask */
    if (rc != CPO_OK)
      snprintf(dp->r.failure, sizeof dp->r.failure, "adopting the lit engine: %s", dp->e->why);
  }
  uint64_t req, active;
  CPO_TRY(s_read_mask(dp, CPO_OE_CAL_REQ_LO_OFFSET, CPO_OE_CAL_REQ_HI_OFFSET, &req));
  dp->given_up &= req; /* a lane that left DPInit is tried again when it comes back */
  if (req & ~dp->given_up)
    CPO_TRY(s_calibrate(dp, req & ~dp->given_up, deadline_cycles));
  if (!dp->r.calibrated)
    return s_stream(dp, 0);
  /* a lane's transmitter goes on once CMIS has Activated its data path */
  CPO_TRY(s_read_mask(dp, CPO_OE_DP_ACTIVE_LO_OFFSET, CPO_OE_DP_ACTIVE_HI_OFFSET, &active));
  const uint64_t was = dp->stream_known ? dp->streaming : 0;
  CPO_TRY(s_stream(dp, active & dp->r.calibrated));
  if (!(dp->streaming & ~was))
    return CPO_OK;
  /* lanes turned on: once their checkers have relocked, the run's counters measure the link
   * in service (errors counted while parked or relocking are not its BER) */
  dp->e->deadline_cycles = deadline_cycles;
  const cpo_status_t rc = cpo_fw_wait_us(dp->e, RELOCK_US);
  return rc == CPO_OK ? cpo_fw_counters_clear(dp->e) : rc == CPO_ERR_TIMEOUT ? CPO_OK : rc;
}

/* Lanes calibrated whose ring fell off and could not be found again: out of service, TX_LOL,
 * and CAL_DONE cleared, so that the lane's next DPInit calibrates it again (CAL_REQ). */
static cpo_status_t s_lol_update(cpo_fw_dpinit_t *dp) {
  cpo_fw_engine_t *e = dp->e;
  uint64_t lost = 0;
  for (uint32_t j = 0; j < e->lanes; j++)
    if ((dp->r.calibrated & s_bit(j)) && e->lane[j].state == CPO_FW_RING_FAILED)
      lost |= s_bit(j);
  if (!lost)
    return CPO_OK;
  s_name_failures(dp, lost, "");
  for (uint32_t j = 0; j < e->lanes; j++)
    if (lost & s_bit(j)) /* supervision leaves it alone until it is calibrated again */
      e->lane[j].lit = e->lane[j].locked = false;
  dp->r.calibrated &= ~lost;
  dp->r.failed |= lost;
  dp->tx_lol |= lost;
  CPO_TRY(s_write_mask(dp, CPO_OE_CAL_DONE_LO_OFFSET, CPO_OE_CAL_DONE_HI_OFFSET, dp->r.calibrated));
  return s_write_mask(dp, CPO_OE_TX_LOL_LO_OFFSET, CPO_OE_TX_LOL_HI_OFFSET, dp->tx_lol);
}

static uint32_t s_popcount(uint64_t v) {
  return (uint32_t)__builtin_popcountll(v);
}

/* The D2D link's record at the ASIC end of each module: retrains, trainings, repaired wires. */
static cpo_status_t s_d2d_read(cpo_fw_dpinit_t *dp) {
  cpo_fw_dpinit_report_t *r = &dp->r;
  r->d2d_retrains = r->d2d_trainings = r->d2d_repaired = 0;
  for (uint32_t m = 0; m < dp->e->modules; m++) {
    uint32_t cnt, bad[4];
    static const uint32_t bad_off[4] = {CPO_D2D_RX_BAD_LO_OFFSET, CPO_D2D_RX_BAD_HI_OFFSET,
                                        CPO_D2D_TX_BAD_LO_OFFSET, CPO_D2D_TX_BAD_HI_OFFSET};
    CPO_TRY(cpo_hal_read(dp->e->hal, s_asic_d2d[m] + CPO_D2D_TRAIN_CNT_OFFSET, &cnt));
    for (int k = 0; k < 4; k++)
      CPO_TRY(cpo_hal_read(dp->e->hal, s_asic_d2d[m] + bad_off[k], &bad[k]));
    r->d2d_retrains += (cnt & CPO_D2D_TRAIN_CNT_RETRAINS_MASK) >> CPO_D2D_TRAIN_CNT_RETRAINS_SHIFT;
    r->d2d_trainings +=
        (cnt & CPO_D2D_TRAIN_CNT_TRAININGS_MASK) >> CPO_D2D_TRAIN_CNT_TRAININGS_SHIFT;
    r->d2d_repaired +=
        s_popcount((uint64_t)bad[1] << 32 | bad[0]) + s_popcount((uint64_t)bad[3] << 32 | bad[2]);
  }
  r->d2d_resets = cpo_fw_d2d_of(dp->fw)->retrains;
  return CPO_OK;
}

cpo_status_t cpo_fw_dpinit_supervise(cpo_fw_dpinit_t *dp, uint64_t until_cycles) {
  cpo_fw_engine_t *e = dp->e;
  uint64_t period = 0;
  while (dp->booted && cpo_fw_supervise_more(dp->fw, until_cycles)) {
    /* nothing calibrated yet: CAL_REQ is looked at at the fastest pace */
    period = dp->r.calibrated ? cpo_fw_supervise_next_period(dp->fw, period) : 0;
    CPO_TRY(cpo_fw_supervise_sleep(dp->fw, period, until_cycles));
    CPO_TRY(cpo_fw_dpinit_poll(dp, until_cycles));
    if (!dp->r.calibrated)
      continue;
    e->deadline_cycles = until_cycles;
    CPO_TRY(cpo_fw_laser_apc_step(e));
    if (e->product->ring) {
      CPO_TRY(cpo_fw_ring_track(e, cpo_fw_relocks_of(dp->fw)));
      CPO_TRY(s_lol_update(dp));
    }
    CPO_TRY(cpo_fw_d2d_check(e, cpo_fw_d2d_of(dp->fw)));
  }
  if (dp->booted)
    CPO_TRY(s_d2d_read(dp));
  dp->r.relocks = *cpo_fw_relocks_of(dp->fw);
  dp->r.relocked = e->relocks_done;
  const cpo_config_t *c = cpo_hal_config(e->hal);
  dp->r.worst_relock_us = 1e6 * (double)e->worst_relock_cycles * c->symbols_per_cycle / c->baud_hz;
  dp->r.worst_track_rel = e->worst_track_err_rel;
  const uint64_t now = cpo_hal_now_cycles(e->hal);
  return now < until_cycles ? cpo_hal_sleep_cycles(e->hal, until_cycles - now) : CPO_OK;
}

void cpo_fw_dpinit_print(const cpo_fw_dpinit_report_t *r, FILE *out) {
  fprintf(out,
          "host: fw: DPInit: %u calibration%s, lanes requested 0x%llx, calibrated 0x%llx "
          "(CAL_DONE), failed 0x%llx (TX_LOL), last done at cycle %llu%s%s\n",
          r->calibrations, r->calibrations == 1 ? "" : "s", (unsigned long long)r->requested,
          (unsigned long long)r->calibrated, (unsigned long long)r->failed,
          (unsigned long long)r->last_cycle, r->failure[0] ? ": " : "", r->failure);
  if (r->adopted)
    fprintf(out,
            "host: fw: adopted an engine lit before the firmware: lanes 0x%llx taken as locked and "
            "calibrated (their lasers, heaters and lock points as found)\n",
            (unsigned long long)r->adopted);
  if (r->off_line)
    fprintf(out,
            "host: fw: lanes 0x%llx were lit but their rings off their lines: not adopted, "
            "calibrated at their DPInit\n",
            (unsigned long long)r->off_line);
  fprintf(out,
          "host: fw: D2D: %u training%s to ACTIVE, %u retrain%s, %u wire%s repaired, %u link "
          "reset%s by the firmware; %u ring relock%s\n",
          r->d2d_trainings, r->d2d_trainings == 1 ? "" : "s", r->d2d_retrains,
          r->d2d_retrains == 1 ? "" : "s", r->d2d_repaired, r->d2d_repaired == 1 ? "" : "s",
          r->d2d_resets, r->d2d_resets == 1 ? "" : "s", r->relocks, r->relocks == 1 ? "" : "s");
  if (r->relocks && r->relocked)
    fprintf(out,
            "host: fw: relocks: %u of %u ring%s locked again, the longest after %.1f us off its "
            "line; worst tracking error %.2f %% of the lock ratio\n",
            r->relocked, r->relocks, r->relocks == 1 ? "" : "s", r->worst_relock_us,
            r->worst_track_rel * 100.0);
  else if (r->relocks)
    fprintf(out, "host: fw: relocks: none of %u locked again\n", r->relocks);
  fflush(out); /* the host role's report, before the run's table when both share a pipe */
}
