/* Micro-ring wavelength lock (ring_lock.c) on the drop-port monitor, normalised by the tap
 * monitor (drop/tap: independent of the laser power). Firmware-internal. */
#ifndef CPO_FW_RING_LOCK_H
#define CPO_FW_RING_LOCK_H

#include <stdio.h>

#include "fw_engine.h"

/* A lane's lock state (cpo_fw_lane_t.state). */
typedef enum {
  CPO_FW_RING_SEARCH = 0, /* heating up: the resonance approaches the line from the blue */
  CPO_FW_RING_PULL = 1,   /* past the snap, on the stable side: pulling onto the lock ratio */
  CPO_FW_RING_LOCKED = 2, /* at the lock ratio: tracking */
  CPO_FW_RING_FAILED = 3, /* no resonance within the heater's range */
} cpo_fw_ring_state_t;

/** Bias every lit lane's ring (half the swing plus the product's margin), then lock them all
 * in parallel: heater search from 0 W upwards (the resonance, fabricated blue of the line,
 * approaches it from the blue side; self-heating snaps it over the line onto the stable side,
 * seen as the drop ratio starting to fall with more heat), then monitor-ratio pulling onto
 * the product's lock ratio. Each ring captures the first resonance order it meets, its own
 * lane's line: the search never passes a resonance. CPO_OK when every lit lane locked;
 * otherwise CPO_ERR_STATE with e->why naming the first lane that did not. */
CPO_MUST_USE cpo_status_t cpo_fw_ring_lock_all(cpo_fw_engine_t *e);

/** One tracking step of every locked lane (keep the drop/tap ratio at the lock ratio; search
 * again from where it is for a ring that fell off). @p relocked counts rings that had to
 * search again. */
CPO_MUST_USE cpo_status_t cpo_fw_ring_track(cpo_fw_engine_t *e, uint32_t *relocked);

/* How the last tracking round found the rings (the supervisor's pace follows it). */
typedef enum {
  CPO_FW_TRACK_QUIET,    /* every ring within half its lock tolerance: track less often */
  CPO_FW_TRACK_DRIFTING, /* one beyond half of it: track more often */
  CPO_FW_TRACK_BUSY,     /* one beyond it, pulling or searching: track at full rate */
} cpo_fw_track_t;

/** The last tracking round (cpo_fw_ring_track) of the lit lanes (failed ones left out). */
cpo_fw_track_t cpo_fw_ring_tracking(const cpo_fw_engine_t *e);

/** Take lane @p j as found locked (an engine this firmware did not light): its drop/tap
 * @p ratio becomes its lock ratio, @p heater_w its heater setting; tracking goes on from there. */
void cpo_fw_ring_adopt(cpo_fw_engine_t *e, uint32_t j, double ratio, double heater_w);

/** Print each recorded relock ("host: fw: relock: ..."): when the ring fell off its line,
 * when it locked again and the time between; rings still off; the longest time off; and the
 * worst tracking error since bring-up ("host: fw: tracking: ..."). */
void cpo_fw_ring_print_tracking(const cpo_fw_engine_t *e, FILE *out);

#endif /* CPO_FW_RING_LOCK_H */
