/* Writes the reference of the engine profile keys (model/profiles/README.md) to stdout, from the
 * one table of them (model/src/profile_keys.def); the test profiles_reference compares. */
#include <stdio.h>

#include "cpo/profile.h"

int main(void) {
  cpo_profile_write_reference(stdout);
  return fflush(stdout) == 0 ? 0 : 1;
}
