/* Laser power control (laser_ctl.c): the ramp from dark with fibre-checked gating, automatic
 * power control (APC) on the back-facet monitor, and an external laser source's CMIS controls.
 * Firmware-internal.
 *
 * External laser source (a product with one, product.h: els; OE ELS_CONFIG.LANES nonzero): ELS
 * lane k is laser k. The CMIS host (pages 1Ah/1Bh, rtl/cmis) enables each lane and chooses its
 * control mode, which the engine shows in OE ELS_CTRL and ELS_SETPOINT; the firmware obeys and
 * reports each lane in OE ELS_STATUS (OFF, RAMPING while it checks, ramps and warms, ON at its
 * setpoint; FIBRE_CHECKED when its check saw light). A disabled lane is never driven (the
 * hardware holds its drive at 0 anyway, and enabling it lights nothing: only this firmware's
 * ramp, after its fibre check, drives it again) and its media lanes are e->lane[].dark: lock and
 * tracking leave them. Power control: APC to the POWER setpoint, or (0) the warm power at the
 * nominal drive measured at bring-up; current control: the BIAS setpoint's code (0: the
 * nominal), never above the product's maximum, no APC. ELS_CTRL also says what the host changed
 * since the firmware last cleared it (w1c): SETPOINT_CHANGED (a lane's setpoints or mode
 * written: read again and applied at that step) and WAS_DISABLED (a lane went dark, even if
 * enabled again since: ramped from dark with a new fibre check). Register traffic: ELS_CONFIG
 * once at bring-up or adoption; ELS_CTRL once per supervision step, and nothing more in a step
 * where nothing changed; the bits handled cleared in one write (none when none was set); the
 * setpoints at bring-up, adoption, a lane's re-ramp and its SETPOINT_CHANGED only; ELS_STATUS
 * written only when it changes. A product without an external source never touches these
 * registers. */
#ifndef CPO_FW_LASER_CTL_H
#define CPO_FW_LASER_CTL_H

#include "fw_engine.h"

/** Bring every laser from dark to its setpoint (an ELS lane only if enabled: a disabled one is
 * left dark, its lanes not lit): first a low check drive, which must show light at the taps of
 * the laser's lanes (a lane without it is left dark: e->lane[].lit; a laser none of whose
 * lanes sees light is switched off again: its fibre is open), then a ramp to the nominal drive,
 * then wait until the junction is warm and take the monitor power as its nominal power (APC's
 * target unless the host set one; an ELS lane in current control goes to its drive setpoint
 * instead). CPO_OK when at least one lane is lit; otherwise the status, with e->why naming the
 * laser. */
CPO_MUST_USE cpo_status_t cpo_fw_laser_bringup(cpo_fw_engine_t *e);

/** The lasers' supervision step: with an external source, ELS_CTRL read once (a lane disabled
 * is switched off and reported OFF; one enabled with WAS_DISABLED set, i.e. enabled again, is
 * ramped from dark as at bring-up; one with SETPOINT_CHANGED is given its new setpoints), then
 * one APC step: each laser in power control moved towards its target power (never above the
 * product's maximum). */
CPO_MUST_USE cpo_status_t cpo_fw_laser_apc_step(cpo_fw_engine_t *e);

/** Take the lasers as found on an engine lit before this firmware (the calibrated start): each
 * one's drive read back, its monitor power now as its nominal power and APC's target, its
 * lanes' taps checked for light as at bring-up (e->lane[].lit). ELS lanes: ELS_STATUS read (the
 * engine presets every lane ON and fibre-checked) and written only if a lane is not as preset
 * (disabled or without light: switched off and reported OFF); the host's setpoints apply. */
CPO_MUST_USE cpo_status_t cpo_fw_laser_adopt(cpo_fw_engine_t *e);

/** Whether laser @p k may emit (its ELS lane enabled as last read; an engine's own laser
 * always may). */
bool cpo_fw_laser_enabled(const cpo_fw_engine_t *e, uint32_t k);
/** The laser feeding media lane @p lane. */
uint32_t cpo_fw_laser_of(const cpo_fw_engine_t *e, uint32_t lane);

#endif /* CPO_FW_LASER_CTL_H */
