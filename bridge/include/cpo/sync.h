/* Conservative synchronisation with lookahead (ARCHITECTURE.md section 2), both sides: the rtl
 * side (cpo_sync_run, sync.c) and the model side (cpo_sync_model_run, sync_model.c).
 *
 * The rtl side drives a design through cpo_design_ops_t in quanta of at most Q cycles.
 * RX for cycle c is what the model computed from TX of cycle c - L, so the RTL can run up
 * to L cycles ahead of the model's answers: several quanta are in flight and a round trip
 * is paid once per quantum, overlapped with simulation. Host requests happen at exact
 * cycles: while a host is attached and has nothing outstanding, time stands still.
 *
 * Parked time (PROTOCOL.md section 3, PARKED): while the design reports that no lane streams,
 * nothing crosses the analog boundary but converter codes. The rtl side then sends PARKED
 * spans instead of TX, clocks the design only for a host's bus access, and skips the cycles
 * up to the host's wake-up or the end of the run without clocking it (design->skip); the model
 * side advances its world through them in one go (channel->advance) and answers RX_PARKED.
 * The RX words of parked cycles are not part of the event hash (nothing consumes them).
 *
 * ADC codes (both states): the design reads its ADC ports only in the cycles it is clocked, so
 * the codes of the conversions since its last clocked cycle fold into the last of each
 * converter, which go to the design at once (adc_set_many) before the next clocked cycle; the
 * event hash records each code that changes what a port holds, at that cycle (while streaming,
 * a conversion's own cycle). A code superseded unread is neither applied nor hashed.
 *
 * Parked lanes (PROTOCOL.md section 3, LANES_PARKED): while only some lanes stream, every cycle
 * is simulated and exchanged as usual, but the parked lanes' TX words are zero, and the model,
 * told the mask before the TX of the cycle it changes (channel->park_lanes), leaves their RX
 * words zero from that cycle + L. */
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
  uint64_t cycle; /* DAC: the first cycle the design holds the code; ADC: unused */
  uint16_t channel;
  uint16_t index; /* lane, or laser for per-laser channels */
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
  /** The lanes that stream from the next cycle on (bit l: lane l; 0: none, the design is
   * parked). It may change only in a cycle of a bus transaction or at the design's own
   * deadline (next_event): the synchroniser samples it before each chunk of cycles, and chunks
   * end at both (a transaction's cycles are chunks of one, except while it waits on the
   * design's deadline: settled). NULL, or skip NULL: the design always streams. */
  uint64_t (*streaming)(void *self);
  /** While parked, with no bus transaction under way and settled: let @p count cycles pass
   * without clocking (the design's cycle count jumps; a parked design does nothing per cycle). */
  void (*skip)(void *self, uint64_t count);
  /** True if, without a new bus transaction, nothing would happen in the next cycle (no
   * converter write, counter clear or other effect of a past access still due): only then
   * are cycles skipped; otherwise the parked design is clocked a cycle at a time. During a
   * bus transaction, true only if the transaction waits on the design's own deadline
   * (next_event; a design with both ops is then skipped up to it when parked, or simulated
   * in whole quanta up to it when streaming). NULL: always settled. */
  bool (*settled)(void *self);
  /** The earliest cycle at which the design acts on its own (a timer of its own falls due, or
   * a state change is under way: then a cycle <= the current one), UINT64_MAX for none. Every
   * chunk and skip ends there, so that what the design does then (stream or park lanes among
   * it) starts a chunk of its own: a parked design with a deadline costs its events, not its
   * cycles. NULL: none. */
  uint64_t (*next_event)(void *self);
  /** Several ADC codes at once (w[i].cycle: the cycle they are read in), as adc_set with each
   * in order; ok[i] says whether the design has entry i's converter. NULL: the synchroniser
   * calls adc_set for each. */
  void (*adc_set_many)(void *self, const cpo_analog_write_t *w, uint32_t n, bool *ok);
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
  uint64_t cycles; /* cycles simulated */
  uint64_t reg_accesses;
  uint64_t quanta;         /* TX quanta sent */
  uint64_t dac_writes;     /* DAC codes sent to the model */
  uint64_t adc_samples;    /* ADC codes applied to the design */
  uint64_t parked_cycles;  /* of cycles, those where no lane streamed */
  uint64_t skipped_cycles; /* of those, the ones passed without clocking the design */
  cpo_event_hash_t hash;
  double wall_s;
  double model_wait_s; /* of wall_s, the time the design stood waiting for the model's RX */
  cpo_peer_event_t peer_events[CPO_PEER_EVENTS_MAX]; /* who attached and detached, when */
  uint32_t n_peer_events;
  char error[320]; /* why the run stopped early, if it did */
} cpo_sync_result_t;

