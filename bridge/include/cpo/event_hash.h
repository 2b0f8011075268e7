/* The run's fingerprint: a 64-bit hash of the ordered stream of every RX word of a streaming
 * cycle, register access, DAC write, ADC sample and log event with its cycle, and of where
 * the design parks and streams again (the RX words of parked cycles carry nothing and are not
 * in it). Two runs with the same scenario and seed must give the same value whatever the
 * transport, quantum or harness. */
#ifndef CPO_EVENT_HASH_H
#define CPO_EVENT_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint64_t h;
} cpo_event_hash_t;

typedef enum {
  CPO_EVENT_REG_READ = 1,
  CPO_EVENT_REG_WRITE = 2,
  CPO_EVENT_LOG = 3,
  CPO_EVENT_DAC_WRITE = 4,  /* a = channel << 16 | index, b = code */
  CPO_EVENT_ADC_SAMPLE = 5, /* likewise, at the cycle the RTL first sees the code */
  CPO_EVENT_DAC_PRESET = 6, /* the engine's power-on codes, before cycle 0 */
  CPO_EVENT_PARKED = 7,     /* a = 1: no lane streams from this cycle on, 0: lanes stream again */
  /* a = the lanes parked from this cycle on while others stream (recorded from the first mask
   * other than none or all on, so a run that never parks only some lanes hashes as before) */
  CPO_EVENT_LANES_PARKED = 8,
} cpo_event_kind_t;

void cpo_event_hash_init(cpo_event_hash_t *eh);
/** RX words in cycle order (their cycle is their position in the stream, parked cycles left
 * out: CPO_EVENT_PARKED marks where). */
void cpo_event_hash_words(cpo_event_hash_t *eh, const uint64_t *words, size_t n);
/** A discrete event stamped with its cycle. */
void cpo_event_hash_event(cpo_event_hash_t *eh, uint64_t cycle, cpo_event_kind_t kind, uint64_t a,
                          uint64_t b);

#ifdef __cplusplus
}
#endif

#endif
