/* cpo_context_t is libzmq's context itself, under a type of our own: the handle is never
 * dereferenced outside bridge/src, so no wrapper object is needed. */
#include "cpo/context.h"

#include <zmq.h>

#include "bridge_internal.h"

cpo_context_t *cpo_context_new(void) {
  return (cpo_context_t *)zmq_ctx_new();
}

void cpo_context_destroy(cpo_context_t **ctx) {
  if (!ctx || !*ctx)
    return;
  zmq_ctx_term(*ctx);
  *ctx = NULL;
}
