/* The bridge transport: the only code in cpoemu that touches ZeroMQ.
 *
 * The rtl role owns the clock and is the server: it binds one ROUTER socket and the model
 * and host roles connect to it (DEALER). Every message is validated (protocol.h); a bad one
 * is answered with ERROR and dropped, and the receiver carries on. Peers exchange
 * heartbeats while they wait, and a peer that stays silent for the configured timeout while
 * awaited is reported dead, by role, with the last cycle both sides agreed on.
 * bridge/PROTOCOL.md describes the session; this header is its C face. */
#ifndef CPO_BRIDGE_H
#define CPO_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpo/context.h"
#include "cpo/protocol.h"
#include "cpo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** CURVE settings (tcp only). Paths to files made by `cpoemu keygen`. */
typedef struct {
  const char *key_file;        /* own keypair (public and secret, Z85) */
  const char *server_key_file; /* clients: the server's public key (Z85) */
  const char *authorized_file; /* server: authorised client public keys, one per line */
} cpo_curve_cfg_t;

typedef struct {
  const char *endpoint;   /* inproc://NAME, ipc://PATH or tcp://HOST:PORT */
  cpo_role_t role;        /* this side's role */
  cpo_config_t config;    /* this side's configuration (a host may leave it zeroed) */
  bool adopt_config;      /* host: send config_hash 0 and take the server's */
  uint32_t timeout_ms;    /* how long an awaited peer may stay silent (>= 10) */
  cpo_context_t *context; /* required for inproc (shared with the peers); else may be NULL */
  cpo_curve_cfg_t curve;  /* all NULL: no CURVE (refused for non-loopback tcp) */
  unsigned refused_roles; /* server: bits (1 << role) whose HELLO is refused with UNEXPECTED: the
                             host of a run started without one (unless it allows an attach),
                             the model of a direct run */
} cpo_bridge_cfg_t;

/** A peer joining (HELLO accepted) or leaving (its BYE) the session, on the rtl's record. */
typedef struct {
  cpo_role_t role;
  bool attach;    /* true: attached; false: detached */
  uint64_t cycle; /* the rtl's cycle at that moment */
} cpo_peer_event_t;
#define CPO_PEER_EVENTS_MAX 32

/* ---- client side (model, host) ---------------------------------------------------- */

typedef struct cpo_client cpo_client_t;

/** Connect to the rtl at cfg->endpoint, send HELLO and wait (bounded by timeout_ms) for
 * HELLO_ACK. On success *out is connected and cpo_client_config() is the agreed config.
 * On failure nothing is left open and @p why names the cause (refused config field,
 * authentication refused, no answer from the endpoint). */
CPO_MUST_USE cpo_status_t cpo_client_connect(const cpo_bridge_cfg_t *cfg, cpo_client_t **out,
                                             char *why, size_t why_len);

/** The configuration agreed in the HELLO exchange. */
const cpo_config_t *cpo_client_config(const cpo_client_t *c);

/** Send @p msg (its seq is assigned here). On failure nothing was sent. */
CPO_MUST_USE cpo_status_t cpo_client_send(cpo_client_t *c, cpo_msg_t *msg);

/** Wait for the next meaningful message from the rtl (HEARTBEATs are consumed here, and
 * sent while waiting). Invalid messages are answered with ERROR and skipped. Returns:
 * CPO_OK with *msg valid until the next call; CPO_ERR_PEER_GONE on BYE (why = its text);
 * CPO_ERR_PROTOCOL if the rtl sent ERROR (why = its text); CPO_ERR_TIMEOUT if the rtl was
 * silent for timeout_ms. */
CPO_MUST_USE cpo_status_t cpo_client_recv(cpo_client_t *c, cpo_msg_t *msg, char *why,
                                          size_t why_len);

/** As cpo_client_recv, without waiting: CPO_ERR_TIMEOUT with an empty @p why when no
 * meaningful message is queued. */
CPO_MUST_USE cpo_status_t cpo_client_poll(cpo_client_t *c, cpo_msg_t *msg, char *why,
                                          size_t why_len);

/** Send a HEARTBEAT if one is due; call it while busy between sends. */
void cpo_client_tick(cpo_client_t *c);

/** Refuse @p msg, the message the last cpo_client_recv returned, at the session layer: answer
 * ERROR @p code with @p text and undo what accepting it changed (the rtl's last cycle and its
 * liveness), so a refused message moves nothing; its seq stays used up (PROTOCOL.md 6). */
void cpo_client_reject(cpo_client_t *c, const cpo_msg_t *msg, uint16_t code, const char *text);

/** Send BYE (best effort), close and free: a detach, or the answer to the rtl's final BYE
 * (PROTOCOL.md 10). Not sent if the rtl went silent. Sets *c = NULL; safe on NULL. */
void cpo_client_close(cpo_client_t **c, int16_t status, const char *text);

/** Last cycle stamp received from the rtl (the last cycle both sides agreed on). */
uint64_t cpo_client_last_cycle(const cpo_client_t *c);
/** Latest cycle stamp sent (what HEARTBEAT, ERROR and BYE carry: stamps never decrease). */
uint64_t cpo_client_sent_cycle(const cpo_client_t *c);

/* ---- server side (rtl) ------------------------------------------------------------ */

typedef struct cpo_server cpo_server_t;

/** Bind at cfg->endpoint (loopback unless CURVE is configured). For tcp with port `*` the
 * chosen endpoint is cpo_server_endpoint(). */
CPO_MUST_USE cpo_status_t cpo_server_bind(const cpo_bridge_cfg_t *cfg, cpo_server_t **out,
                                          char *why, size_t why_len);

/** The endpoint actually bound (resolves tcp port `*`). */
const char *cpo_server_endpoint(const cpo_server_t *s);

