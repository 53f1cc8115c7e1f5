/* xbpf/xbpf.h - umbrella header of the xbpf library: include this one. */
#ifndef XBPF_XBPF_H
#define XBPF_XBPF_H
#include "insn.h"
#include "progtype.h"
#include "vm.h"
#include "map.h"
#include "object.h"
#include "helpers.h"
#include "testrun.h"
#include "verifier.h"
#include "runner.h"
#endif
