/* The firmware under an external laser source's CMIS controls (OE ELS_CONFIG, ELS_CTRL,
 * ELS_SETPOINT; it reports ELS_STATUS), on the analog models without the RTL (fw_model_hal.h
 * plays the CMIS host, holds a disabled lane's drive at 0 and latches ELS_CTRL's w1c bits, as
 * the engine does): a disabled lane is never lit and reported OFF while the others come up ON
 * (DPInit names its media lanes' failure); a lane disabled in service goes dark and OFF, and
 * enabled again is ramped from dark and back ON, fibre-checked (a ring engine's lanes kept
 * calibrated through it), also when it was disabled and enabled again between two steps
 * (WAS_DISABLED); current control drives the bias setpoint's code exactly (clamped at the
 * product's maximum); power control converges on the power setpoint; a setpoint changed alone
 * (SETPOINT_CHANGED) is applied at the next step; a step where nothing changed makes one ELS
 * access, the ELS_CTRL read; an adopted engine's preset status is kept without a write; and an
 * engine without an external source never has an ELS register touched (every HAL access
 * traced). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/addrmap.h"
#include "cpo/cmis_map.h"
#include "cpo/fw_bringup.h"
#include "cpo/fw_dpinit.h"
#include "cpo/lanes_afe.h"
#include "cpo/oe_regs.h"
#include "cpo/snapshot_ber.h"
#include "fw_model_hal.h"

#define SEED 1u
#define DEADLINE_CYCLES 400000000ull /* generous against a ~1.5 ms bring-up */
#define OE(offset) (CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_BASE + (offset))
#define ON CPO_CMIS_ELS_LANE_STATE_ON
#define OFF CPO_CMIS_ELS_LANE_STATE_OFF
#define MAX_LASERS 8u

/* ---- A HAL that traces the firmware's accesses on their way to the model's ---------------- */

typedef struct {
  cpo_hal_t *inner;
  uint32_t accesses;       /* every read and write */
  uint32_t els_accesses;   /* of any OE ELS register */
  uint32_t config_reads;   /* ELS_CONFIG */
  uint32_t ctrl_reads;     /* ELS_CTRL */
  uint32_t ctrl_writes;    /* ELS_CTRL (its w1c bits cleared) */
  uint32_t ctrl_written;   /* ... the last value written */
  uint32_t setpoint_reads; /* ELS_SETPOINT[] */
  uint32_t status_reads, status_writes;
  uint32_t drive_max[MAX_LASERS]; /* the highest laser drive code written, per laser */
  uint32_t log[256];              /* ELS_STATUS and laser 1's drive as written, in order */
  bool log_status[256];           /* ... which each entry is */
  uint32_t logged;
} trace_t;

static bool s_els_reg(uint32_t addr) {
  return addr == OE(CPO_OE_ELS_CONFIG_OFFSET) || addr == OE(CPO_OE_ELS_CTRL_OFFSET) ||
         addr == OE(CPO_OE_ELS_STATUS_OFFSET) ||
         (addr >= OE(CPO_OE_ELS_SETPOINT_OFFSET) &&
          addr < OE(CPO_OE_ELS_SETPOINT_OFFSET_N(CPO_OE_ELS_SETPOINT_COUNT)));
}

static uint32_t s_dac_addr(cpo_dac_channel_t ch, uint32_t index) {
  return CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_DAC_BASE + cpo_lanes_dac_addr(ch, index) -
         cpo_lanes_dac_addr(0, 0);
}

static uint32_t s_adc_addr(cpo_adc_channel_t ch, uint32_t index) {
  return CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADC_BASE + cpo_lanes_adc_addr(ch, index) -
         cpo_lanes_adc_addr(0, 0);
}

static cpo_status_t s_tr_read(void *self, uint32_t addr, uint32_t *data) {
  trace_t *t = self;
  t->accesses++;
  t->els_accesses += s_els_reg(addr);
  t->config_reads += addr == OE(CPO_OE_ELS_CONFIG_OFFSET);
  t->ctrl_reads += addr == OE(CPO_OE_ELS_CTRL_OFFSET);
  t->status_reads += addr == OE(CPO_OE_ELS_STATUS_OFFSET);
  t->setpoint_reads += s_els_reg(addr) && addr >= OE(CPO_OE_ELS_SETPOINT_OFFSET);
  return cpo_hal_read(t->inner, addr, data);
}

static cpo_status_t s_tr_write(void *self, uint32_t addr, uint32_t data) {
  trace_t *t = self;
  t->accesses++;
  t->els_accesses += s_els_reg(addr);
  t->status_writes += addr == OE(CPO_OE_ELS_STATUS_OFFSET);
  if (addr == OE(CPO_OE_ELS_CTRL_OFFSET)) {
    t->ctrl_writes++;
    t->ctrl_written = data;
  }
  for (uint32_t k = 0; k < MAX_LASERS; k++)
    if (addr == s_dac_addr(CPO_DAC_LASER_CURRENT, k) && data > t->drive_max[k])
      t->drive_max[k] = data;
  const bool status = addr == OE(CPO_OE_ELS_STATUS_OFFSET);
  if ((status || addr == s_dac_addr(CPO_DAC_LASER_CURRENT, 1)) && t->logged < 256) {
    t->log_status[t->logged] = status;
    t->log[t->logged++] = data;
  }
  return cpo_hal_write(t->inner, addr, data);
}

