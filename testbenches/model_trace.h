/* Model quantities as waveforms: an FST file beside the RTL's, on the same time axis (real time
 * in femtoseconds from the run's datapath clock, trace_file.h) and over the same window, so
 * optical power, ring detuning, temperature and heater power can be read next to the RTL
 * signals (`run` folds it into the RTL's file: cpo_trace_finish). */
#ifndef CPO_MODEL_TRACE_H
#define CPO_MODEL_TRACE_H

#include <stdint.h>

#include "cpo/bridge.h"
#include "cpo/link.h"
#include "cpo/status.h"

typedef struct cpo_model_trace cpo_model_trace_t;

/** Create @p path with one scope per lane, for the datapath clock of @p cfg, recording the
 *  cycles of @p window (a --trace-window text; NULL: all). */
CPO_MUST_USE cpo_status_t cpo_model_trace_open(const char *path, uint32_t lanes,
                                               const cpo_config_t *cfg, const char *window,
                                               cpo_model_trace_t **out);
/** A cpo_link_trace_fn: record one grid point (user = the trace). */
void cpo_model_trace_sample(void *user, const cpo_link_trace_t *sample);
/** Flush, close and free; safe on NULL. */
void cpo_model_trace_close(cpo_model_trace_t **trace);

#endif
