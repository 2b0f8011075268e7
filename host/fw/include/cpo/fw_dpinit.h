/* The engine firmware's DPInit service and supervisor: the firmware as a real engine runs it,
 * invoked by CMIS's DPInit rather than by a host. CMIS (rtl/cmis) holds a lane's data path in
 * DPInit until OE CAL_DONE says the lane is calibrated; OE CAL_REQ shows which lanes wait. The
 * service answers CAL_REQ: it calibrates those lanes (the first time the lasers too: ramp with
 * fibre-checked gating, APC target; then ring lock or MZM bias, the D2D link up, equalisation:
 * cpo/fw_bringup.h's steps, restricted to the requested lanes), sets CAL_DONE for each lane it
 * calibrated and, for a lane it could not, leaves CAL_DONE clear and sets OE TX_LOL (CMIS
 * latches the lane's Tx loss-of-lock flag, page 11h byte 137), naming the lane and the cause.
 * The firmware owns the media lanes' streaming (OE STREAM_EN): parked unless it measures, and a
 * lane's transmitter on once CMIS has Activated its data path (OE DP_ACTIVE). An external laser
 * source's lanes follow CMIS pages 1Ah/1Bh (OE ELS_CTRL, ELS_SETPOINT; reported in ELS_STATUS,
 * host/fw/laser_ctl.h): a media lane whose ELS lane is disabled fails its calibration, named so;
 * one calibrated before stays calibrated while its source is off (its ring left alone) and is
 * tracked again once the source is ramped back.
 *
 *     cpo_fw_t *fw;                         // cpo/fw_bringup.h
 *     cpo_fw_dpinit_t *dp;
 *     cpo_fw_create(hal, &fw);
 *     cpo_fw_dpinit_create(fw, &dp);
 *     cpo_fw_dpinit_boot(dp);               // at power-on: park every lane
 *     ... cpo_fw_dpinit_poll(dp, end) whenever the engine's firmware gets to run ...
 *     cpo_fw_dpinit_supervise(dp, end);     // keep the lanes: poll, APC, track, D2D
 *     cpo_fw_dpinit_print(cpo_fw_dpinit_report(dp), stdout);
 *
 * One HAL connection in virtual time serves both a CMIS host and this firmware when they run
 * cooperatively: the host's CMIS driver calls cpo_fw_dpinit_poll from its wait loop
 * (cpo_cmis_set_poll), so every run takes the same decisions at the same cycles. */
#ifndef CPO_FW_DPINIT_H
#define CPO_FW_DPINIT_H

#include <stdint.h>
#include <stdio.h>

#include "cpo/fw_bringup.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What the service did so far (bit l: media lane l). */
typedef struct {
  uint64_t requested;     /* lanes CAL_REQ asked for */
  uint64_t calibrated;    /* lanes calibrated: CAL_DONE set */
  uint64_t adopted;       /* lanes found lit and locked at the first poll (calibrated start) */
  uint64_t off_line;      /* lanes found lit with their rings off their lines: not adopted */
  uint64_t failed;        /* lanes whose calibration failed: CAL_DONE clear, TX_LOL set */
  uint32_t calibrations;  /* calibration runs (one per CAL_REQ seen) */
  uint64_t last_cycle;    /* when the last calibration finished */
  uint32_t d2d_retrains;  /* D2D: PHYRETRAINs the ASIC end counted (TRAIN_CNT.RETRAINS) */
  uint32_t d2d_trainings; /* D2D: times ACTIVE was reached */
  uint32_t d2d_resets;    /* D2D: LINK_RESETs the firmware issued (TRAINERROR recoveries) */
  uint32_t d2d_repaired;  /* D2D: wires repaired onto spares, both directions (RX_BAD, TX_BAD) */
  uint32_t relocks;       /* rings that fell off and searched again */
  uint32_t relocked;      /* ... and locked again (supervision's end) */
  double worst_relock_us; /* the longest a ring was off its line before it locked again */
  double worst_track_rel; /* the worst drop/tap error of a tracked ring, relative to its lock */
  char failure[400];      /* "" or each failed lane with its cause ("lane 5: ...; lane 6: ...") */
} cpo_fw_dpinit_report_t;

typedef struct cpo_fw_dpinit cpo_fw_dpinit_t;

/** The service's state over @p fw (which must outlive it). */
CPO_MUST_USE cpo_status_t cpo_fw_dpinit_create(cpo_fw_t *fw, cpo_fw_dpinit_t **out);
/** Free; safe on NULL, sets *dp = NULL. */
void cpo_fw_dpinit_destroy(cpo_fw_dpinit_t **dp);
/** What the service did so far. */
const cpo_fw_dpinit_report_t *cpo_fw_dpinit_report(const cpo_fw_dpinit_t *dp);

/** At power-on: identify the engine (OE CONFIG, D2D, the product table) and park every media
 * lane. CPO_ERR_STATE for an engine the firmware has no table for (the report's failure says
 * so). */
CPO_MUST_USE cpo_status_t cpo_fw_dpinit_boot(cpo_fw_dpinit_t *dp);

/** One service round: calibrate the lanes OE CAL_REQ asks for (a lane that failed is not tried
 * again until it has left DPInit), waits (simulated time) ending before @p deadline_cycles,
 * then stream the lanes CMIS has Activated. CPO_OK unless the HAL failed
 * (a failed calibration is a report, not an error). */
CPO_MUST_USE cpo_status_t cpo_fw_dpinit_poll(cpo_fw_dpinit_t *dp, uint64_t deadline_cycles);

/** Supervise until cycle @p until_cycles: every few microseconds a service round, APC, ring
 * tracking (a lane that cannot relock raises TX_LOL), D2D supervision (reset a link in
 * TRAINERROR; its retrains and repairs read into the report). */
CPO_MUST_USE cpo_status_t cpo_fw_dpinit_supervise(cpo_fw_dpinit_t *dp, uint64_t until_cycles);

/** Print the report ("host: fw: DPInit ..." and "host: fw: D2D ..." lines). */
void cpo_fw_dpinit_print(const cpo_fw_dpinit_report_t *r, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* CPO_FW_DPINIT_H */
