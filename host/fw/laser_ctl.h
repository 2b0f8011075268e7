/* Laser power control (laser_ctl.c): the ramp from dark with fibre-checked gating, and
 * automatic power control (APC) on the back-facet monitor. Firmware-internal. */
#ifndef CPO_FW_LASER_CTL_H
#define CPO_FW_LASER_CTL_H

#include "fw_engine.h"

/** Bring every laser from dark to its nominal drive: first a low check drive, which must show
 * light at the taps of the laser's lanes (a lane without it is left dark: e->lane[].lit; a
 * laser none of whose lanes sees light is switched off again: its fibre is open), then a ramp,
 * then wait until the junction is warm and take the monitor power as APC's target. CPO_OK
 * when at least one lane is lit; otherwise the status, with e->why naming the laser. */
CPO_MUST_USE cpo_status_t cpo_fw_laser_bringup(cpo_fw_engine_t *e);

/** One APC step: move each lit laser's drive towards its target power (never above the
 * product's maximum). */
CPO_MUST_USE cpo_status_t cpo_fw_laser_apc_step(cpo_fw_engine_t *e);

/** Take the lasers as found on an engine lit before this firmware (the calibrated start): each
 * one's drive read back, its monitor power now as APC's target, its lanes' taps checked for
 * light as at bring-up (e->lane[].lit). */
CPO_MUST_USE cpo_status_t cpo_fw_laser_adopt(cpo_fw_engine_t *e);

#endif /* CPO_FW_LASER_CTL_H */
