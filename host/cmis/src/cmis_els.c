/* The external laser source (OIF ELSFP over CMIS): pages 1Ah and 1Bh, which only an engine with
 * an external laser source advertises. No bit of page 01h says so: the first ELS access selects
 * page 1Ah, and a refused select (byte 127 reads back unchanged) means there is none. Not in
 * cpo_cmis_probe: a bring-up that never asks keeps its accesses and timing. The Python driver
 * (host/python/cpoemu_cmis.py) makes the same accesses in the same order. */
#include <math.h>
#include <string.h>

#include "cmis_internal.h"

#define S_NO_ELS "the engine has no external laser source (pages 1Ah/1Bh not advertised)"

cpo_status_t cpo_cmis_els_lanes(cpo_cmis_t *c, unsigned *lanes) {
  CPO_TRY(cpo_cmis_need_probe(c));
  cpo_cmis_info_t *i = &c->info;
  if (!c->els_known && !i->flat_mem) {
    uint8_t adv[2];
    cpo_status_t rc = cpo_cmis_read(c, 0, CPO_CMIS_PAGE_P1A, CPO_CMIS_P1A_ELS_LANES_OFFSET, adv, 2);
    if (rc == CPO_ERR_RANGE && c->sel_page >= 0 && c->sel_page != (int)CPO_CMIS_PAGE_P1A) {
      c->error[0] = '\0'; /* refused: not a failure, the answer */
      adv[0] = adv[1] = 0;
    } else {
      CPO_TRY(rc);
    }
    i->els_lanes = adv[0] > CPO_CMIS_ELS_MAX_LANES ? CPO_CMIS_ELS_MAX_LANES : adv[0];
    i->els_modes = adv[1];
  }
  c->els_known = true;
  *lanes = i->els_lanes;
  return CPO_OK;
}

static cpo_status_t s_need_els(cpo_cmis_t *c) {
  unsigned lanes;
  CPO_TRY(cpo_cmis_els_lanes(c, &lanes));
  return lanes ? CPO_OK : cpo_cmis_fail(c, CPO_ERR_STATE, S_NO_ELS);
}

/* Bytes [first, end) of @p page into the image at the same place. */
static cpo_status_t s_run(cpo_cmis_t *c, unsigned page, unsigned first, unsigned end,
                          uint8_t *img) {
  return cpo_cmis_read(c, 0, page, first, img + first, end - first);
}

cpo_status_t cpo_cmis_els_read(cpo_cmis_t *c, cpo_cmis_els_t *e) {
  CPO_TRY(s_need_els(c));
  uint8_t p1a[256] = {0}, p1b[256] = {0};
  p1a[CPO_CMIS_P1A_ELS_LANES_OFFSET] = (uint8_t)c->info.els_lanes; /* constant: as probed */
  p1a[CPO_CMIS_P1A_ELS_CONTROL_MODES_OFFSET] = c->info.els_modes;
  /* Runs that leave out the latched 200-201 (a read would clear them) and the reserved gaps. */
  const unsigned masks = CPO_CMIS_P1A_ELS_FLAG_MASKS_OFFSET,
                 enable = CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET,
                 freq = CPO_CMIS_P1A_ELS_LANE_FREQ_OFFSET,
                 sp = CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET, mon = CPO_CMIS_P1B_ELS_BIAS_OFFSET;
  CPO_TRY(s_run(c, CPO_CMIS_PAGE_P1A, masks, masks + CPO_CMIS_P1A_ELS_FLAG_MASKS_COUNT, p1a));
  CPO_TRY(s_run(c, CPO_CMIS_PAGE_P1A, enable,
                CPO_CMIS_P1A_ELS_FIBRE_CHECKED_OFFSET + CPO_CMIS_P1A_ELS_FIBRE_CHECKED_COUNT, p1a));
  CPO_TRY(s_run(c, CPO_CMIS_PAGE_P1A, freq, freq + CPO_CMIS_P1A_ELS_LANE_FREQ_COUNT, p1a));
  CPO_TRY(s_run(c, CPO_CMIS_PAGE_P1B, sp,
                CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET + CPO_CMIS_P1B_ELS_CONTROL_MODE_COUNT, p1b));
  CPO_TRY(s_run(c, CPO_CMIS_PAGE_P1B, mon,
                CPO_CMIS_P1B_ELS_TEMP_OFFSET + CPO_CMIS_P1B_ELS_TEMP_COUNT, p1b));
  cpo_cmis_els_decode(p1a, p1b, e);
  return CPO_OK;
}

