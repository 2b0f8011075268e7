/* Mach-Zehnder bias lock on dither harmonics of the dump-port monitor (mzm_bias.c).
 * Firmware-internal. */
#ifndef CPO_FW_MZM_BIAS_H
#define CPO_FW_MZM_BIAS_H

#include "fw_engine.h"

/** Put every lit lane's MZM at quadrature on the rising slope, by its phase heater: a scan over
 * the heater's range finds the rising slope (the dump port falls as the heater rises), then
 * Newton steps null the dither's second harmonic (dump(h + d) + dump(h - d) - 2 dump(h)), the
 * first harmonic's sign keeping the slope. CPO_OK when every lit lane locked; otherwise
 * CPO_ERR_STATE with e->why naming the first lane that did not. */
CPO_MUST_USE cpo_status_t cpo_fw_mzm_lock_all(cpo_fw_engine_t *e);

/** One dither-and-correct step of every locked lane (tracking). */
CPO_MUST_USE cpo_status_t cpo_fw_mzm_track(cpo_fw_engine_t *e);

#endif /* CPO_FW_MZM_BIAS_H */