static cpo_status_t s_tr_sleep(void *self, uint64_t cycles) {
  return cpo_hal_sleep_cycles(((trace_t *)self)->inner, cycles);
}
static uint64_t s_tr_now(const void *self) {
  return cpo_hal_now_cycles(((const trace_t *)self)->inner);
}
static const cpo_config_t *s_tr_config(const void *self) {
  return cpo_hal_config(((const trace_t *)self)->inner);
}
static const char *s_tr_error(const void *self) {
  return cpo_hal_error(((const trace_t *)self)->inner);
}
static void s_tr_close(void *self) {
  (void)self; /* the model's HAL is closed by its owner */
}

static const cpo_hal_ops_t s_tr_ops = {s_tr_read,   s_tr_write, s_tr_sleep, s_tr_now,
                                       s_tr_config, s_tr_error, s_tr_close};

/* ---- The rig: the model's engine, the tracing HAL, the firmware --------------------------- */

typedef struct {
  cpo_fw_model_hal_t *m;
  cpo_hal_t *model_hal, *hal; /* hal: the traced one the firmware uses */
  trace_t tr;
  cpo_fw_t *fw;
  cpo_fw_dpinit_t *dp;
  uint64_t us; /* cycles per microsecond */
} rig_t;

static void s_open(rig_t *r, const char *profile, bool calibrated) {
  memset(r, 0, sizeof *r);
  assert_int_equal(cpo_fw_model_hal_create(profile, SEED, calibrated, &r->m, &r->model_hal),
                   CPO_OK);
  r->tr.inner = r->model_hal;
  assert_int_equal(cpo_hal_create(&s_tr_ops, &r->tr, &r->hal), CPO_OK);
  assert_int_equal(cpo_fw_create(r->hal, &r->fw), CPO_OK);
  r->us = cpo_hal_ns_to_cycles(r->hal, 1000);
}

static void s_close(rig_t *r) {
  cpo_fw_dpinit_destroy(&r->dp);
  cpo_fw_destroy(&r->fw);
  cpo_hal_close(&r->hal);
  cpo_hal_close(&r->model_hal);
}

/* A bring-up from dark (cpo/fw_bringup.h), the lanes parked after it (the monitors need no
 * traffic), then supervision for @p us microseconds. */
static void s_bring_up(rig_t *r, uint32_t lanes_lit) {
  cpo_fw_bringup_report_t rep;
  const cpo_status_t rc = cpo_fw_bringup_run(r->fw, DEADLINE_CYCLES, &rep);
  cpo_fw_bringup_print(r->fw, &rep, stdout);
  if (rc != CPO_OK)
    fail_msg("bring-up failed (%d): %s", rc, rep.failure);
  assert_true(rep.was_dark && rep.up);
  assert_int_equal(rep.lanes_lit, lanes_lit);
  assert_int_equal(cpo_hal_write(r->model_hal, OE(CPO_OE_STREAM_EN_LO_OFFSET), 0), CPO_OK);
  assert_int_equal(cpo_hal_write(r->model_hal, OE(CPO_OE_STREAM_EN_HI_OFFSET), 0), CPO_OK);
}

static void s_supervise(rig_t *r, uint64_t us) {
  assert_int_equal(cpo_fw_supervise_run(r->fw, cpo_fw_model_hal_now(r->m) + us * r->us), CPO_OK);
}

/* ELS lane @p k's state and fibre-checked bit in OE ELS_STATUS. */
static uint32_t s_state(const rig_t *r, uint32_t k) {
  return cpo_fw_model_hal_els_status(r->m) >> (CPO_OE_ELS_STATUS_STATE_SHIFT + 2 * k) & 3u;
}
static bool s_checked(const rig_t *r, uint32_t k) {
  return cpo_fw_model_hal_els_status(r->m) >> (CPO_OE_ELS_STATUS_FIBRE_CHECKED_SHIFT + k) & 1u;
}

/* Laser @p k: the drive code the firmware last wrote, the one the laser gets, its monitor. */
static uint32_t s_drive_written(rig_t *r, uint32_t k) {
  uint32_t code = 0;
  assert_int_equal(cpo_hal_read(r->model_hal, s_dac_addr(CPO_DAC_LASER_CURRENT, k), &code), CPO_OK);
  return code;
}
static uint32_t s_drive_applied(rig_t *r, uint32_t k) {
  return cpo_link_dac(cpo_fw_model_hal_link(r->m), CPO_DAC_LASER_CURRENT, k);
}
static uint32_t s_power_code(rig_t *r, uint32_t k) {
  uint32_t code = 0;
  assert_int_equal(cpo_hal_read(r->model_hal, s_adc_addr(CPO_ADC_LASER_POWER, k), &code), CPO_OK);
  return code;
}