/** Run cfg->total_cycles cycles of @p design. @p srv may be NULL only with direct_loopback and
 * no host (a direct run with a host serves the host alone; refuse model HELLOs at the server).
 * Returns CPO_OK when the run covered all cycles; otherwise the status and res->error say
 * what stopped it (a dead peer, a model protocol violation) and res->cycles how far it got. */
CPO_MUST_USE cpo_status_t cpo_sync_run(cpo_server_t *srv, const cpo_config_t *cfg,
                                       const cpo_design_ops_t *design, const cpo_sync_opts_t *opts,
                                       cpo_sync_result_t *res);

/* ---- the model side ------------------------------------------------------------- */

/** The analog world as the model side of the synchroniser sees it (plain C: the models behind
 * it know nothing of the transport). A world without converters leaves dac_codes, adc_codes
 * and adc_period_cycles zero: no DAC codes are sent, no ADC conversions. */
typedef struct {
  void *self;
  /** Carry the TX words of cycles [first, first + count) through the world into RX words
   * (word c * lanes + l). Calls cover the cycles in order, without gaps. */
  cpo_status_t (*process)(void *self, uint64_t first, uint32_t count, const uint64_t *tx,
                          uint64_t *rx);
  /** Advance cycles [first, first + count) that carry no symbols (parked: PROTOCOL.md
   * section 3): slow physics and ADC conversions only. Calls interleave with process over
   * the cycles in order, without gaps. NULL: the cycles are processed with all-zero TX. */
  cpo_status_t (*advance)(void *self, uint64_t first, uint64_t count);
  /** The ADC conversion period in cycles (conversions at its multiples), or 0. */
  uint64_t adc_period_cycles;
  /** Write the DAC codes in force now to @p out (at most @p max); returns how many. Called
   * before cycle 0: they become the rtl's DAC register reset values. */
  uint32_t (*dac_codes)(void *self, cpo_analog_entry_t *out, uint32_t max);
  /** The rtl wrote @p e in cycle @p write_cycle: apply it from @p effective_cycle (write + L).
   * On refusal, @p why says what was refused and why (the rtl is told; the run goes on). */
  cpo_status_t (*dac_set)(void *self, cpo_analog_entry_t e, uint64_t write_cycle,
                          uint64_t effective_cycle, char *why, size_t why_len);
  /** The ADC conversions made at @p cycle (a multiple of the period, already processed) into
   * @p out (at most @p max), their number in *n. */
  cpo_status_t (*adc_codes)(void *self, uint64_t cycle, cpo_analog_entry_t *out, uint32_t max,
                            uint32_t *n);
  /** Park the lanes of @p mask (bit l: lane l; 0: every lane streams) from the next cycle
   * processed on: their TX carries nothing, their slow physics and monitors go on. NULL: the
   * world keeps carrying them (the synchroniser zeroes their RX words either way). */
  cpo_status_t (*park_lanes)(void *self, uint64_t mask);
  /** The conversions at cycles before @p cycle need not be made: nobody reads them (the rtl
   * skips the cycles that could, PARKED with SKIPPED). Codes are counter-based, so the others
   * do not change. NULL: every conversion is made. */
  cpo_status_t (*adc_skip)(void *self, uint64_t cycle);
} cpo_model_channel_t;

typedef struct {
  /* Set (by a signal handler) to end the session early, saying so in the BYE: the rtl then
   * reports the run as interrupted. NULL: never. */
  const volatile sig_atomic_t *stop;
} cpo_sync_model_opts_t;

/** Serve the rtl on @p c until the run ends: send the power-on DAC codes, RX for the first L
 * dark cycles (nothing sent can have arrived yet), then for each TX quantum of cycle c the RX
 * of cycles c + L... from @p channel, for each PARKED span [c, u) RX_PARKED [c + L, u + L)
 * (advanced), each ADC conversion before the RX of its cycle; the rtl's DAC writes of cycle c
 * apply from c + L, as does its LANES_PARKED of cycle c (the parked lanes' RX words zero).
 * Returns CPO_OK when the rtl ended the run cleanly; CPO_ERR_INTERRUPTED when opts->stop was
 * set; otherwise the failure, which is logged ("model" domain). The client stays open: the caller
 * says BYE (cpo_client_close). */
CPO_MUST_USE cpo_status_t cpo_sync_model_run(cpo_client_t *c, const cpo_model_channel_t *channel,
                                             const cpo_sync_model_opts_t *opts);

#ifdef __cplusplus
}
#endif

#endif
