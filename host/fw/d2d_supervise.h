/* D2D link supervision (d2d_supervise.c): watch each module's LTSM at the ASIC end, and take
 * a link that fell into TRAINERROR back through RESET to train again. Firmware-internal. */
#ifndef CPO_FW_D2D_SUPERVISE_H
#define CPO_FW_D2D_SUPERVISE_H

#include "fw_engine.h"

typedef struct {
  uint32_t up;                        /* modules whose link is up (ACTIVE) */
  uint32_t retrains;                  /* LINK_RESETs the firmware issued (TRAINERROR recoveries) */
  uint32_t state[CPO_FW_MAX_MODULES]; /* each module's LTSM state code, as last read */
} cpo_fw_d2d_t;

/** Read every module's state; reset a module found in TRAINERROR so that it trains again. */
CPO_MUST_USE cpo_status_t cpo_fw_d2d_check(cpo_fw_engine_t *e, cpo_fw_d2d_t *d);

/** Wait (in @p poll_us steps, until the deadline) for every module's link to be up. */
CPO_MUST_USE cpo_status_t cpo_fw_d2d_wait_up(cpo_fw_engine_t *e, cpo_fw_d2d_t *d, double poll_us);

#endif /* CPO_FW_D2D_SUPERVISE_H */