static uint32_t s_code(double drive_a) {
  return cpo_dac_si_to_code(CPO_DAC_LASER_CURRENT, drive_a);
}

/* OE ELS_CTRL as the engine shows it now (read past the trace). */
static uint32_t s_ctrl(rig_t *r) {
  uint32_t ctrl = 0;
  assert_int_equal(cpo_hal_read(r->model_hal, OE(CPO_OE_ELS_CTRL_OFFSET), &ctrl), CPO_OK);
  return ctrl;
}
static uint32_t s_changed_bits(rig_t *r) {
  return (s_ctrl(r) & CPO_OE_ELS_CTRL_SETPOINT_CHANGED_MASK) >>
         CPO_OE_ELS_CTRL_SETPOINT_CHANGED_SHIFT;
}
static uint32_t s_disabled_bits(rig_t *r) {
  return (s_ctrl(r) & CPO_OE_ELS_CTRL_WAS_DISABLED_MASK) >> CPO_OE_ELS_CTRL_WAS_DISABLED_SHIFT;
}

/* Supervision for exactly one step: a run starts at its fastest pace (20 us) and steps while
 * two of those remain, so a 50 us run steps once. */
static void s_one_step(rig_t *r) {
  const uint32_t ctrl_reads = r->tr.ctrl_reads;
  s_supervise(r, 50);
  assert_int_equal(r->tr.ctrl_reads, ctrl_reads + 1);
}

/* ---- Tests ---------------------------------------------------------------------------------- */

/* oif-3.2t (two ELS lanes, each feeding 4 media lanes), lane 1 disabled by the host before
 * bring-up: the firmware never drives its laser (not even the check drive), lights only lane 0's
 * media lanes, and reports lane 0 ON and fibre-checked, lane 1 OFF; through supervision too.
 * The setpoints are read once, the enabled lane's, at bring-up. */
static void
test_a_disabled_lane_is_never_lit_and_reported_off_while_the_other_comes_up(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "oif-3.2t", false);
  assert_int_equal(cpo_fw_model_hal_els_lanes(r.m), 2);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0x1, 0x3), CPO_OK);
  s_bring_up(&r, 4);
  assert_int_equal(s_state(&r, 0), ON);
  assert_true(s_checked(&r, 0));
  assert_int_equal(s_state(&r, 1), OFF);
  assert_false(s_checked(&r, 1));
  assert_int_equal(r.tr.setpoint_reads, 1);
  assert_int_equal(r.tr.config_reads, 1);
  const uint32_t ctrl_reads = r.tr.ctrl_reads;
  s_supervise(&r, 3000);
  printf("ELS_CTRL read %u times in 3 ms of supervision, ELS_STATUS written %u times\n",
         r.tr.ctrl_reads - ctrl_reads, r.tr.status_writes);
  assert_true(r.tr.ctrl_reads > ctrl_reads); /* once per step */
  assert_int_equal(r.tr.setpoint_reads, 1);  /* nothing changed */
  assert_int_equal(r.tr.config_reads, 1);    /* read once, at bring-up */
  assert_int_equal(r.tr.ctrl_writes, 0);     /* lane 1's WAS_DISABLED waits for its enable */
  assert_int_equal(r.tr.status_writes, 2);   /* RAMPING, then ON/OFF */
  assert_int_equal(r.tr.drive_max[1], 0);    /* never driven */
  assert_int_equal(s_drive_applied(&r, 1), 0);
  assert_int_equal(s_power_code(&r, 1), 0);
  assert_true(s_power_code(&r, 0) > 0);
  assert_int_equal(s_state(&r, 1), OFF);
  s_close(&r);
}

/* The board's flow (cpo/fw_dpinit.h) with ELS lane 1 disabled: DPInit calibrates the media lanes
 * of lane 0 and fails those of lane 1, naming the cause (TX_LOL), without ever driving it. */
static void test_dpinit_names_the_lanes_of_a_disabled_source_lane(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "oif-3.2t", false);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0x1, 0x3), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_create(r.fw, &r.dp), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_boot(r.dp), CPO_OK);
  cpo_fw_model_hal_set_dp(r.m, 0xFF, 0);
  assert_int_equal(cpo_fw_dpinit_poll(r.dp, DEADLINE_CYCLES), CPO_OK);
  const cpo_fw_dpinit_report_t *rep = cpo_fw_dpinit_report(r.dp);
  cpo_fw_dpinit_print(rep, stdout);
  assert_int_equal(rep->calibrated, 0x0F);
  assert_int_equal(cpo_fw_model_hal_tx_lol(r.m), 0xF0);
  assert_non_null(
      strstr(rep->failure, "lane 4: its laser is off: ELS lane 1 disabled by the CMIS"));
  assert_int_equal(r.tr.drive_max[1], 0);
  assert_int_equal(s_state(&r, 0), ON);
  assert_int_equal(s_state(&r, 1), OFF);
  s_close(&r);
}

