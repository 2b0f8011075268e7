/* The physics' faults (cpo/link_fault.h): scheduled in the link's event queue, applied at their
 * grid point by link_grid.c through cpo_link_fault_apply. */
#include "cpo/link_fault.h"

#include <assert.h>
#include <math.h>

#include "cpo/log.h"
#include "link_internal.h"

cpo_status_t cpo_link_schedule_fault(cpo_link_t *link, cpo_link_fault_t kind, uint32_t index,
                                     double value, uint64_t effective_cycle) {
  assert(link);
  const bool per_laser = kind == CPO_LINK_FAULT_LASER_FAIL || kind == CPO_LINK_FAULT_LASER_AGE;
  if ((unsigned)kind >= CPO_LINK_FAULT_KINDS)
    return cpo_link_reject("schedule_fault: %s %g does not exist", "kind", kind);
  if (index >= (per_laser ? link->info.lasers : link->info.lanes))
    return cpo_link_reject("schedule_fault: %s %g out of range", per_laser ? "laser" : "lane",
                           index);
  if (!(value >= 0.0) || !isfinite(value))
    return cpo_link_reject("schedule_fault: %s %g is not a non-negative number", "value", value);
  if (effective_cycle < link->next_cycle) {
    cpo_log(CPO_LOG_ERROR, "cpo_link", "fault for cycle %llu, already processed up to %llu",
            (unsigned long long)effective_cycle, (unsigned long long)link->next_cycle);
    return CPO_ERR_RANGE;
  }
  const cpo_event_t ev = {effective_cycle, CPO_EVENT_FAULT, (uint32_t)kind, index, 0, value};
  return cpo_event_queue_push(&link->events, &ev);
}

void cpo_link_fault_apply(cpo_link_t *l, const cpo_event_t *ev) {
  uint32_t local;
  switch ((cpo_link_fault_t)ev->channel) {
  case CPO_LINK_FAULT_LASER_FAIL:
  case CPO_LINK_FAULT_LASER_AGE: {
    cpo_engine_t *e = cpo_link_laser_engine(l, ev->index, &local);
    if (ev->channel == CPO_LINK_FAULT_LASER_FAIL)
      cpo_engine_fail_laser(e, local);
    else
      cpo_laser_add_age(cpo_engine_laser(e, local), ev->temp_k);
    break;
  }
  case CPO_LINK_FAULT_HEATER_FAIL: {
    cpo_engine_t *e = cpo_link_lane_engine(l, ev->index, &local); /* sets local first */
    cpo_engine_fail_heater(e, local);
    break;
  }
  case CPO_LINK_FAULT_LANE_LOSS:
    l->fault_loss_db[ev->index] += ev->temp_k;
    break;
  case CPO_LINK_FAULT_KINDS:
    break;
  }
}

void cpo_link_fault_carry(const cpo_link_t *l, uint32_t t, uint32_t levels) {
  if (l->fault_loss_db[t] <= 0.0)
    return;
  const double ratio = pow(10.0, -l->fault_loss_db[t] / 10.0);
  for (uint32_t k = 0; k < levels * levels; k++)
    l->tx[t]->rx_w[k] *= ratio;
}

cpo_status_t cpo_link_lane_state(const cpo_link_t *link, uint32_t lane,
                                 cpo_link_lane_state_t *out) {
  assert(link && out);
  cpo_link_tx_levels_t lv;
  CPO_TRY(cpo_link_tx_levels(link, lane, &lv));
  uint32_t j;
  const cpo_engine_t *e = cpo_link_lane_engine(link, lane, &j);
  const cpo_laser_t *laser = cpo_engine_laser(e, cpo_engine_laser_of(e, j));
  *out = (cpo_link_lane_state_t){
      .laser_current_a = cpo_laser_current_a(laser),
      .laser_temp_k = cpo_laser_junction_k(laser),
      .laser_w = cpo_laser_power_w(laser),
      .oma_outer_w = lv.oma_outer_w,
      .rx_w = link->rx[lane]->power_w,
      .detuning_m = link->tx[lane]->detuning_m,
      .heater_w = cpo_engine_heater_w(e, j),
      .mod_temp_k = cpo_engine_mod_temp_k(e, j),
  };
  return CPO_OK;
}
