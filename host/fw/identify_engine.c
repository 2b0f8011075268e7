/* The built-in host firmware on the engine (rtl/engine): the ENGINE address space of
 * rtl/addrmap.toml. It identifies the ASIC's D2D endpoint and the OE controller, lets the run
 * go on, then reads each D2D module's state and training log at both ends (the ASIC's directly,
 * the OE's through the OE's own management port), every host lane's traffic counters on the
 * ASIC, and the OE's monitor ADCs. */
#include <string.h>

#include "cpo/addrmap.h"
#include "cpo/d2d_regs.h"
#include "cpo/fw_bringup.h"
#include "cpo/oe_regs.h"
#include "cpo/traffic_regs.h"
#include "identify_internal.h"

#define MAX_MODULES 2u       /* cpo_engine_top: D2D modules of 32 host lanes side by side */
#define MAX_LOG_ENTRIES 64u  /* read at most this many training-log entries per end */
#define CYCLES_PER_ACCESS 8u /* through the OE port's arbiter and back, with margin */

/* Reads at the end: per module and end, the status, the log status and per entry its cycle,
 * transition and pop; per host lane (up to 4 per media lane) bits and errors, and the lock
 * words; per media lane the monitors (4) and a laser pair. */
uint64_t cpo_fw_engine_reserve_cycles(uint32_t media_lanes) {
  uint64_t host_lanes = 4ull * media_lanes > 64 ? 64 : 4ull * media_lanes;
  uint64_t accesses =
      MAX_MODULES * 2 * (2 + 3 * MAX_LOG_ENTRIES) + 2 * host_lanes + 2 + (uint64_t)media_lanes * 6;
  return accesses * CYCLES_PER_ACCESS + 64;
}

static const uint32_t s_asic_d2d[MAX_MODULES] = {CPO_ADDRMAP_ENGINE_ASIC_D2D_BASE,
                                                 CPO_ADDRMAP_ENGINE_ASIC_D2D1_BASE};
static const uint32_t s_oe_d2d[MAX_MODULES] = {CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_D2D_BASE,
                                               CPO_ADDRMAP_ENGINE_OE_BASE +
                                                   CPO_ADDRMAP_OE_D2D1_BASE};
#define OE_MGMT(offset) (CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_BASE + (offset))

static const char *s_state(uint32_t code) {
  const char *n = cpo_d2d_ltsm_state_name(code);
  return n ? n : "?";
}

/* One end of a D2D module: its state now, and the training log (which it empties), as
 * "host: d2d 0 asic: ACTIVE, link up; log: RESET -> SBINIT @123 -> ...". */
static cpo_status_t s_print_d2d_end(cpo_hal_t *hal, uint32_t base, unsigned module, const char *end,
                                    FILE *out) {
  uint32_t status, log;
  CPO_TRY(cpo_hal_read(hal, base + CPO_D2D_STATUS_OFFSET, &status));
  CPO_TRY(cpo_hal_read(hal, base + CPO_D2D_LOG_STATUS_OFFSET, &log));
  uint32_t state = (status & CPO_D2D_STATUS_STATE_MASK) >> CPO_D2D_STATUS_STATE_SHIFT;
  fprintf(out, "host: d2d %u %-4s: %s, link %s; training log%s:", module, end, s_state(state),
          (status & CPO_D2D_STATUS_LINK_UP_MASK) ? "up" : "DOWN",
          (log & CPO_D2D_LOG_STATUS_OVERFLOW_MASK) ? " (overflowed: earliest lost)" : "");
  uint32_t n = (log & CPO_D2D_LOG_STATUS_COUNT_MASK) >> CPO_D2D_LOG_STATUS_COUNT_SHIFT;
  for (uint32_t i = 0; i < n && i < MAX_LOG_ENTRIES; i++) {
    uint32_t cycle, entry;
    CPO_TRY(cpo_hal_read(hal, base + CPO_D2D_LOG_CYCLE_OFFSET, &cycle));
    CPO_TRY(cpo_hal_read(hal, base + CPO_D2D_LOG_ENTRY_OFFSET, &entry));
    CPO_TRY(cpo_hal_write(hal, base + CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_LOG_POP_MASK));
    uint32_t from = (entry & CPO_D2D_LOG_ENTRY_FROM_MASK) >> CPO_D2D_LOG_ENTRY_FROM_SHIFT;
    uint32_t to = (entry & CPO_D2D_LOG_ENTRY_TO_MASK) >> CPO_D2D_LOG_ENTRY_TO_SHIFT;
    if (i == 0)
      fprintf(out, " %s", s_state(from));
    fprintf(out, " -> %s @%u", s_state(to), cycle);
  }
  fprintf(out, "\n");
  return CPO_OK;
}