/* oif-3.2t, both lanes up: the host disables lane 1 in service; at the next step the firmware
 * switches its laser off (dark, OFF, fibre-checked cleared) while lane 0 holds; enabled again,
 * it is ramped from dark (reported RAMPING meanwhile: the drive starts at the check drive, not
 * at the held nominal) and is back ON, fibre-checked, holding its power. */
static void test_disabling_a_lit_lane_turns_it_off_and_enabling_it_brings_it_back(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "oif-3.2t", false);
  s_bring_up(&r, 8);
  s_supervise(&r, 2000);
  assert_int_equal(s_state(&r, 1), ON);
  const uint32_t power0 = s_power_code(&r, 0), power1 = s_power_code(&r, 1);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0x1, 0x3), CPO_OK);
  s_supervise(&r, 2000);
  assert_int_equal(s_state(&r, 1), OFF);
  assert_false(s_checked(&r, 1));
  assert_int_equal(s_drive_written(&r, 1), 0); /* the firmware's own record: off */
  assert_int_equal(s_drive_applied(&r, 1), 0);
  assert_int_equal(s_power_code(&r, 1), 0);
  assert_int_equal(s_state(&r, 0), ON);
  assert_true(fabs((double)s_power_code(&r, 0) - power0) < 0.01 * power0);
  const uint32_t setpoint_reads = r.tr.setpoint_reads, mark = r.tr.logged;
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0x3, 0x3), CPO_OK);
  s_supervise(&r, 5000);
  assert_int_equal(s_state(&r, 1), ON);
  assert_true(s_checked(&r, 1));
  /* from dark: RAMPING reported first, then the check drive (the enable itself lit nothing),
   * the ramp, and ON (fibre-checked) once warm */
  assert_true(r.tr.logged > mark + 3 && r.tr.logged < 256);
  assert_true(r.tr.log_status[mark]);
  assert_int_equal(r.tr.log[mark] >> (CPO_OE_ELS_STATUS_STATE_SHIFT + 2) & 3u,
                   CPO_CMIS_ELS_LANE_STATE_RAMPING);
  assert_false(r.tr.log_status[mark + 1]);
  assert_int_equal(r.tr.log[mark + 1], s_code(0.06)); /* the product's check drive */
  uint32_t last_status = 0, status_writes = 0;
  for (uint32_t i = mark; i < r.tr.logged; i++)
    if (r.tr.log_status[i]) {
      last_status = r.tr.log[i];
      status_writes++;
    }
  assert_int_equal(status_writes, 2);
  assert_int_equal(last_status, cpo_fw_model_hal_els_status(r.m));
  assert_int_equal(r.tr.setpoint_reads, setpoint_reads + 1); /* lane 1's, for its ramp */
  printf("lane 1 back at %u (power code; %u before it was disabled), drive %u\n",
         s_power_code(&r, 1), power1, s_drive_applied(&r, 1));
  assert_true(fabs((double)s_power_code(&r, 1) - power1) < 0.01 * power1);
  assert_true(s_drive_applied(&r, 1) > 0);
  s_close(&r);
}

/* A lane enabled again just before supervision ends: its ramp is cut short (reported RAMPING,
 * supervision returns normally) and finished by the next supervision. */
static void test_a_ramp_cut_short_by_the_end_of_supervision_is_taken_up_again(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "mrm-els-8x200g", false);
  s_bring_up(&r, 8);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0, 1), CPO_OK);
  s_supervise(&r, 1000);
  assert_int_equal(s_state(&r, 0), OFF);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 1, 1), CPO_OK);
  s_supervise(&r, 200); /* a ramp and warm-up take longer */
  assert_int_equal(s_state(&r, 0), CPO_CMIS_ELS_LANE_STATE_RAMPING);
  s_supervise(&r, 5000);
  assert_int_equal(s_state(&r, 0), ON);
  assert_true(s_checked(&r, 0));
  assert_int_equal(s_drive_applied(&r, 0), s_code(0.37));
  s_close(&r);
}

/* The default profile's ring engine through the board's flow (cpo/fw_dpinit.h): its one ELS lane
 * disabled in service leaves every media lane dark; the rings are left alone meanwhile (no lane
 * is given up), and once the lane is enabled again and ramped the rings lock again and every lane
 * stays calibrated, no TX_LOL. */
