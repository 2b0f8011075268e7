/* Conservative synchronisation with lookahead (ARCHITECTURE.md section 2).
 *
 * The rtl side drives a design through cpo_design_ops_t in quanta of at most Q cycles.
 * RX for cycle c is what the model computed from TX of cycle c - L, so the RTL can run up
 * to L cycles ahead of the model's answers: several quanta are in flight and a round trip
 * is paid once per quantum, overlapped with simulation. Host requests happen at exact
 * cycles: while a host is attached and has nothing outstanding, time stands still. */
#ifndef CPO_SYNC_H
#define CPO_SYNC_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpo/bridge.h"
#include "cpo/event_hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A converter code crossing the analog boundary (channels: cpo/analog_channels.h). */
typedef struct {
  uint64_t cycle;   /* DAC: the first cycle the design holds the code; ADC: unused */
  uint16_t channel;
  uint16_t index;   /* lane, or laser for per-laser channels */
  uint32_t code;
} cpo_analog_write_t;

/** The design under simulation, as the synchroniser sees it. The three analog members may be
 * NULL for a design without converters; then DAC and ADC traffic is refused. */
typedef struct {
  void *self;
  /** Simulate @p count cycles; rx[c * lanes + l] is lane l's RX word in cycle c, and the
   * design's TX words go to tx likewise. */
  void (*step)(void *self, uint32_t count, const uint64_t *rx, uint64_t *tx);
  /** Begin a bus transaction in the next simulated cycle. */
  void (*bus_start)(void *self, bool write, uint32_t addr, uint32_t wdata);
  /** After a step: true once the transaction has completed (rdata/slverr then valid). */
  bool (*bus_done)(void *self, uint32_t *rdata, bool *slverr);
  /** Before cycle 0 only: the engine's power-on DAC code of (channel, index), which the
   * design's DAC register takes at reset. False if the design has no such register. */
  bool (*dac_preset)(void *self, uint16_t channel, uint16_t index, uint32_t code);
  /** The ADC output code of (channel, index) from the next simulated cycle on. False if the
   * design has no such converter. */
  bool (*adc_set)(void *self, uint16_t channel, uint16_t index, uint32_t code);
  /** Move up to @p max DAC writes the design made (oldest first, with their cycles) to @p out;
   * returns how many. */
  uint32_t (*dac_take)(void *self, cpo_analog_write_t *out, uint32_t max);
} cpo_design_ops_t;

typedef struct {
  bool direct_loopback; /* no model peer: RX is TX delayed by L (the bare-design baseline) */
  bool expect_host;     /* a host attaches before cycle 0 and drives virtual time */
  FILE *progress;       /* a progress line about once a second, or NULL */
  /* Set (by a signal handler) to end the run early: it stops before its next quantum, or its
   * next wait for the host, with CPO_ERR_INTERRUPTED. NULL: never. Waits for the model are not
   * cut short: a model asked to stop ends its session itself. */
  const volatile sig_atomic_t *stop;
} cpo_sync_opts_t;

typedef struct {
  uint64_t cycles;      /* cycles simulated */
  uint64_t reg_accesses;
  uint64_t quanta;      /* TX quanta sent */
  uint64_t dac_writes;  /* DAC codes sent to the model */
  uint64_t adc_samples; /* ADC codes applied to the design */
  cpo_event_hash_t hash;
  double wall_s;
  double model_wait_s;  /* of wall_s, the time the design stood waiting for the model's RX */
  cpo_peer_event_t peer_events[CPO_PEER_EVENTS_MAX]; /* who attached and detached, when */
  uint32_t n_peer_events;
  char error[320];      /* why the run stopped early, if it did */
} cpo_sync_result_t;

/** Run cfg->total_cycles cycles of @p design. @p srv may be NULL only with direct_loopback and
 * no host (a direct run with a host serves the host alone; refuse model HELLOs at the server).
 * Returns CPO_OK when the run covered all cycles; otherwise the status and res->error say
 * what stopped it (a dead peer, a model protocol violation) and res->cycles how far it got. */
CPO_MUST_USE cpo_status_t cpo_sync_run(cpo_server_t *srv, const cpo_config_t *cfg,
                                       const cpo_design_ops_t *design, const cpo_sync_opts_t *opts,
                                       cpo_sync_result_t *res);

#ifdef __cplusplus
}
#endif

#endif
