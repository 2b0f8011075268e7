/* The schedule of DAC writes and ambient changes; see event_queue.h. */
#include "event_queue.h"

#include <stdlib.h>
#include <string.h>

cpo_status_t cpo_event_queue_push(cpo_event_queue_t *q, const cpo_event_t *ev) {
  if (q->n == q->cap) {
    const size_t cap = q->cap ? 2 * q->cap : 64;
    cpo_event_t *grown = realloc(q->events, cap * sizeof *grown);
    if (!grown)
      return CPO_ERR_NO_MEMORY;
    q->events = grown;
    q->cap = cap;
  }
  /* stable: after every event at the same or an earlier cycle */
  size_t at = q->n;
  while (at > 0 && q->events[at - 1].cycle > ev->cycle)
    at--;
  memmove(q->events + at + 1, q->events + at, (q->n - at) * sizeof *q->events);
  q->events[at] = *ev;
  q->n++;
  return CPO_OK;
}

size_t cpo_event_queue_due(const cpo_event_queue_t *q, uint64_t cycle) {
  size_t k = 0;
  while (k < q->n && q->events[k].cycle <= cycle)
    k++;
  return k;
}

void cpo_event_queue_drop(cpo_event_queue_t *q, size_t n) {
  if (n == 0)
    return;
  memmove(q->events, q->events + n, (q->n - n) * sizeof *q->events);
  q->n -= n;
}

void cpo_event_queue_free(cpo_event_queue_t *q) {
  free(q->events);
  q->events = NULL;
  q->n = q->cap = 0;
}