static void
test_a_ring_engine_keeps_its_lanes_through_its_source_switched_off_and_on(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "mrm-els-8x200g", false);
  assert_int_equal(cpo_fw_dpinit_create(r.fw, &r.dp), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_boot(r.dp), CPO_OK);
  assert_int_equal(cpo_fw_model_hal_els_status(r.m), 0); /* dark until DPInit asks */
  cpo_fw_model_hal_set_dp(r.m, 0xFF, 0);
  assert_int_equal(cpo_fw_dpinit_poll(r.dp, DEADLINE_CYCLES), CPO_OK);
  assert_int_equal(cpo_fw_model_hal_cal_done(r.m), 0xFF);
  assert_int_equal(s_state(&r, 0), ON);
  cpo_fw_model_hal_set_dp(r.m, 0, 0);
  uint64_t t = cpo_fw_model_hal_now(r.m);
  assert_int_equal(cpo_fw_dpinit_supervise(r.dp, t + 1000 * r.us), CPO_OK);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0, 1), CPO_OK);
  t = cpo_fw_model_hal_now(r.m);
  assert_int_equal(cpo_fw_dpinit_supervise(r.dp, t + 3000 * r.us), CPO_OK);
  assert_int_equal(s_state(&r, 0), OFF);
  assert_int_equal(s_drive_applied(&r, 0), 0);
  assert_int_equal(cpo_fw_model_hal_tx_lol(r.m), 0);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 1, 1), CPO_OK);
  t = cpo_fw_model_hal_now(r.m);
  assert_int_equal(cpo_fw_dpinit_supervise(r.dp, t + 10000 * r.us), CPO_OK);
  const cpo_fw_dpinit_report_t *rep = cpo_fw_dpinit_report(r.dp);
  cpo_fw_dpinit_print(rep, stdout);
  assert_int_equal(s_state(&r, 0), ON);
  assert_true(s_checked(&r, 0));
  assert_int_equal(cpo_fw_model_hal_tx_lol(r.m), 0);
  assert_int_equal(cpo_fw_model_hal_cal_done(r.m), 0xFF);
  assert_int_equal(rep->relocked, rep->relocks);
  cpo_fw_model_hal_set_dp(r.m, 0, 0xFF); /* Activated: every lane within KP4 */
  assert_int_equal(cpo_fw_dpinit_poll(r.dp, cpo_fw_model_hal_now(r.m) + DEADLINE_CYCLES), CPO_OK);
  for (uint32_t j = 0; j < 8; j++) {
    const double ber = cpo_link_expected_ber(cpo_fw_model_hal_link(r.m), j);
    printf("lane %u: expected BER %.2e after the source came back\n", j, ber);
    assert_true(ber < 2.4e-4);
  }
  s_close(&r);
}

/* Current control: a bias setpoint before bring-up is driven exactly, and held (no APC) through
 * supervision; a setpoint above the product's maximum, taken up with a mode change in service,
 * drives the maximum. */
static void test_current_control_drives_the_bias_setpoint_clamped_at_the_maximum(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "mrm-els-8x200g", false);
  const uint32_t bias = 30000; /* 300 mA */
  cpo_fw_model_hal_set_els_setpoint(r.m, 0, bias, 0);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 1, 0), CPO_OK);
  s_bring_up(&r, 8);
  assert_int_equal(s_drive_written(&r, 0), bias);
  s_supervise(&r, 3000);
  assert_int_equal(s_drive_written(&r, 0), bias);
  assert_int_equal(s_drive_applied(&r, 0), bias);
  assert_int_equal(s_state(&r, 0), ON);
  /* power control, then back to current control with a setpoint beyond the maximum */
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 1, 1), CPO_OK);
  s_supervise(&r, 2000);
  cpo_fw_model_hal_set_els_setpoint(r.m, 0, 60000, 0);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 1, 0), CPO_OK);
  s_supervise(&r, 2000);
  assert_int_equal(s_drive_applied(&r, 0), s_code(0.45)); /* the product's maximum */
  assert_int_equal(s_state(&r, 0), ON);
  s_close(&r);
}

/* Power control: APC converges on the host's power setpoint (here 85 % of what the laser gives
 * at its nominal drive, warm) and holds it; after a spell in current control, power control
 * with the setpoint 0 goes back to the power measured at bring-up. */
static void test_power_control_converges_to_the_power_setpoint(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "mrm-els-8x200g", false);
  s_bring_up(&r, 8);
  s_supervise(&r, 3000);
  const uint32_t nominal = s_power_code(&r, 0);
  s_close(&r);
  const uint32_t target = (uint32_t)(0.85 * nominal);
  s_open(&r, "mrm-els-8x200g", false);
  cpo_fw_model_hal_set_els_setpoint(r.m, 0, 0, target);
  s_bring_up(&r, 8);
  s_supervise(&r, 20000);
  printf("power setpoint %u (nominal %u): monitor %u at drive %u\n", target, nominal,
         s_power_code(&r, 0), s_drive_applied(&r, 0));
  assert_true(fabs((double)s_power_code(&r, 0) - target) <= 0.005 * target + 1);
  assert_true(s_drive_applied(&r, 0) < s_code(0.37)); /* below the nominal drive */
  assert_int_equal(s_state(&r, 0), ON);
  /* in service: current control (the nominal drive), then power control again with the
   * setpoint 0, taken up with the mode change: back to the power measured at bring-up */
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 1, 0), CPO_OK);
  s_supervise(&r, 1000);
  assert_int_equal(s_drive_applied(&r, 0), s_code(0.37));
  cpo_fw_model_hal_set_els_setpoint(r.m, 0, 0, 0);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 1, 1), CPO_OK);
  s_supervise(&r, 20000);
  printf("setpoint 0: monitor %u (nominal %u) at drive %u\n", s_power_code(&r, 0), nominal,
         s_drive_applied(&r, 0));
  assert_true(fabs((double)s_power_code(&r, 0) - nominal) <= 0.005 * nominal + 1);
  s_close(&r);
}

