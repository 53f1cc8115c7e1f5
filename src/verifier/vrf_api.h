/* vrf_api.h - the verifier's entry points for the rest of the library (the loader).
 * Module prefix: vrf_ (hidden).
 */
#ifndef XBPF_VRF_API_H
#define XBPF_VRF_API_H
#include <stdbool.h>
#include <stddef.h>
#include "xbpf/verifier.h"

struct xbpf_prog;
struct xbpf_program;

/* Verify a loaded program: its instructions, type, VM (helper prototypes) and maps; when
 * prog->loader_priv is the object program (struct xbpf_program *), map descriptions and
 * source lines come from the object. Returns 0 or -errno (-EACCES rejected, -E2BIG too
 * complex, ...) with "insn N: message (hint)" in log. */
__attribute__((visibility("hidden")))
int vrf_verify(struct xbpf_prog *prog, char *log, size_t log_size);

/* Verify `cnt` instructions (e.g. after CO-RE) as program `prog` of an object. rodata:
 * take .rodata contents as constants (only when they cannot change afterwards). */
__attribute__((visibility("hidden")))
int vrf_verify_program(const struct xbpf_program *prog, const struct xbpf_insn *insns,
		       size_t cnt, const struct xbpf_verify_opts *opts,
		       struct xbpf_verify_result *res, bool rodata);
#endif
