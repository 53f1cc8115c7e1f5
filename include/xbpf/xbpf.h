/* xbpf/xbpf.h - umbrella header of the xbpf library: include this one. */
#ifndef XBPF_XBPF_H
#define XBPF_XBPF_H
#include "insn.h"
#include "vm.h"
#endif
