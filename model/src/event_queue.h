/* The link's schedule of DAC writes and ambient changes, in effective-cycle order; writes for
 * the same cycle keep their call order. Private to the model library. */
#ifndef CPO_MODEL_EVENT_QUEUE_H
#define CPO_MODEL_EVENT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "cpo/status.h"

typedef enum {
  CPO_EVENT_DAC,
  CPO_EVENT_AMBIENT,
  CPO_EVENT_ELS_AMBIENT,
  CPO_EVENT_FAULT /* cpo/link_fault.h: channel = the fault's kind, temp_k = its value */
} cpo_event_kind_t;

typedef struct {
  uint64_t cycle; /* effective from this cycle */
  cpo_event_kind_t kind;
  uint32_t channel; /* DAC channel */
  uint32_t index;   /* DAC: lane or laser; ambients: engine */
  uint32_t value;   /* DAC code */
  double temp_k;    /* ambients */
} cpo_event_t;

/* Zero-initialised is empty. */
typedef struct {
  cpo_event_t *events;
  size_t n, cap;
} cpo_event_queue_t;

/** Insert @p ev after every event at the same or an earlier cycle.
 *  @return CPO_OK or CPO_ERR_NO_MEMORY (the queue unchanged) */
CPO_MUST_USE cpo_status_t cpo_event_queue_push(cpo_event_queue_t *q, const cpo_event_t *ev);
/** How many events at the front are due at cycle @p cycle (effective at or before it). */
size_t cpo_event_queue_due(const cpo_event_queue_t *q, uint64_t cycle);
/** Remove the first @p n events. */
void cpo_event_queue_drop(cpo_event_queue_t *q, size_t n);
void cpo_event_queue_free(cpo_event_queue_t *q);

#endif /* CPO_MODEL_EVENT_QUEUE_H */
