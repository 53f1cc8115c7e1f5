/* test_loader_mutate.c - broken ELF inputs, deterministically: real objects truncated at
 * many offsets, with random bytes flipped (a fixed-seed generator), and with targeted
 * corruptions (section header fields, section name/string table indexes, symbol indexes
 * and offsets of relocations, the BTF and BTF.ext headers). Every input must open or fail
 * with errno and a message; none may crash (the ASan build runs this too).
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "xbpf/object.h"
#include "t.h"

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = n > 0 ? malloc(n) : NULL;
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int opened, refused;

/* Open one input: success, or a failure with errno and a message. */
static void try_open(const uint8_t *buf, size_t len)
{
	errno = 0;
	struct xbpf_object *obj = xbpf_object__open_mem(buf, len, NULL);
	if (!obj) {
		refused++;
		T_CHECK(errno != 0);
		T_CHECK(xbpf_object__last_error()[0] != 0);
		return;
	}
	opened++;
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));) {
		struct xbpf_line_info li;
		size_t n = xbpf_program__insn_cnt(p);
		if (n)
			xbpf_program__line_info(p, n - 1, &li);
		T_CHECK(xbpf_program__insns(p) || n == 0);
	}
	xbpf_object__close(obj);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static const char *const inputs[] = {
	XBPF_BUILD_DIR "/progs-loader/reloc_kinds.bpf.o",
	XBPF_BUILD_DIR "/progs-loader/btf_maps.bpf.o",
	XBPF_BUILD_DIR "/progs-loader/legacy_maps.bpf.o",
	XBPF_SHARED_DIR "/ebpf-samples/linux/sockex3_kern.o",
	XBPF_SHARED_DIR "/ebpf-samples/cilium-examples/xdp_bpf_bpfel.o",
	XBPF_SHARED_DIR "/ebpf-samples/build/map_in_map.o",
};

static void test_truncated(void)
{
	for (size_t k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++) {
		size_t len;
		uint8_t *buf = read_all(inputs[k], &len);
		if (!buf)
			continue;
		size_t step = len / 400 + 1;
		for (size_t cut = 0; cut < len; cut += step)
			try_open(buf, cut);
		free(buf);
	}
	T_CHECK(refused > 0);
}

static void test_random_bytes(void)
{
	for (size_t k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++) {
		size_t len;
		uint8_t *buf = read_all(inputs[k], &len);
		if (!buf)
			continue;
		uint8_t *m = malloc(len);
		for (int round = 0; round < 1500; round++) {
			memcpy(m, buf, len);
			int flips = 1 + next_rand() % 4;
			for (int i = 0; i < flips; i++)
				m[next_rand() % len] ^= 1u << (next_rand() % 8);
			try_open(m, len);
		}
		free(m);
		free(buf);
	}
}

/* Corrupt one field of every section header in turn. */
static void test_section_headers(void)
{
	size_t len;
	uint8_t *buf = read_all(inputs[0], &len);
	if (!buf)
		T_SKIP("test object missing");
	Elf64_Ehdr eh;
	memcpy(&eh, buf, sizeof(eh));
	uint8_t *m = malloc(len);
	static const uint64_t bad[] = {0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff,
				       0xffffffffffffffffull, 0x8000000000000000ull};
	static const size_t fields[] = {
		offsetof(Elf64_Shdr, sh_name), offsetof(Elf64_Shdr, sh_type),
		offsetof(Elf64_Shdr, sh_offset), offsetof(Elf64_Shdr, sh_size),
		offsetof(Elf64_Shdr, sh_link), offsetof(Elf64_Shdr, sh_info),
		offsetof(Elf64_Shdr, sh_flags),
	};
	for (unsigned s = 0; s < eh.e_shnum; s++)
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
				memcpy(m, buf, len);
				size_t at = eh.e_shoff + (size_t)s * sizeof(Elf64_Shdr) + fields[f];
				size_t w = fields[f] == offsetof(Elf64_Shdr, sh_offset) ||
						   fields[f] == offsetof(Elf64_Shdr, sh_size) ||
						   fields[f] == offsetof(Elf64_Shdr, sh_flags) ? 8 : 4;
				if (at + w > len)
					continue;
				memcpy(m + at, &bad[b], w);
				try_open(m, len);
			}
	/* header fields: section count, string table index, header offset */
	static const size_t ef[] = {offsetof(Elf64_Ehdr, e_shnum), offsetof(Elf64_Ehdr, e_shstrndx),
				    offsetof(Elf64_Ehdr, e_shoff), offsetof(Elf64_Ehdr, e_machine)};
	for (size_t f = 0; f < sizeof(ef) / sizeof(ef[0]); f++)
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			memcpy(m, buf, len);
			memcpy(m + ef[f], &bad[b], ef[f] == offsetof(Elf64_Ehdr, e_shoff) ? 8 : 2);
			try_open(m, len);
		}
	free(m);
	free(buf);
}