cpo_status_t cpo_cmis_els_set_enable(cpo_cmis_t *c, uint8_t lanes) {
  CPO_TRY(s_need_els(c));
  return cpo_cmis_write(c, 0, CPO_CMIS_PAGE_P1A, CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET, &lanes, 1);
}

/* One setpoint's two bytes from @p v; CPO_ERR_RANGE naming it if out of range. */
static cpo_status_t s_setpoint(cpo_cmis_t *c, unsigned lane, const char *what, const char *unit,
                               double v, uint8_t *be) {
  if (cpo_cmis_els_setpoint_encode(v, 10e-6, be) != 0)
    return cpo_cmis_fail(c, CPO_ERR_RANGE,
                         "ELS lane %u: %s setpoint %g %s is not within 0-0.65535 %s (10 u%s steps)",
                         lane + 1, what, v, unit, unit, unit);
  return CPO_OK;
}

cpo_status_t cpo_cmis_els_set_setpoint(cpo_cmis_t *c, unsigned lane, double bias_a, double power_w,
                                       cpo_cmis_els_mode_t mode) {
  CPO_TRY(s_need_els(c));
  const unsigned lanes = c->info.els_lanes;
  if (lane >= lanes)
    return cpo_cmis_fail(c, CPO_ERR_RANGE, "ELS lane %u: the source has lanes 1-%u", lane + 1,
                         lanes);
  static const uint8_t need[] = {0, CPO_CMIS_P1A_ELS_CONTROL_MODES_CURRENT_MASK,
                                 CPO_CMIS_P1A_ELS_CONTROL_MODES_POWER_MASK};
  if ((unsigned)mode >= sizeof need ||
      (mode != CPO_CMIS_ELS_MODE_KEEP && !(c->info.els_modes & need[mode])))
    return cpo_cmis_fail(c, CPO_ERR_RANGE,
                         "ELS lane %u: control mode %d not advertised (modes 0x%02x)", lane + 1,
                         (int)mode, c->info.els_modes);
  /* Every value checked before the first write: a refusal changes nothing. */
  uint8_t bias[2], power[2];
  if (!isnan(bias_a))
    CPO_TRY(s_setpoint(c, lane, "bias", "A", bias_a, bias));
  if (!isnan(power_w))
    CPO_TRY(s_setpoint(c, lane, "power", "W", power_w, power));
  if (!isnan(bias_a))
    CPO_TRY(cpo_cmis_write(c, 0, CPO_CMIS_PAGE_P1B, CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET_N(lane),
                           bias, 2));
  if (!isnan(power_w))
    CPO_TRY(cpo_cmis_write(c, 0, CPO_CMIS_PAGE_P1B, CPO_CMIS_P1B_ELS_POWER_SETPOINT_OFFSET_N(lane),
                           power, 2));
  if (mode == CPO_CMIS_ELS_MODE_KEEP)
    return CPO_OK;
  /* The mode last: a lane switched to power control finds its new setpoint in place. */
  uint8_t v, bit = (uint8_t)(1u << lane);
  CPO_TRY(cpo_cmis_read(c, 0, CPO_CMIS_PAGE_P1B, CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET, &v, 1));
  uint8_t nv = mode == CPO_CMIS_ELS_MODE_POWER ? (uint8_t)(v | bit) : (uint8_t)(v & ~bit);
  if (nv == v)
    return CPO_OK;
  return cpo_cmis_write(c, 0, CPO_CMIS_PAGE_P1B, CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET, &nv, 1);
}

cpo_status_t cpo_cmis_els_set_flag_mask(cpo_cmis_t *c, unsigned flag_byte, uint8_t lanes) {
  CPO_TRY(s_need_els(c));
  const unsigned first = CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET;
  if (flag_byte < first || flag_byte >= first + CPO_CMIS_P1A_ELS_FLAG_MASKS_COUNT)
    return cpo_cmis_fail(c, CPO_ERR_RANGE, "page 1Ah byte %u is not an ELS flag (%u-%u)", flag_byte,
                         first, first + CPO_CMIS_P1A_ELS_FLAG_MASKS_COUNT - 1);
  return cpo_cmis_write(c, 0, CPO_CMIS_PAGE_P1A,
                        CPO_CMIS_P1A_ELS_FLAG_MASKS_OFFSET + (flag_byte - first), &lanes, 1);
}
