/* The timeline (timeline.h) in a run: checked against the run's clock and shape, the model
 * side's events scheduled into the engine model (timeline_model.c), the rtl side's made at
 * their cycles on the design's bus (timeline_rtl.cpp), and what the run found out about the
 * lanes at its end. */
#ifndef CPO_TIMELINE_RUN_H
#define CPO_TIMELINE_RUN_H

#include <stdio.h>

#include "cpo/link.h"
#include "cpo/protocol.h"
#include "roles.h"

#ifdef __cplusplus
#include <memory>
extern "C" {
#endif

/** @p o's timeline (o->timeline) resolved for the run into @p tl: CPO_OK, or an error with
 *  @p why "FILE:LINE: [event.NAME] ..." (an event past the run's end, a lane, engine or D2D
 *  module the run has not, a model-side event without an engine profile, an rtl-side event on
 *  the lanes design). */
CPO_MUST_USE cpo_status_t cpo_timeline_for_run(const cpo_run_opts_t *o, cpo_timeline_t *tl,
                                               char *why, size_t why_len);
/** Schedule @p tl's model-side events into @p link (before its first cycle); @p case_k the
 *  engines' case temperature at cycle 0 (where a ramp that follows no step starts). */
CPO_MUST_USE cpo_status_t cpo_timeline_schedule_model(const cpo_timeline_t *tl, cpo_link_t *link,
                                                      double case_k, char *why, size_t why_len);
/** Each lane's physics now as a MODEL_REPORT's values (cpo_report_field_t, lane-major, into
 *  @p values: CPO_PROTO_REPORT_FIELDS per lane): laser current and temperature, OMA, ring
 *  detuning, heater power, and the expected BER under its eye now beside @p ber_snapshot's (the
 *  calibrated snapshot's per media lane, cpo_link_snapshot_ber; NULL: -1, none).
 *  @return the lanes, or 0 if a lane has processed nothing yet */
uint32_t cpo_timeline_physics(const cpo_link_t *link, const double *ber_snapshot, double *values);
/** The lane of cpo_timeline_physics's @p values furthest above its snapshot's BER, its ratio in
 *  @p ratio (infinite over a snapshot of 0); -1 if no lane has a snapshot. */
int cpo_timeline_worst_vs_snapshot(const double *values, uint32_t lanes, double *ratio);
/** @p lanes lanes of cpo_timeline_physics's @p values, one line a lane, and the lane furthest
 *  above its snapshot's BER, to @p f. */
void cpo_timeline_print_physics(FILE *f, const double *values, uint32_t lanes);

#ifdef __cplusplus
}
#endif

#endif
