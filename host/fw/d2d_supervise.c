/* D2D link supervision: see d2d_supervise.h. */
#include "d2d_supervise.h"

#include "cpo/addrmap.h"
#include "cpo/d2d_regs.h"

static const uint32_t s_asic_d2d[CPO_FW_MAX_MODULES] = {CPO_ADDRMAP_ENGINE_ASIC_D2D_BASE,
                                                        CPO_ADDRMAP_ENGINE_ASIC_D2D1_BASE};

cpo_status_t cpo_fw_d2d_check(cpo_fw_engine_t *e, cpo_fw_d2d_t *d) {
  d->up = 0;
  for (uint32_t m = 0; m < e->modules; m++) {
    uint32_t status;
    CPO_TRY(cpo_hal_read(e->hal, s_asic_d2d[m] + CPO_D2D_STATUS_OFFSET, &status));
    d->state[m] = (status & CPO_D2D_STATUS_STATE_MASK) >> CPO_D2D_STATUS_STATE_SHIFT;
    d->up += (status & CPO_D2D_STATUS_LINK_UP_MASK) != 0;
    if (d->state[m] == CPO_D2D_LTSM_STATE_TRAIN_ERROR) {
      CPO_TRY(
          cpo_hal_write(e->hal, s_asic_d2d[m] + CPO_D2D_CMD_OFFSET, CPO_D2D_CMD_LINK_RESET_MASK));
      d->retrains++;
    }
  }
  return CPO_OK;
}

cpo_status_t cpo_fw_d2d_wait_up(cpo_fw_engine_t *e, cpo_fw_d2d_t *d, double poll_us) {
  for (;;) {
    CPO_TRY(cpo_fw_d2d_check(e, d));
    if (d->up == e->modules)
      return CPO_OK;
    cpo_status_t rc = cpo_fw_wait_us(e, poll_us);
    if (rc != CPO_OK) {
      e->why[0] = '\0';
      const char *name = cpo_d2d_ltsm_state_name(d->state[0]);
      return cpo_fw_engine_fail(e, rc, "D2D link not up before the deadline (module 0 in %s)",
                                name ? name : "?");
    }
  }
}
