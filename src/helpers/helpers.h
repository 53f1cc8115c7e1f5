/* helpers.h - xbpf's built-in helpers (kernel ids, names and semantics), shared by the
 * files of src/helpers/: builtins.c (the registry: id -> name, function, prototype),
 * hlp_time.c, hlp_misc.c, hlp_fmt.c, hlp_probe.c, hlp_pkt.c (implementations by theme) and
 * hlp_maps.c (map helpers, written by the maps module).
 *
 * Every helper has the xbpf_helper_fn signature. Pointer arguments are checked against the
 * run's memory regions unless the program was loaded with XBPF_PROG_F_NO_CHECKS (then the
 * verifier vouched for them); a bad pointer ends the run with -EFAULT and a message naming
 * the helper and the argument, as a bad load or store would.
 *
 * Module prefix: hlp_ (hidden).
 */
#ifndef XBPF_HELPERS_H
#define XBPF_HELPERS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xbpf/vm.h"

#define HLP_HIDDEN __attribute__((visibility("hidden")))

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "not supported" */
#endif

/* Declare helper hlp_NAME with the helper signature. */
#define HLP_FN(name)                                                                        \
	HLP_HIDDEN uint64_t hlp_##name(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,  \
				       uint64_t r5, struct xbpf_run_ctx *rc)

/* A negative errno as a helper result (r0 holds the long). */
#define HLP_ERR(e) ((uint64_t)(int64_t)-(e))

/* Register every built-in helper (called by xbpf_vm__new unless no_builtin_helpers). */
HLP_HIDDEN void hlp_register_builtins(struct xbpf_vm *vm);
/* The maps module's helpers (src/helpers/hlp_maps.c). */
HLP_HIDDEN void hlp_register_map_helpers(struct xbpf_vm *vm);

/* True when the program may access [addr, addr+size): size 0, a program loaded without
 * runtime checks, or inside one of the run's regions. Otherwise records the runtime error
 * "helper NAME: argN: ..." (the run then fails with -EFAULT) and returns false. */
HLP_HIDDEN bool hlp_mem_ok(struct xbpf_run_ctx *rc, const char *helper, int argno,
			   uint64_t addr, uint64_t size, bool write);
/* Record the runtime error "helper NAME: <message>" and return -err as a helper result. */
HLP_HIDDEN uint64_t hlp_fail(struct xbpf_run_ctx *rc, int err, const char *helper,
			     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- safe reads (hlp_probe.c) ------------------------------------------------------- */
/* Copy size bytes from an arbitrary address without faulting: 0 or -EFAULT. */
HLP_HIDDEN int hlp_read_safe(struct xbpf_run_ctx *rc, void *dst, uint64_t src, size_t size);
/* Tests: read through the pipe fallback even where process_vm_readv works. */
HLP_HIDDEN void hlp_probe_use_pipe(bool on);
/* Copy a NUL-terminated string of at most size bytes (the copy is always terminated):
 * the length including the NUL, or -EFAULT. size must be > 0. */
HLP_HIDDEN long hlp_read_str_safe(struct xbpf_run_ctx *rc, char *dst, uint64_t src,
				  size_t size);

/* x86-64's csum_partial(): the 32-bit one's-complement partial sum of buf (hlp_misc.c). */
HLP_HIDDEN uint32_t hlp_csum_partial(const void *buf, size_t len, uint32_t seed);

/* ---- formatting (hlp_fmt.c): the kernel's bpf_bprintf_prepare + bstr_printf ---------- */
#define HLP_MAX_PRINTF_ARGS 12   /* MAX_BPRINTF_VARARGS */
#define HLP_PRINTF_BUF 1024      /* MAX_BPRINTF_BUF: trace_printk's output buffer */
/* Check `fmt` (fmt_size bytes, NUL inside) as the kernel does with nargs arguments
 * available, then format into out (out_size may be 0). Returns the length the full output
 * has (without the NUL), or -EINVAL for a format the kernel rejects. */
HLP_HIDDEN long hlp_format(struct xbpf_run_ctx *rc, const char *fmt, uint32_t fmt_size,
			   const uint64_t *args, unsigned nargs, char *out, size_t out_size);
/* Send one trace_printk message to the VM's sink (default: stderr). */
HLP_HIDDEN void hlp_trace_emit(struct xbpf_run_ctx *rc, const char *msg, size_t len);

/* ---- the helpers, by id --------------------------------------------------------------- */
/* hlp_time.c */
HLP_FN(ktime_get_ns);          /* 5 */
HLP_FN(jiffies64);             /* 118 */
HLP_FN(ktime_get_boot_ns);     /* 125 */
HLP_FN(ktime_get_coarse_ns);   /* 160 */
/* hlp_misc.c */
HLP_FN(get_prandom_u32);       /* 7 */
HLP_FN(get_smp_processor_id);  /* 8 */
HLP_FN(get_current_pid_tgid);  /* 14 */
HLP_FN(get_current_uid_gid);   /* 15 */
HLP_FN(get_current_comm);      /* 16 */
HLP_FN(csum_diff);             /* 28 */
HLP_FN(get_numa_node_id);      /* 42 */
HLP_FN(strtol);                /* 105 */
HLP_FN(strtoul);               /* 106 */
HLP_FN(get_func_ip);           /* 173 */
HLP_FN(loop);                  /* 181 */
HLP_FN(strncmp);               /* 182 */
/* hlp_fmt.c */
HLP_FN(trace_printk);          /* 6 */
HLP_FN(snprintf);              /* 165 */
HLP_FN(trace_vprintk);         /* 177 */
/* hlp_probe.c */
HLP_FN(probe_read);            /* 4 */
HLP_FN(probe_read_str);        /* 45 */
HLP_FN(probe_read_user);       /* 112 */
HLP_FN(probe_read_kernel);     /* 113 */
HLP_FN(probe_read_user_str);   /* 114 */
HLP_FN(probe_read_kernel_str); /* 115 */
/* hlp_pkt.c */
HLP_FN(skb_store_bytes);       /* 9 */
HLP_FN(l3_csum_replace);       /* 10 */
HLP_FN(l4_csum_replace);       /* 11 */
HLP_FN(skb_get_tunnel_key);    /* 20 */
HLP_FN(redirect);              /* 23 */
HLP_FN(skb_load_bytes);        /* 26 */
HLP_FN(get_hash_recalc);       /* 34 */
HLP_FN(skb_change_tail);       /* 38 */
HLP_FN(skb_pull_data);         /* 39 */
HLP_FN(csum_update);           /* 40 */
HLP_FN(set_hash_invalid);      /* 41 */
HLP_FN(skb_change_head);       /* 43 */
HLP_FN(xdp_adjust_head);       /* 44 */
HLP_FN(xdp_adjust_meta);       /* 54 */
HLP_FN(xdp_adjust_tail);       /* 65 */
HLP_FN(skb_load_bytes_relative); /* 68 */
HLP_FN(redirect_neigh);        /* 152 */
HLP_FN(redirect_peer);         /* 155 */
HLP_FN(xdp_get_buff_len);      /* 188 */
HLP_FN(xdp_load_bytes);        /* 189 */
HLP_FN(xdp_store_bytes);       /* 190 */

#endif /* XBPF_HELPERS_H */
