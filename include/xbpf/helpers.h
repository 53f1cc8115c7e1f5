/* xbpf/helpers.h - public API around xbpf's built-in, kernel-compatible helpers.
 *
 * Built-in helpers carry the kernel's ids, names and semantics (bpf_ktime_get_ns = 5,
 * bpf_trace_printk = 6, ...) and are registered in every VM unless
 * xbpf_vm_opts.no_builtin_helpers is set. Embedders add their own with
 * xbpf_vm__register_helper() (vm.h).
 */
#ifndef XBPF_HELPERS_PUBLIC_H
#define XBPF_HELPERS_PUBLIC_H

#include <stddef.h>
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where bpf_trace_printk / bpf_trace_vprintk messages go: called once per message with
 * the formatted text (not NUL-terminated, no newline added). */
typedef void (*xbpf_trace_fn)(void *cookie, const char *msg, size_t len);

/* Send this VM's trace_printk output to fn (NULL: back to the default, stderr, one line
 * per message). Not synchronised with running programs: set it before running. */
XBPF_API void xbpf_vm__set_trace_sink(struct xbpf_vm *vm, xbpf_trace_fn fn, void *cookie);

/* Built-in helper table, for listing: the number of built-ins and the i-th one's id,
 * name ("bpf_" prefix included) and prototype. Returns 0, or -ENOENT past the end. */
XBPF_API unsigned xbpf_builtin_helper_cnt(void);
XBPF_API int xbpf_builtin_helper(unsigned i, unsigned *id, const char **name,
				 const struct xbpf_helper_proto **proto);

#ifdef __cplusplus
}
#endif
#endif /* XBPF_HELPERS_PUBLIC_H */
