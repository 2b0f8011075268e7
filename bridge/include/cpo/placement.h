/* CPU placement: the rtl's simulation thread on a CPU of its own, everything else (model,
 * host, ZeroMQ's I/O threads) on the other CPUs the process may use.
 *
 * Why: the simulation thread is the critical path of a co-simulation; the model and the
 * I/O threads wake up once per quantum. Left to the scheduler on a small machine, they land
 * on the simulation thread's CPU now and then and stall it (and an inproc round trip turns
 * bimodal). Placement only decides where threads run, never what they compute: results are
 * identical with it on or off (tests/determinism runs both). It is an optimisation, never a
 * correctness dependency: if a pin is refused, the run goes on unpinned with a warning. */
#ifndef CPO_PLACEMENT_H
#define CPO_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "cpo/context.h"
#include "cpo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CPO_PLACEMENT_MAX_CPUS 1024

typedef struct {
  bool active;  /* false: the OS places every thread */
  int sim_cpu;  /* the simulation thread's CPU */
  int claim_fd; /* "auto": held while this process runs, so no other run takes sim_cpu; or -1 */
  int n_others; /* the CPUs for all other threads */
  int others[CPO_PLACEMENT_MAX_CPUS];
} cpo_placement_t;

/** Plan from @p spec: "auto" (split when the process may use at least 2 CPUs: the simulation
 * thread gets the lowest of them that no other cpoemu run's simulation holds, the rest go to the
 * others; off when every one is held), "off", or a CPU number for the simulation thread (the
 * others get the remaining allowed CPUs). NULL means "auto". Returns CPO_ERR_INVALID_ARG with
 * @p why set if @p spec is malformed or names a CPU the process may not use; "auto" never fails
 * (it degrades to off).
 *
 * How runs know each other's CPUs: "auto" claims its CPU by binding the abstract Unix socket
 * "cpoemu-cpu-N" (Linux), which only one process can hold and which the kernel releases when the
 * process ends, however it ends (no file is left behind). A claim is not inherited across exec. */
CPO_MUST_USE cpo_status_t cpo_placement_plan(const char *spec, cpo_placement_t *out, char *why,
                                             size_t why_len);

/** Pin the calling thread to the simulation CPU (no-op when inactive). */
cpo_status_t cpo_placement_pin_sim(const cpo_placement_t *p);

/** Pin the calling thread to the other CPUs (no-op when inactive). Threads it creates later
 * inherit this. */
cpo_status_t cpo_placement_pin_others(const cpo_placement_t *p);

/** Put the I/O and reaper threads of @p context on the other CPUs. Call it before the
 * context's first socket is created (that is when they start). */
cpo_status_t cpo_placement_apply_context(const cpo_placement_t *p, cpo_context_t *context);

/** Give up the CPU claim of an "auto" plan (the plan stays as it is); safe twice. */
void cpo_placement_release(cpo_placement_t *p);

/** Human-readable summary, e.g. "simulation on CPU 0, others on CPUs 1-3" or "off". */
void cpo_placement_describe(const cpo_placement_t *p, char *out, size_t len);

#ifdef __cplusplus
}
#endif

#endif
