/* The program's arguments, kept once for every simulation the program builds. */
#ifndef CPO_HARNESS_ARGS_H
#define CPO_HARNESS_ARGS_H

namespace cpo::harness {

/** Keep the program's arguments; every Sim made afterwards passes them to its context
 *  (commandArgs, before the model is built): +verilator+... options, +trace. */
void setArgs(int argc, char **argv);
/** @return true if @p arg is one of the arguments setArgs() kept (e.g. "+trace"). */
bool hasArg(const char *arg);
/** The kept arguments, for VerilatedContext::commandArgs (argc 0 if none). */
int argCount();
char **argValues();

} // namespace cpo::harness

#endif
