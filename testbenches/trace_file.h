/* Waveform files as a chip designer reads them: the time axis (FST stamps in femtoseconds, from
 * the run's datapath clock), the window a run records (--trace-window), the GTKWave save file
 * written beside a trace, and the one file a run leaves (the RTL's signals, each lane's words
 * and counters split out of the packed ports, and the model's quantities). */
#ifndef CPO_TRACE_FILE_H
#define CPO_TRACE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpo/bridge.h"
#include "cpo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A trace's time stamps: 1 fs. */
#define CPO_TRACE_TIMESCALE_EXP (-15)
/** The longest --trace-window text. */
#define CPO_TRACE_WINDOW_MAX 64

/** What --trace-window says: everything, or [first, end) in cycles or in femtoseconds. */
typedef struct {
  bool all;
  bool in_fs; /* first/end are femtoseconds, not cycles */
  uint64_t first, end;
} cpo_trace_window_t;

/** Parse "all", "A:B" or "A:" (to the end), A and B cycles (a whole number) or times with a
 *  unit (fs, ps, ns, us, ms, s: "10us:12.5us"), A < B. false for anything else. */
bool cpo_trace_window_parse(const char *text, cpo_trace_window_t *w);
/** The window in cycles [*first, *end) for the datapath clock of @p cfg (time rounded up to the
 *  next cycle). */
void cpo_trace_window_cycles(const cpo_trace_window_t *w, const cpo_config_t *cfg, uint64_t *first,
                             uint64_t *end);

/** Femtoseconds per half cycle as a fraction (*num / *den) of @p cfg's datapath clock: a cycle
 *  is symbols_per_cycle symbols at baud_hz. A trace unit is half a cycle (the clock's phases). */
void cpo_trace_fs_per_half_cycle(const cpo_config_t *cfg, uint64_t *num, uint64_t *den);
/** The time stamp, in fs, of half-cycle unit @p units (floor). */
uint64_t cpo_trace_fs(uint64_t units, uint64_t num, uint64_t den);

/** The GTKWave save file beside @p fst_path (x.fst: x.gtkw) into @p out. */
void cpo_trace_gtkw_path(const char *fst_path, char *out, size_t len);

/** Fold the model's trace @p model_path (or NULL) into the RTL's @p rtl_path, which is rewritten
 *  in place: the RTL's hierarchy, a scope "lanes" with each lane's media TX/RX word and its
 *  checker's bits, errors and lock split out of the top's packed ports (@p host_lanes,
 *  @p media_lanes), and the model's scope; then the model file is removed. Writes the GTKWave
 *  save file beside it either way. On error the files stay as they were, and @p why says why. */
CPO_MUST_USE cpo_status_t cpo_trace_finish(const char *rtl_path, const char *model_path,
                                           uint32_t host_lanes, uint32_t media_lanes, char *why,
                                           size_t why_len);

#ifdef __cplusplus
}
#endif

#endif