/* A setpoint changed alone (no mode change; SETPOINT_CHANGED) is applied at the next step:
 * current control drives the new bias code exactly at that step; power control takes the new
 * power as APC's target at that step and converges on it. The step reads the lane's setpoint
 * once and clears its bit (one ELS_CTRL write: exactly that bit). */
static void test_a_setpoint_changed_alone_is_applied_at_the_next_step(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "mrm-els-8x200g", false);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 1, 0), CPO_OK); /* current control */
  s_bring_up(&r, 8);
  s_supervise(&r, 2000);
  assert_int_equal(s_drive_written(&r, 0), s_code(0.37)); /* setpoint 0: the nominal */
  assert_int_equal(s_changed_bits(&r), 0);
  uint32_t setpoint_reads = r.tr.setpoint_reads, ctrl_writes = r.tr.ctrl_writes;
  const uint32_t bias = 33333;
  cpo_fw_model_hal_set_els_setpoint(r.m, 0, bias, 0);
  assert_int_equal(s_changed_bits(&r), 1);
  s_one_step(&r);
  assert_int_equal(s_drive_written(&r, 0), bias);
  assert_int_equal(r.tr.setpoint_reads, setpoint_reads + 1);
  assert_int_equal(r.tr.ctrl_writes, ctrl_writes + 1);
  assert_int_equal(r.tr.ctrl_written, 1u << CPO_OE_ELS_CTRL_SETPOINT_CHANGED_SHIFT);
  assert_int_equal(s_changed_bits(&r), 0);
  s_supervise(&r, 2000);
  assert_int_equal(s_drive_applied(&r, 0), bias); /* held: no APC in current control */
  assert_int_equal(s_state(&r, 0), ON);
  s_close(&r);

  /* power control: from the power measured at bring-up to 85 % of it */
  s_open(&r, "mrm-els-8x200g", false);
  s_bring_up(&r, 8);
  s_supervise(&r, 3000);
  const uint32_t nominal = s_power_code(&r, 0), target = (uint32_t)(0.85 * nominal);
  setpoint_reads = r.tr.setpoint_reads;
  cpo_fw_model_hal_set_els_setpoint(r.m, 0, 0, target);
  s_one_step(&r);
  assert_int_equal(r.tr.setpoint_reads, setpoint_reads + 1);
  assert_int_equal(s_changed_bits(&r), 0);
  assert_true(s_drive_written(&r, 0) < s_code(0.37)); /* APC already moving down */
  s_supervise(&r, 20000);
  printf("power setpoint %u set in service (nominal %u): monitor %u at drive %u\n", target, nominal,
         s_power_code(&r, 0), s_drive_applied(&r, 0));
  assert_true(fabs((double)s_power_code(&r, 0) - target) <= 0.005 * target + 1);
  assert_int_equal(r.tr.setpoint_reads, setpoint_reads + 1);
  assert_int_equal(s_state(&r, 0), ON);
  s_close(&r);
}

/* oif-3.2t, both lanes up: the host disables lane 1 and enables it again between two steps
 * (the laser dark for 200 us, and still dark after the enable: the hardware gives no drive back
 * before the firmware's fibre check). ENABLE reads 1 again, but WAS_DISABLED tells the next step:
 * the lane is switched off and reported OFF, then ramped from dark (RAMPING, the check drive, the
 * ramp, ON and fibre-checked once warm), its bit cleared (one write, that bit alone); lane 0 is
 * left alone. */
