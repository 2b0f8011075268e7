/* The bring-up firmware: from a dark engine (lasers off) to every lane carrying traffic, then
 * supervision, through the HAL only (exactly what an engine's firmware could run: the
 * converter bank's DAC and ADC registers, the media lanes' streaming switch, the D2D status and
 * the traffic counters). Which engine it drives it reads from the engine (OE CONFIG and D2D, the
 * lasers that answer); the design numbers of the product (laser drive, lock ratios) come from
 * the firmware's table for the run's engine profile, as a firmware image is built for its
 * product.
 *
 *     cpo_fw_t *fw;
 *     cpo_fw_create(hal, &fw);
 *     cpo_fw_bringup_run(fw, deadline_cycles, &report);   // nothing to do if already lit
 *     cpo_fw_supervise_run(fw, until_cycles);              // track, APC, watch the D2D link
 *     cpo_fw_destroy(&fw);
 *
 * An external laser source's lanes are lit as its CMIS host set them (OE ELS_CTRL and
 * ELS_SETPOINT: only enabled lanes, power or current control) and reported in OE ELS_STATUS;
 * supervision follows the host's changes (host/fw/laser_ctl.h).
 *
 * Slow waits run with the media lanes parked (OE STREAM_EN), so they cost little wall time;
 * the lanes stream again once the modulators are locked, for the equalisation, which counts
 * PRBS errors. */
#ifndef CPO_FW_BRINGUP_H
#define CPO_FW_BRINGUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpo/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cpo_fw cpo_fw_t;

/** What a bring-up did: the short status a caller (DPInit, a test) acts on. */
typedef struct {
  bool was_dark;         /* the lasers were off: the firmware brought the engine up */
  bool up;               /* every lit lane locked and equalised, the D2D link up */
  uint32_t lanes;        /* media lanes */
  uint32_t lanes_lit;    /* lanes whose fibre check saw light */
  uint32_t lanes_locked; /* lanes whose modulator is at its operating point */
  uint64_t start_cycle, lasers_cycle, locked_cycle, done_cycle; /* milestones (cycles) */
  char failure[240]; /* "" or the first failure, naming the lane or laser and the cause */
} cpo_fw_bringup_report_t;

/** The firmware's state over @p hal (which must outlive it). */
CPO_MUST_USE cpo_status_t cpo_fw_create(cpo_hal_t *hal, cpo_fw_t **out);
/** Free; safe on NULL, sets *fw = NULL. */
void cpo_fw_destroy(cpo_fw_t **fw);

/** If the engine is dark (every laser's drive DAC reads 0), bring it up, finishing before
 * cycle @p deadline_cycles; fill @p report either way. CPO_OK when the engine was lit already
 * or is up now; CPO_ERR_STATE when bring-up failed (report->failure says where and why),
 * CPO_ERR_TIMEOUT when the deadline came first; a HAL failure's status otherwise. */
CPO_MUST_USE cpo_status_t cpo_fw_bringup_run(cpo_fw_t *fw, uint64_t deadline_cycles,
                                             cpo_fw_bringup_report_t *report);

/** Supervise until cycle @p until_cycles: every few microseconds keep the rings on their lock
 * ratio (relocking one that fell off), hold the laser power (APC) and reset a D2D link that
 * fell into TRAINERROR. Only after a bring-up by this firmware (otherwise it just sleeps). */
CPO_MUST_USE cpo_status_t cpo_fw_supervise_run(cpo_fw_t *fw, uint64_t until_cycles);

/** Rings that fell off their lock and searched again during supervision. */
uint32_t cpo_fw_relocks(const cpo_fw_t *fw);

/** Print what supervision did ("host: fw: supervision ..."): relocks, D2D resets, lasers. */
void cpo_fw_supervise_print(const cpo_fw_t *fw, FILE *out);

/** Print the report and a per-lane table ("host: fw ..." lines) to @p out. */
void cpo_fw_bringup_print(const cpo_fw_t *fw, const cpo_fw_bringup_report_t *report, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* CPO_FW_BRINGUP_H */
