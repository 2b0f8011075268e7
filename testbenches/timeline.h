/* A scenario's timeline: events at simulated times, each an `[event.NAME]` section of the
 * scenario file (`at = 2ms`, `what = ambient_step`, and the keys its kind takes). Read with the
 * scenario (scenario.c hands every `event.*` section here), checked key by key with the file's
 * line and why, and resolved to cycles once the run's clock is settled (cpo_timeline_resolve).
 *
 * Two kinds of events, each applied where it is deterministic:
 * - model side (the physics: ambient, lasers, fibre, connectors, heaters), scheduled into the
 *   engine model's own schedule (cpo/link_fault.h), applied at the first slow-grid point at or
 *   after the event's cycle;
 * - rtl side (the D2D channel's faults, a peer link reset, an illegal CMIS access, parking and
 *   streaming the media lanes, clearing the traffic counters), register writes the rtl role makes
 * at the event's cycle (timeline_rtl.cpp), on the design's bus between the host's accesses. Both
 * are functions of the cycle alone: the same timeline gives the same event_hash over every
 * transport and quantum. A scenario without events runs exactly as before. */
#ifndef CPO_TIMELINE_H
#define CPO_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CPO_TIMELINE_MAX_EVENTS 64
#define CPO_TIMELINE_ALL (-1) /* lane, laser or wire: every one */

/* The kinds (the `what` words, in timeline.c's table, in this order). */
typedef enum {
  /* model side */
  CPO_TL_AMBIENT_STEP,   /* case temperature to temp_c at `at` */
  CPO_TL_AMBIENT_RAMP,   /* case temperature linearly to temp_c over `over` */
  CPO_TL_LASER_AGEING,   /* laser (or all) ages by `hours` at once */
  CPO_TL_LASER_FAIL,     /* laser (or all) dark: ELS lane failure, whatever its current */
  CPO_TL_FIBRE_LOSS,     /* every lane's path of engine `engine` loses loss_db more */
  CPO_TL_CONNECTOR_DIRT, /* lane (or all) loses loss_db more at the connector */
  CPO_TL_HEATER_FAIL,    /* lane (or all) ring or MZM heater open: no heat, whatever its DAC */
  /* rtl side */
  CPO_TL_D2D_WIRE_STUCK,    /* D2D wire stuck at `value` (direction, wire, module) */
  CPO_TL_D2D_WIRE_SKEW,     /* D2D wire delayed by skew_ui (direction, wire, module) */
  CPO_TL_D2D_ERROR_BURST,   /* bit errors on every data wire for `length` (direction, module) */
  CPO_TL_D2D_SIDEBAND_DEAD, /* the sideband of `direction` dead, then the ASIC asks a retrain */
  CPO_TL_PEER_RESET,        /* the OE die resets its D2D link: both ends train again */
  CPO_TL_CMIS_ILLEGAL,      /* the host misbehaves: CMIS writes out of sequence */
  CPO_TL_LANES_PARK,        /* every media lane parked (OE STREAM_EN 0): no traffic, cheap */
  CPO_TL_LANES_STREAM,      /* every media lane streaming again (OE STREAM_EN all ones) */
  CPO_TL_COUNTERS_CLEAR,    /* the ASIC's PRBS counters zeroed: the run's BER from here */
  CPO_TL_CMIS_MANAGED,      /* OE CMIS_CTRL.BYPASS 0: the lanes follow their CMIS data paths */
  CPO_TL_ELS_DISABLE,       /* the CMIS host disables ELS lane `laser` (or all): page 1Ah 220 */
  CPO_TL_ELS_ENABLE,        /* the CMIS host enables it again (the firmware ramps it from dark) */
  CPO_TL_KINDS
} cpo_tl_kind_t;

typedef struct {
  cpo_tl_kind_t kind;
  char name[40]; /* the section's NAME */
  int line;      /* the line of its first key in the scenario file */
  double at_s;   /* as written, in seconds (or at_cycles) */
  uint64_t at_cycles_given;
  bool at_in_cycles;
  double over_s; /* ramp duration / burst length (or in cycles) */
  uint64_t over_cycles_given;
  bool over_in_cycles;
  int64_t index; /* lane, laser or wire; CPO_TIMELINE_ALL */
  uint32_t engine;
  uint32_t module; /* D2D module */
  bool a2o;        /* D2D direction: ASIC to OE (else OE to ASIC) */
  double temp_c, loss_db, hours, skew_ui;
  uint32_t value;   /* stuck-at value */
  int key_line[16]; /* the line each key was given on (0: not given; timeline.c's key order) */
  /* resolved (cpo_timeline_resolve) */
  uint64_t at_cycle;
  uint64_t over_cycles;
} cpo_tl_event_t;

typedef struct {
  uint32_t n;
  cpo_tl_event_t ev[CPO_TIMELINE_MAX_EVENTS]; /* in time order once resolved */
  char file[512];                             /* for the error messages after reading */
} cpo_timeline_t;

/** The `what` word of @p kind. */
const char *cpo_timeline_kind_name(cpo_tl_kind_t kind);
/** Whether @p kind is applied by the model role (else by the rtl role). */
bool cpo_timeline_kind_model(cpo_tl_kind_t kind);
/** The line key @p key ("laser", ...) of @p e was given on; the event's first line if it was
 * not given. */
int cpo_timeline_key_line(const cpo_tl_event_t *e, const char *key);

/** One key of section [event.NAME] at @p line (scenario.c's reader calls it for every key of
 *  such a section). False with @p why (the key, the value, what a valid one looks like). */
bool cpo_timeline_key(cpo_timeline_t *tl, int line, const char *section, const char *key,
                      const char *value, char *why, size_t why_len);
/** After the whole file: every event has its `at` and `what` and the keys its kind needs.
 *  CPO_OK, or CPO_ERR_PARSE with @p why "FILE:LINE: [event.NAME] ...". */
CPO_MUST_USE cpo_status_t cpo_timeline_finish(cpo_timeline_t *tl, const char *file, char *why,
                                              size_t why_len);
/** Cycles from the run's clock (@p cycle_s seconds a cycle), checked against the run: every event
 *  before @p total_cycles, lanes below @p lanes, lasers below @p lasers, engines below
 *  @p engines, modules below @p modules. Sorts the events by cycle (stable). CPO_OK, or
 *  CPO_ERR_INVALID_ARG with @p why "FILE:LINE: ...". */
CPO_MUST_USE cpo_status_t cpo_timeline_resolve(cpo_timeline_t *tl, double cycle_s,
                                               uint64_t total_cycles, uint32_t lanes,
                                               uint32_t engines, uint32_t modules, char *why,
                                               size_t why_len);
/** Parse a time: a number with a unit (cycles, ns, us, ms, s; "2ms", "150 us", "4000 cycles").
 *  False if it is not one. */
bool cpo_timeline_parse_time(const char *text, double *seconds, uint64_t *cycles, bool *in_cycles);

/** Write @p tl's events to @p f as the scenario file's [event.NAME] sections (the keys each was
 *  given, in the file's order of events): read back, they make the same timeline. */
void cpo_timeline_write_ini(const cpo_timeline_t *tl, FILE *f);

#ifdef __cplusplus
}
#endif

#endif