static void test_a_disable_and_enable_between_two_steps_ramps_the_lane_from_dark(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "oif-3.2t", false);
  s_bring_up(&r, 8);
  s_supervise(&r, 2000);
  assert_int_equal(s_state(&r, 1), ON);
  const uint32_t power0 = s_power_code(&r, 0), power1 = s_power_code(&r, 1);
  const uint32_t setpoint_reads = r.tr.setpoint_reads, ctrl_writes = r.tr.ctrl_writes;
  const uint32_t mark = r.tr.logged, lit_drive = s_drive_written(&r, 1);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0x1, 0x3), CPO_OK);
  assert_int_equal(cpo_hal_sleep_cycles(r.model_hal, 200 * r.us), CPO_OK);
  assert_int_equal(s_power_code(&r, 1), 0); /* dark meanwhile */
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0x3, 0x3), CPO_OK);
  assert_int_equal(cpo_hal_sleep_cycles(r.model_hal, 200 * r.us), CPO_OK);
  assert_int_equal(s_drive_applied(&r, 1), 0); /* enabled, yet dark until the firmware's ramp */
  assert_int_equal(s_power_code(&r, 1), 0);
  assert_int_equal(s_ctrl(&r) & 0xFFFFu, 0x0303u); /* enabled, as if nothing happened ... */
  assert_int_equal(s_disabled_bits(&r), 0x2);      /* ... but for WAS_DISABLED */
  assert_int_equal(s_changed_bits(&r), 0);
  s_supervise(&r, 5000);
  assert_int_equal(s_disabled_bits(&r), 0);
  assert_int_equal(r.tr.ctrl_writes, ctrl_writes + 1);
  assert_int_equal(r.tr.ctrl_written, 0x2u << CPO_OE_ELS_CTRL_WAS_DISABLED_SHIFT);
  assert_int_equal(s_state(&r, 1), ON);
  assert_true(s_checked(&r, 1));
  assert_int_equal(s_state(&r, 0), ON);
  /* the log (ELS_STATUS and laser 1's drive as written): the drive to 0 and OFF, RAMPING, the
   * check drive, the ramp, and ON once warm */
  assert_true(lit_drive > s_code(0.06));
  assert_true(r.tr.logged > mark + 5 && r.tr.logged < 256);
  assert_false(r.tr.log_status[mark]);
  assert_int_equal(r.tr.log[mark], 0);
  assert_true(r.tr.log_status[mark + 1]);
  assert_int_equal(r.tr.log[mark + 1] >> (CPO_OE_ELS_STATUS_STATE_SHIFT + 2) & 3u, OFF);
  assert_int_equal(r.tr.log[mark + 1] >> (CPO_OE_ELS_STATUS_FIBRE_CHECKED_SHIFT + 1) & 1u, 0);
  assert_true(r.tr.log_status[mark + 2]);
  assert_int_equal(r.tr.log[mark + 2] >> (CPO_OE_ELS_STATUS_STATE_SHIFT + 2) & 3u,
                   CPO_CMIS_ELS_LANE_STATE_RAMPING);
  assert_false(r.tr.log_status[mark + 3]);
  assert_int_equal(r.tr.log[mark + 3], s_code(0.06)); /* the product's check drive */
  uint32_t last_status = 0, status_writes = 0;
  for (uint32_t i = mark; i < r.tr.logged; i++)
    if (r.tr.log_status[i]) {
      last_status = r.tr.log[i];
      status_writes++;
    }
  assert_int_equal(status_writes, 3); /* OFF, RAMPING, ON */
  assert_int_equal(last_status, cpo_fw_model_hal_els_status(r.m));
  assert_int_equal(last_status >> (CPO_OE_ELS_STATUS_STATE_SHIFT + 2) & 3u, ON);
  assert_int_equal(r.tr.setpoint_reads, setpoint_reads + 1); /* lane 1's, for its ramp */
  printf("lane 1 back at %u (power code; %u before), drive %u\n", s_power_code(&r, 1), power1,
         s_drive_applied(&r, 1));
  assert_true(fabs((double)s_power_code(&r, 1) - power1) < 0.01 * power1);
  assert_true(fabs((double)s_power_code(&r, 0) - power0) < 0.01 * power0);
  s_close(&r);
}

/* In service with nothing changed, each step makes exactly one ELS access, the ELS_CTRL read:
 * with both lanes up, and with lane 1 disabled and already off (its WAS_DISABLED bit waiting for
 * the enable, not cleared step after step). */
static void test_a_step_where_nothing_changed_reads_els_ctrl_alone(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "oif-3.2t", false);
  s_bring_up(&r, 8);
  s_supervise(&r, 3000);
  for (int pass = 0; pass < 2; pass++) {
    const uint32_t els = r.tr.els_accesses, ctrl_reads = r.tr.ctrl_reads;
    for (int i = 0; i < 5; i++) {
      const uint32_t before = r.tr.els_accesses;
      s_one_step(&r);
      assert_int_equal(r.tr.els_accesses, before + 1);
    }
    s_supervise(&r, 3000);
    printf("%s: %u steps, %u ELS accesses\n", pass ? "lane 1 disabled" : "both lanes up",
           r.tr.ctrl_reads - ctrl_reads, r.tr.els_accesses - els);
    assert_int_equal(r.tr.els_accesses - els, r.tr.ctrl_reads - ctrl_reads);
    /* lane 1 disabled, switched off at the next step; from then on nothing changes */
    assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0x1, 0x3), CPO_OK);
    s_supervise(&r, 1000);
    assert_int_equal(s_state(&r, 1), OFF);
    assert_int_equal(s_disabled_bits(&r), 0x2);
  }
  assert_int_equal(r.tr.ctrl_writes, 0);
  assert_int_equal(r.tr.config_reads, 1);
  s_close(&r);
}

