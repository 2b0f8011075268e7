/* Conservative synchronisation with lookahead (ARCHITECTURE.md section 2).
 *
 * The rtl side drives a design through cpo_design_ops_t in quanta of at most Q cycles.
 * RX for cycle c is what the model computed from TX of cycle c - L, so the RTL can run up
 * to L cycles ahead of the model's answers: several quanta are in flight and a round trip
 * is paid once per quantum, overlapped with simulation. Host requests happen at exact
 * cycles: while a host is attached and has nothing outstanding, time stands still. */
#ifndef CPO_SYNC_H
#define CPO_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpo/bridge.h"
#include "cpo/event_hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The design under simulation, as the synchroniser sees it. */
typedef struct {
  void *self;
  /** Simulate @p count cycles; rx[c * lanes + l] is lane l's RX word in cycle c, and the
   * design's TX words go to tx likewise. */
  void (*step)(void *self, uint32_t count, const uint64_t *rx, uint64_t *tx);
  /** Begin a bus transaction in the next simulated cycle. */
  void (*bus_start)(void *self, bool write, uint32_t addr, uint32_t wdata);
  /** After a step: true once the transaction has completed (rdata/slverr then valid). */
  bool (*bus_done)(void *self, uint32_t *rdata, bool *slverr);
} cpo_design_ops_t;

typedef struct {
  bool direct_loopback; /* no model peer: RX is TX delayed by L (the bare-design baseline) */
  bool expect_host;     /* a host attaches before cycle 0 and drives virtual time */
  FILE *progress;       /* a progress line about once a second, or NULL */
} cpo_sync_opts_t;

typedef struct {
  uint64_t cycles;      /* cycles simulated */
  uint64_t reg_accesses;
  uint64_t quanta;      /* TX quanta sent */
  cpo_event_hash_t hash;
  double wall_s;
  char error[320];      /* why the run stopped early, if it did */
} cpo_sync_result_t;

/** Run cfg->total_cycles cycles of @p design. @p srv may be NULL only with direct_loopback.
 * Returns CPO_OK when the run covered all cycles; otherwise the status and res->error say
 * what stopped it (a dead peer, a model protocol violation) and res->cycles how far it got. */
CPO_MUST_USE cpo_status_t cpo_sync_run(cpo_server_t *srv, const cpo_config_t *cfg,
                                       const cpo_design_ops_t *design, const cpo_sync_opts_t *opts,
                                       cpo_sync_result_t *res);

#ifdef __cplusplus
}
#endif

#endif
