#include <string.h>
#include <strings.h>

#include "cpo/bridge.h"

bool cpo_endpoint_is_local(const char *endpoint) {
  if (!endpoint)
    return false;
  if (strncmp(endpoint, "inproc://", 9) == 0 || strncmp(endpoint, "ipc://", 6) == 0)
    return true;
  if (strncmp(endpoint, "tcp://", 6) != 0)
    return false;
  const char *host = endpoint + 6;
  if (strncmp(host, "127.", 4) == 0)
    return true;
  if (strncasecmp(host, "localhost:", 10) == 0)
    return true;
  if (strncmp(host, "[::1]:", 6) == 0)
    return true;
  return false; /* "*", 0.0.0.0, interface names and other addresses are reachable from outside */
}
