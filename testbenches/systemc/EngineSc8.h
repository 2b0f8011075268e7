/* The 8/8 engine under the SystemC harness: the Top that engine_design.cpp is compiled for
 * (CPO_ENGINE_TOP=EngineSc8, testbenches/systemc/CMakeLists.txt). */
#ifndef CPO_SYSTEMC_ENGINESC8_H
#define CPO_SYSTEMC_ENGINESC8_H

#include "Vcpo_engine8sc.h"
#include "engine_sc.h"

using EngineSc8 = cpo::systemc::EnginePins<Vcpo_engine8sc, 8, 8>;

#endif