/* Find section `name`'s header; returns false when absent. */
static bool find_sec(const uint8_t *buf, size_t len, const char *name, Elf64_Shdr *out)
{
	Elf64_Ehdr eh;
	memcpy(&eh, buf, sizeof(eh));
	Elf64_Shdr str;
	memcpy(&str, buf + eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(str), sizeof(str));
	for (unsigned s = 0; s < eh.e_shnum; s++) {
		memcpy(out, buf + eh.e_shoff + (size_t)s * sizeof(*out), sizeof(*out));
		if (str.sh_offset + out->sh_name < len &&
		    !strcmp((const char *)buf + str.sh_offset + out->sh_name, name))
			return true;
	}
	return false;
}

/* Every relocation of the program sections gets a bad symbol, then a bad offset. */
static void test_relocations(void)
{
	size_t len;
	uint8_t *buf = read_all(inputs[0], &len);
	if (!buf)
		T_SKIP("test object missing");
	uint8_t *m = malloc(len);
	static const char *const rels[] = {".relxdp", ".reltc", ".rel.text", ".rel.BTF.ext"};
	int tried = 0;
	for (size_t r = 0; r < sizeof(rels) / sizeof(rels[0]); r++) {
		Elf64_Shdr sh;
		if (!find_sec(buf, len, rels[r], &sh))
			continue;
		for (size_t i = 0; i < sh.sh_size / sizeof(Elf64_Rel); i++) {
			size_t at = sh.sh_offset + i * sizeof(Elf64_Rel);
			static const uint64_t infos[] = {ELF64_R_INFO(0xffffff, 1),
							 ELF64_R_INFO(0, 1), ELF64_R_INFO(1, 77),
							 ELF64_R_INFO(1, 10)};
			for (size_t k = 0; k < 4; k++) {
				memcpy(m, buf, len);
				memcpy(m + at + 8, &infos[k], 8);
				try_open(m, len);
				tried++;
			}
			static const uint64_t offs[] = {3, 0xfffffff8, 0xffffffffffffff00ull};
			for (size_t k = 0; k < 3; k++) {
				memcpy(m, buf, len);
				memcpy(m + at, &offs[k], 8);
				try_open(m, len);
				tried++;
			}
		}
	}
	T_CHECK(tried > 20);
	free(m);
	free(buf);
}

/* Header words of .BTF and .BTF.ext, and bytes of the BTF type section. */
static void test_btf(void)
{
	size_t len;
	uint8_t *buf = read_all(inputs[1], &len);
	if (!buf)
		T_SKIP("test object missing");
	uint8_t *m = malloc(len);
	static const char *const secs[] = {".BTF", ".BTF.ext"};
	for (size_t s = 0; s < 2; s++) {
		Elf64_Shdr sh;
		T_CHECK(find_sec(buf, len, secs[s], &sh));
		for (size_t w = 0; w < 8 && w * 4 < sh.sh_size; w++)
			for (uint32_t v = 0; v < 6; v++) {
				static const uint32_t vals[] = {0, 1, 3, 0x7fffffff, 0xffffffff, 0x100};
				memcpy(m, buf, len);
				memcpy(m + sh.sh_offset + w * 4, &vals[v], 4);
				try_open(m, len);
			}
		for (int round = 0; round < 800; round++) {
			memcpy(m, buf, len);
			size_t at = sh.sh_offset + next_rand() % sh.sh_size;
			m[at] = next_rand();
			try_open(m, len);
		}
	}
	free(m);
	free(buf);
	printf("%d mutated objects opened, %d refused with a message\n", opened, refused);
}

T_MAIN(test_truncated, test_random_bytes, test_section_headers, test_relocations, test_btf)
