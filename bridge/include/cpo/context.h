/* The transport's shared state for one process: ZeroMQ's I/O threads behind an opaque handle,
 * so the roles and the program never see ZeroMQ (ARCHITECTURE.md section 9: ZeroMQ only in
 * bridge/). Peers that talk over inproc:// must share one context; ipc and tcp peers may pass
 * NULL and get one of their own. */
#ifndef CPO_CONTEXT_H
#define CPO_CONTEXT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cpo_context cpo_context_t;

/** A new context (no threads run until its first socket), or NULL when out of resources. */
cpo_context_t *cpo_context_new(void);

/** Wait until every socket of the context has closed (each lingers a bounded time), then free
 * it. Close every client and server that uses it first. Sets *ctx = NULL; safe on NULL. */
void cpo_context_destroy(cpo_context_t **ctx);

#ifdef __cplusplus
}
#endif

#endif /* CPO_CONTEXT_H */
