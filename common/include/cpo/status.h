/* One error contract for all of cpoemu: every fallible call returns cpo_status_t.
 * 0 is success; each failure is a negative code with a fixed string. The list is
 * written once (X-macro) so codes and strings cannot drift apart.
 * It lives in common/, the one room every other room may depend on. */
#ifndef CPO_STATUS_H
#define CPO_STATUS_H

#define CPO_STATUS_LIST(X)                                                                         \
  X(CPO_OK, 0, "success")                                                                          \
  X(CPO_ERR_INVALID_ARG, -1, "invalid argument")                                                   \
  X(CPO_ERR_NO_MEMORY, -2, "out of memory")                                                        \
  X(CPO_ERR_IO, -3, "input/output error")                                                          \
  X(CPO_ERR_PARSE, -4, "malformed input")                                                          \
  X(CPO_ERR_PROTOCOL, -5, "protocol violation")                                                    \
  X(CPO_ERR_VERSION, -6, "protocol version mismatch")                                              \
  X(CPO_ERR_CONFIG_MISMATCH, -7, "configuration mismatch between peers")                           \
  X(CPO_ERR_TIMEOUT, -8, "peer timed out")                                                         \
  X(CPO_ERR_PEER_GONE, -9, "peer ended the session")                                               \
  X(CPO_ERR_BUS, -10, "bus error on register access")                                              \
  X(CPO_ERR_AUTH, -11, "authentication refused")                                                   \
  X(CPO_ERR_SIM_ENDED, -12, "simulation ended")                                                    \
  X(CPO_ERR_RANGE, -13, "value out of range")                                                      \
  X(CPO_ERR_STATE, -14, "operation not valid in the current state")                                \
  X(CPO_ERR_TRANSPORT, -15, "transport error")                                                     \
  X(CPO_ERR_INTERRUPTED, -16, "interrupted")

typedef enum {
#define CPO_STATUS_ENUM(name, value, text) name = value,
  CPO_STATUS_LIST(CPO_STATUS_ENUM)
#undef CPO_STATUS_ENUM
} cpo_status_t;

/** @return the fixed description of @p status ("unknown status" if not in the list). */
static inline const char *cpo_status_str(int status) {
  switch (status) {
#define CPO_STATUS_CASE(name, value, text)                                                         \
  case value:                                                                                      \
    return text;
    CPO_STATUS_LIST(CPO_STATUS_CASE)
#undef CPO_STATUS_CASE
  default:
    return "unknown status";
  }
}

/** Propagate a failure: evaluate @p expr and return its status if it failed. */
#define CPO_TRY(expr)                                                                              \
  do {                                                                                             \
    int cpo_try_rc_ = (expr);                                                                      \
    if (cpo_try_rc_ < 0)                                                                           \
      return (cpo_status_t)cpo_try_rc_;                                                            \
  } while (0)

#if defined(__GNUC__)
#define CPO_MUST_USE __attribute__((warn_unused_result))
#else
#define CPO_MUST_USE
#endif

#endif /* CPO_STATUS_H */
