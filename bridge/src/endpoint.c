/* Which endpoints are reachable only from this machine (so CURVE may be left off).
 *
 * A tcp endpoint counts as local only if it is exactly tcp://ADDRESS:PORT with ADDRESS a
 * well-formed loopback address. Everything else ZeroMQ accepts there is refused: a source part
 * (`tcp://127.0.0.1:0;192.0.2.1:5555` connects to 192.0.2.1 from a loopback source), an
 * interface name (`eth0`, even `lo`: names are resolved by the host's configuration), `*`,
 * host names other than localhost, unbracketed or scoped IPv6. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpo/bridge.h"

#define MAX_HOST_CHARS 64 /* longer than any loopback spelling we accept */

/* PORT: decimal 0..65535 (no sign, no leading garbage) or `*` (bind: any free port). */
static bool s_port_ok(const char *port) {
  if (strcmp(port, "*") == 0)
    return true;
  size_t n = strlen(port);
  if (n == 0 || n > 5 || strspn(port, "0123456789") != n)
    return false;
  return strtoul(port, NULL, 10) <= 65535u;
}

/* HOST: 127.0.0.0/8 as a dotted quad (inet_pton refuses octal, hex and short forms),
 * localhost, or [IPv6 loopback]. */
static bool s_host_is_loopback(const char *host) {
  if (strcasecmp(host, "localhost") == 0)
    return true;
  size_t n = strlen(host);
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
    char inner[MAX_HOST_CHARS];
    memcpy(inner, host + 1, n - 2);
    inner[n - 2] = '\0';
    struct in6_addr a6;
    return inet_pton(AF_INET6, inner, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
  }
  struct in_addr a4;
  return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127u;
}

bool cpo_endpoint_is_local(const char *endpoint) {
  if (!endpoint)
    return false;
  if (strncmp(endpoint, "inproc://", 9) == 0)
    return endpoint[9] != '\0';
  if (strncmp(endpoint, "ipc://", 6) == 0)
    return endpoint[6] != '\0'; /* a file: its directory's permissions decide who connects */
  if (strncmp(endpoint, "tcp://", 6) != 0)
    return false;
  const char *rest = endpoint + 6;
  if (strchr(rest, ';'))
    return false; /* source;destination: the destination may be anywhere */
  const char *colon = strrchr(rest, ':');
  if (!colon || colon == rest || (size_t)(colon - rest) >= MAX_HOST_CHARS)
    return false;
  char host[MAX_HOST_CHARS];
  memcpy(host, rest, (size_t)(colon - rest));
  host[colon - rest] = '\0';
  return s_port_ok(colon + 1) && s_host_is_loopback(host);
}
