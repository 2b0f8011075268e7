/* An engine without its RTL, for firmware tests: a HAL backend over the analog models (cpo_link)
 * that answers the registers the bring-up firmware uses as cpo_engine_top does (OE CONFIG and
 * D2D, STREAM_EN parking, the converter bank with the path latency both ways, the ASIC's
 * traffic counters from the model's own bit errors, the D2D status always ACTIVE, an external
 * laser source's OE ELS registers with a disabled lane's drive held at 0), so the
 * firmware runs against the real physics at the model's speed. Also the expected bit error
 * ratio of a lane's current eye, for comparing operating points exactly. */
#ifndef CPO_FW_MODEL_HAL_H
#define CPO_FW_MODEL_HAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cpo/hal.h"
#include "cpo/link.h"

typedef struct cpo_fw_model_hal cpo_fw_model_hal_t;

/** A HAL over a new link of @p profile (@p calibrated: the snapshot, else power-on) with
 * @p seed; @p m is the backend's handle. */
CPO_MUST_USE cpo_status_t cpo_fw_model_hal_create(const char *profile, uint64_t seed,
                                                  bool calibrated, cpo_fw_model_hal_t **m,
                                                  cpo_hal_t **hal);
/** Make the tap monitors of the lanes in @p mask read no light (a fibre between the laser
 * source and those lanes open), from now on. */
void cpo_fw_model_hal_open_fibre(cpo_fw_model_hal_t *m, uint64_t mask);

/** The external laser source's lanes (OE ELS_CONFIG.LANES): the profile's lasers if they sit
 * apart from the engine (its els_ambient_k), else 0 and every ELS register reads 0. Reset as
 * CMIS resets pages 1Ah/1Bh: every lane enabled, in power control, setpoints 0, nothing changed
 * (ELS_CTRL's SETPOINT_CHANGED and WAS_DISABLED 0); ELS_STATUS 0, or on a calibrated start every
 * lane ON and fibre-checked (the engine's cycle-0 preset). ELS_CTRL's SETPOINT_CHANGED and
 * WAS_DISABLED are write-1-to-clear, as in the engine. */
uint32_t cpo_fw_model_hal_els_lanes(const cpo_fw_model_hal_t *m);
/** Play the CMIS host's ELS lane enable (page 1Ah byte 220) and control mode (page 1Bh byte
 * 160; 1: power control) from now on (OE ELS_CTRL). A disabled lane's laser is dark at once,
 * its drive writes dropped; enabled again, it stays dark until the firmware drives it. A lane
 * disabled sets its WAS_DISABLED bit, one whose mode bit changes its SETPOINT_CHANGED bit (as
 * the engine latches them, until the firmware clears them). */
CPO_MUST_USE cpo_status_t cpo_fw_model_hal_set_els(cpo_fw_model_hal_t *m, uint32_t enable,
                                                   uint32_t power_mode);
/** Play the CMIS host's setpoints of ELS lane @p lane (page 1Bh; OE ELS_SETPOINT): drive in
 * laser_current DAC codes (10 uA), power in laser_power ADC codes (10 uW); 0: the product's.
 * Sets the lane's SETPOINT_CHANGED bit (written, even with the values it had). */
void cpo_fw_model_hal_set_els_setpoint(cpo_fw_model_hal_t *m, uint32_t lane, uint32_t bias_code,
                                       uint32_t power_code);
/** OE ELS_STATUS as the firmware last wrote it (or the calibrated preset). */
uint32_t cpo_fw_model_hal_els_status(const cpo_fw_model_hal_t *m);

/** Play CMIS's data-path states for the DPInit service (OE CAL_REQ and DP_ACTIVE): the lanes
 * of @p dp_init are in DPInit (CAL_REQ shows those whose CAL_DONE bit is clear), those of
 * @p dp_active are Activated. */
void cpo_fw_model_hal_set_dp(cpo_fw_model_hal_t *m, uint64_t dp_init, uint64_t dp_active);
/** OE CAL_DONE and TX_LOL (HI:LO) as the firmware last wrote them; STREAM_EN likewise. */
uint64_t cpo_fw_model_hal_cal_done(const cpo_fw_model_hal_t *m);
uint64_t cpo_fw_model_hal_tx_lol(const cpo_fw_model_hal_t *m);
uint64_t cpo_fw_model_hal_stream_en(const cpo_fw_model_hal_t *m);

/** The link behind it (for ambient changes and eyes). */
cpo_link_t *cpo_fw_model_hal_link(cpo_fw_model_hal_t *m);
/** The cycles processed so far. */
uint64_t cpo_fw_model_hal_now(const cpo_fw_model_hal_t *m);

#endif