/* Every host lane's checker on the ASIC (32-bit counters). */
static cpo_status_t s_print_host_lanes(cpo_hal_t *hal, uint32_t host_lanes, FILE *out) {
  uint32_t locked[2];
  CPO_TRY(cpo_hal_read(hal, CPO_ADDRMAP_ENGINE_TRAFFIC_BASE + CPO_TRAFFIC_LOCKED_LO_OFFSET,
                       &locked[0]));
  CPO_TRY(cpo_hal_read(hal, CPO_ADDRMAP_ENGINE_TRAFFIC_BASE + CPO_TRAFFIC_LOCKED_HI_OFFSET,
                       &locked[1]));
  fprintf(out, "host: host lane  locked        bits    errors   (read at cycle %llu)\n",
          (unsigned long long)cpo_hal_now_cycles(hal));
  for (uint32_t l = 0; l < host_lanes && l < CPO_TRAFFIC_LANE_BITS_COUNT; l++) {
    uint32_t bits, errs;
    CPO_TRY(cpo_hal_read(hal, CPO_ADDRMAP_ENGINE_TRAFFIC_BASE + CPO_TRAFFIC_LANE_BITS_OFFSET_N(l),
                         &bits));
    CPO_TRY(cpo_hal_read(hal, CPO_ADDRMAP_ENGINE_TRAFFIC_BASE + CPO_TRAFFIC_LANE_ERRS_OFFSET_N(l),
                         &errs));
    fprintf(out, "host: %9u  %6s  %10u  %8u\n", l, (locked[l / 32] >> (l % 32)) & 1u ? "yes" : "NO",
            bits, errs);
  }
  return CPO_OK;
}

/* A dark engine (power-on) is brought up (cpo/fw_bringup.h) and supervised until the end-of-run
 * reads; a lit one is left alone. The firmware's own verdict (a lane that did not lock, the run
 * too short to finish) is printed, not failed: the run's expectations judge the lanes. */
static cpo_status_t s_bring_up_and_supervise(cpo_hal_t *hal, uint32_t media_lanes, FILE *out) {
  const uint64_t total = cpo_hal_config(hal)->total_cycles;
  const uint64_t reserve = cpo_fw_engine_reserve_cycles(media_lanes);
  const uint64_t end = total > reserve ? total - reserve : 0;
  cpo_fw_t *fw = NULL;
  cpo_fw_bringup_report_t report;
  CPO_TRY(cpo_fw_create(hal, &fw));
  cpo_status_t rc = cpo_fw_bringup_run(fw, end, &report);
  if (rc == CPO_OK || rc == CPO_ERR_STATE || rc == CPO_ERR_TIMEOUT) {
    if (report.was_dark)
      cpo_fw_bringup_print(fw, &report, out);
    rc = cpo_fw_supervise_run(fw, end);
    if (rc == CPO_OK)
      cpo_fw_supervise_print(fw, out);
  }
  cpo_fw_destroy(&fw);
  return rc;
}