/* A calibrated start (the engine presets every ELS lane ON and fibre-checked): the firmware
 * adopts the lit engine without writing ELS_STATUS, and supervision keeps it so; with a lane
 * disabled before the firmware's first look, that lane alone is switched off and reported OFF. */
static void test_adoption_keeps_the_preset_status(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "oif-3.2t", true);
  const uint32_t preset = cpo_fw_model_hal_els_status(r.m);
  assert_int_equal(s_state(&r, 0), ON);
  assert_int_equal(s_state(&r, 1), ON);
  assert_int_equal(cpo_fw_dpinit_create(r.fw, &r.dp), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_boot(r.dp), CPO_OK);
  cpo_fw_model_hal_set_dp(r.m, 0, 0);
  assert_int_equal(cpo_fw_dpinit_poll(r.dp, DEADLINE_CYCLES), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_report(r.dp)->adopted, 0xFF);
  assert_int_equal(cpo_fw_dpinit_supervise(r.dp, cpo_fw_model_hal_now(r.m) + 2000 * r.us), CPO_OK);
  assert_int_equal(r.tr.status_reads, 1);
  assert_int_equal(r.tr.status_writes, 0);
  assert_int_equal(cpo_fw_model_hal_els_status(r.m), preset);
  s_close(&r);

  s_open(&r, "oif-3.2t", true);
  assert_int_equal(cpo_fw_model_hal_set_els(r.m, 0x1, 0x3), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_create(r.fw, &r.dp), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_boot(r.dp), CPO_OK);
  cpo_fw_model_hal_set_dp(r.m, 0, 0);
  assert_int_equal(cpo_fw_dpinit_poll(r.dp, DEADLINE_CYCLES), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_report(r.dp)->adopted, 0x0F);
  assert_int_equal(r.tr.status_writes, 1);
  assert_int_equal(s_state(&r, 0), ON);
  assert_true(s_checked(&r, 0));
  assert_int_equal(s_state(&r, 1), OFF);
  assert_int_equal(s_drive_written(&r, 1), 0);
  s_close(&r);
}

/* mzm-6.4t (its lasers on the engine): a bring-up with supervision, and the board's flow
 * adopting a calibrated engine, never read or write an ELS register. */
static void test_an_engine_without_an_external_source_never_touches_els_registers(void **state) {
  (void)state;
  rig_t r;
  s_open(&r, "mzm-6.4t", false);
  assert_int_equal(cpo_fw_model_hal_els_lanes(r.m), 0);
  s_bring_up(&r, 64);
  s_supervise(&r, 2000);
  printf("bring-up and supervision: %u accesses, %u to ELS registers\n", r.tr.accesses,
         r.tr.els_accesses);
  assert_true(r.tr.accesses > 0);
  assert_int_equal(r.tr.els_accesses, 0);
  s_close(&r);

  s_open(&r, "mzm-6.4t", true);
  assert_int_equal(cpo_fw_dpinit_create(r.fw, &r.dp), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_boot(r.dp), CPO_OK);
  cpo_fw_model_hal_set_dp(r.m, 0, 0);
  assert_int_equal(cpo_fw_dpinit_poll(r.dp, DEADLINE_CYCLES), CPO_OK);
  assert_int_equal(cpo_fw_dpinit_supervise(r.dp, cpo_fw_model_hal_now(r.m) + 2000 * r.us), CPO_OK);
  assert_true(r.tr.accesses > 0);
  assert_int_equal(r.tr.els_accesses, 0);
  s_close(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_disabled_lane_is_never_lit_and_reported_off_while_the_other_comes_up),
      cmocka_unit_test(test_dpinit_names_the_lanes_of_a_disabled_source_lane),
      cmocka_unit_test(test_disabling_a_lit_lane_turns_it_off_and_enabling_it_brings_it_back),
      cmocka_unit_test(test_a_ramp_cut_short_by_the_end_of_supervision_is_taken_up_again),
      cmocka_unit_test(test_a_ring_engine_keeps_its_lanes_through_its_source_switched_off_and_on),
      cmocka_unit_test(test_current_control_drives_the_bias_setpoint_clamped_at_the_maximum),
      cmocka_unit_test(test_power_control_converges_to_the_power_setpoint),
      cmocka_unit_test(test_a_setpoint_changed_alone_is_applied_at_the_next_step),
      cmocka_unit_test(test_a_disable_and_enable_between_two_steps_ramps_the_lane_from_dark),
      cmocka_unit_test(test_a_step_where_nothing_changed_reads_els_ctrl_alone),
      cmocka_unit_test(test_adoption_keeps_the_preset_status),
      cmocka_unit_test(test_an_engine_without_an_external_source_never_touches_els_registers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