bool cpo_server_attached(const cpo_server_t *s, cpo_role_t role);

/** A message from a peer, as returned by cpo_server_recv. */
typedef struct {
  cpo_role_t from;
  cpo_msg_t msg; /* valid until the next cpo_server_recv */
} cpo_server_event_t;

/** Return the next meaningful message from any peer (HELLO is answered here and returned as
 * an event; HEARTBEATs are consumed; invalid messages are answered with ERROR and skipped).
 * @p wait_ms: 0 returns at once, N > 0 waits at most N ms, CPO_WAIT_FOREVER until a message
 * arrives. When nothing arrived in time the result is CPO_ERR_TIMEOUT with an empty @p why.
 * @p awaited is a bit mask (1 << role) of peers whose silence is an error: if an awaited
 * peer sends nothing for timeout_ms (or never attaches), the result is CPO_ERR_TIMEOUT with
 * @p why naming it and the last cycle agreed with it. A BYE is returned as an event (the peer
 * is then detached). */
#define CPO_WAIT_FOREVER (-1)
CPO_MUST_USE cpo_status_t cpo_server_recv(cpo_server_t *s, unsigned awaited, int32_t wait_ms,
                                          cpo_server_event_t *ev, char *why, size_t why_len);

/** Send @p msg to the peer with @p role (seq assigned here). TX_QUANTUM messages to the model
 * may be held back and handed to ZeroMQ together with the next ones, to wake the model once
 * per batch: at most (L/Q)/2 - 1 of them (none if L/Q < 4), and never past the next send of
 * another type, a cpo_server_recv that may wait (wait_ms != 0) or cpo_server_close. An error
 * sending a held message is returned by the call that hands it over. */
CPO_MUST_USE cpo_status_t cpo_server_send(cpo_server_t *s, cpo_role_t role, cpo_msg_t *msg);

/** Cycle stamp of the last valid message from @p role: the last cycle agreed with it. */
uint64_t cpo_server_last_cycle(const cpo_server_t *s, cpo_role_t role);
/** How many messages from @p role were refused so far (by the codec's checks or by
 *  cpo_server_report/reject); @p last, if not NULL, gets why the last one was. */
uint64_t cpo_server_refused(const cpo_server_t *s, cpo_role_t role, char *last, size_t len);
/** The session's bridge timeout (a peer silent this long is dead). */
uint32_t cpo_server_timeout_ms(const cpo_server_t *s);

/** Refuse @p msg, the message the last cpo_server_recv returned from @p role, at the session
 * layer (a stamp or a field its state does not allow): answer ERROR @p code with @p text, log
 * it, and undo what accepting it changed (the peer's last cycle and liveness), so a refused
 * message moves nothing; its seq stays used up (PROTOCOL.md 6). */
void cpo_server_reject(cpo_server_t *s, cpo_role_t role, const cpo_msg_t *msg, uint16_t code,
                       const char *text);

/** Answer ERROR about part of an accepted message (one entry the design has no converter for:
 * the others apply), and log it. */
void cpo_server_report(cpo_server_t *s, cpo_role_t role, uint32_t ref_seq, uint16_t code,
                       const char *text);

/** Log @p text about @p role through the rtl's log (once per connection, rate-limited). */
void cpo_server_log_peer(cpo_server_t *s, cpo_role_t role, const char *text);

/** Copy the session's attaches and detaches so far (oldest first, at most @p max) to @p out;
 * returns how many there were in all (more than @p max: the later ones were not kept). */
uint32_t cpo_server_peer_events(const cpo_server_t *s, cpo_peer_event_t *out, uint32_t max);

/** Send HEARTBEATs to attached peers that are due one; call between long computations.
 * @p cycle is the rtl's current cycle: the next cycle it simulates, the one a host attaching
 * now starts at (HELLO_ACK) and ERRORs are stamped with. */
void cpo_server_tick(cpo_server_t *s, uint64_t cycle);

/** Send BYE to every attached peer; after a clean end (@p status 0) keep the session open until
 * each has answered BYE or been silent for timeout_ms (at most 4 x timeout_ms in all), so a
 * slow peer still receives everything and the BYE (PROTOCOL.md 10). Then unbind (removing an
 * ipc socket file) and free. */
void cpo_server_close(cpo_server_t **s, uint64_t cycle, int16_t status, const char *text);

/** The first half of cpo_server_close: send the final BYE and wait for the answers as it does,
 * without unbinding, so the caller can read the complete record (cpo_server_peer_events, with
 * the final detaches). cpo_server_close afterwards only unbinds and frees (its cycle, status
 * and text are then ignored). Safe to call twice. */
void cpo_server_end(cpo_server_t *s, uint64_t cycle, int16_t status, const char *text);

/** After cpo_server_end: the lanes of the model's MODEL_REPORT (0: none came), its values copied
 * to @p values (lanes * CPO_PROTO_REPORT_FIELDS doubles, lane-major: cpo_report_field_t) unless
 * @p values is NULL. */
uint16_t cpo_server_model_report(const cpo_server_t *s, double *values);

/* ---- helpers ---------------------------------------------------------------------- */

/** True if @p endpoint is inproc, ipc, or tcp on a loopback address (127.0.0.0/8, ::1,
 * localhost). */
bool cpo_endpoint_is_local(const char *endpoint);

/** Write a new CURVE keypair: @p path gets "public\nsecret\n" (Z85, mode 0600), @p path.pub the
 * public key. Refused (CPO_ERR_IO, nothing written) if either file exists. */
CPO_MUST_USE cpo_status_t cpo_curve_keygen(const char *path, char *why, size_t why_len);

#ifdef __cplusplus
}
#endif

#endif /* CPO_BRIDGE_H */