cpo_status_t cpo_fw_identify_engine(cpo_hal_t *hal, FILE *out, char *why, size_t why_len) {
  uint32_t oe_id, version, config, d2d;
  cpo_status_t rc;
  if ((rc = cpo_hal_read(hal, OE_MGMT(CPO_OE_ID_OFFSET), &oe_id)) != CPO_OK ||
      (rc = cpo_hal_read(hal, OE_MGMT(CPO_OE_VERSION_OFFSET), &version)) != CPO_OK ||
      (rc = cpo_hal_read(hal, OE_MGMT(CPO_OE_CONFIG_OFFSET), &config)) != CPO_OK ||
      (rc = cpo_hal_read(hal, OE_MGMT(CPO_OE_D2D_OFFSET), &d2d)) != CPO_OK)
    return cpo_fw_fail(hal, rc, "identifying the OE controller failed", why, why_len);
  if (oe_id != CPO_OE_ID_MAGIC_RESET) {
    snprintf(why, why_len, "identification failed: the OE controller's ID reads 0x%08x, not 0x%08x",
             oe_id, CPO_OE_ID_MAGIC_RESET);
    return CPO_ERR_STATE;
  }
  uint32_t host_lanes = (config & CPO_OE_CONFIG_HOST_LANES_MASK) >> CPO_OE_CONFIG_HOST_LANES_SHIFT;
  uint32_t media_lanes =
      (config & CPO_OE_CONFIG_MEDIA_LANES_MASK) >> CPO_OE_CONFIG_MEDIA_LANES_SHIFT;
  uint32_t modules = (d2d & CPO_OE_D2D_MODULES_MASK) >> CPO_OE_D2D_MODULES_SHIFT;
  fprintf(out,
          "host: engine: ASIC D2D \"D2DE\", OE controller \"CPOO\" version %u.%u: %u host lanes "
          "(%u-bit D2D words) over %u media lanes (%u-bit words), %u D2D module%s; at cycle %llu "
          "(%llu ns)\n",
          version >> 16, version & 0xFFFFu, host_lanes,
          (config & CPO_OE_CONFIG_HOST_WORD_BITS_MASK) >> CPO_OE_CONFIG_HOST_WORD_BITS_SHIFT,
          media_lanes,
          (config & CPO_OE_CONFIG_MEDIA_WORD_BITS_MASK) >> CPO_OE_CONFIG_MEDIA_WORD_BITS_SHIFT,
          modules, modules == 1 ? "" : "s", (unsigned long long)cpo_hal_now_cycles(hal),
          (unsigned long long)cpo_hal_now_ns(hal));
  fflush(out);
  if (modules < 1 || modules > MAX_MODULES) {
    snprintf(why, why_len, "identification failed: the OE reports %u D2D modules (1..%u)", modules,
             MAX_MODULES);
    return CPO_ERR_STATE;
  }

  if ((rc = s_bring_up_and_supervise(hal, media_lanes, out)) != CPO_OK)
    return cpo_fw_fail(hal, rc, "bring-up or supervision failed", why, why_len);
  for (unsigned m = 0; m < modules; m++)
    if ((rc = s_print_d2d_end(hal, s_asic_d2d[m], m, "asic", out)) != CPO_OK ||
        (rc = s_print_d2d_end(hal, s_oe_d2d[m], m, "oe", out)) != CPO_OK)
      return cpo_fw_fail(hal, rc, "reading the D2D state failed", why, why_len);
  if ((rc = s_print_host_lanes(hal, host_lanes, out)) != CPO_OK)
    return cpo_fw_fail(hal, rc, "reading the traffic counters failed", why, why_len);
  if (strcmp(cpo_hal_config(hal)->profile, "loopback") == 0)
    fprintf(out, "host: the loopback channel has no monitor ADCs\n");
  else if ((rc = cpo_fw_print_monitors(
                hal, media_lanes, OE_MGMT(CPO_ADDRMAP_OE_MGMT_ADC_BASE - CPO_ADDRMAP_OE_MGMT_BASE),
                out)) != CPO_OK)
    return cpo_fw_fail(hal, rc, "reading the monitor ADCs failed", why, why_len);
  fflush(out);
  return CPO_OK;
}
