/* What the firmware's programs share beyond their interfaces: the one cpo_fw_t's engine state,
 * D2D supervision and counts, for the DPInit service (dpinit.c) beside bring-up (bringup.c).
 * Firmware-internal. */
#ifndef CPO_FW_INTERNAL_H
#define CPO_FW_INTERNAL_H

#include "cpo/fw_bringup.h"
#include "d2d_supervise.h"
#include "fw_engine.h"

/** The engine as @p fw knows it. */
cpo_fw_engine_t *cpo_fw_engine_of(cpo_fw_t *fw);
/** @p fw's D2D supervision state. */
cpo_fw_d2d_t *cpo_fw_d2d_of(cpo_fw_t *fw);
/** @p fw's count of rings that fell off and searched again. */
uint32_t *cpo_fw_relocks_of(cpo_fw_t *fw);
/** Record that @p fw has lit lanes (supervision has something to keep). */
void cpo_fw_set_brought_up(cpo_fw_t *fw);

/** The supervisor's next period after one of @p period cycles (0: the first): longer while
 * the engine is quiet, shorter while a ring drifts, the fastest while one pulls or searches. */
uint64_t cpo_fw_supervise_next_period(cpo_fw_t *fw, uint64_t period);
/** Sleep @p period cycles (0: the fastest period), but not into the last two fastest periods before
 * @p until_cycles. */
CPO_MUST_USE cpo_status_t cpo_fw_supervise_sleep(cpo_fw_t *fw, uint64_t period,
                                                 uint64_t until_cycles);
/** Whether a supervision round still fits before @p until_cycles. */
bool cpo_fw_supervise_more(const cpo_fw_t *fw, uint64_t until_cycles);

#endif /* CPO_FW_INTERNAL_H */
