/* fuzz_asm.c - libFuzzer target for the assembler and disassembler.
 *
 * Input: arbitrary text. When xbpf_asm() accepts it, the program is disassembled in both
 * syntaxes (with and without labels) and each text must assemble back to the very same
 * instructions. The input is also taken as raw instruction words, which must round-trip the
 * same way (".insn" for invalid words). Any mismatch aborts; the sanitizers catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xbpf/vm.h"

static void roundtrip(const struct xbpf_insn *insns, size_t cnt)
{
	for (int s = 0; s < 2; s++) {
		for (int labels = 0; labels < 2; labels++) {
			enum xbpf_syntax syn = s ? XBPF_SYNTAX_KERNEL : XBPF_SYNTAX_UBPF;
			char *text = xbpf_disasm(insns, cnt, syn, labels, NULL);
			if (!text)
				abort();
			struct xbpf_insn *again = NULL;
			size_t n = 0;
			char err[256];
			if (xbpf_asm(text, NULL, &again, &n, err, sizeof err) || n != cnt ||
			    (cnt && memcmp(again, insns, cnt * sizeof *insns))) {
				fprintf(stderr, "round trip failed (%s):\n%s\n", err, text);
				abort();
			}
			free(again);
			free(text);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct xbpf_insn *insns = NULL;
	size_t cnt = 0;
	char err[256];
	if (xbpf_asm(text, NULL, &insns, &cnt, err, sizeof err) == 0) {
		roundtrip(insns, cnt);
		free(insns);
	} else if (!strstr(err, "line ")) {
		abort(); /* every error names its line */
	}
	free(text);
	size_t words = size / sizeof(struct xbpf_insn);
	if (words) {
		struct xbpf_insn *raw = malloc(words * sizeof *raw);
		if (raw) {
			memcpy(raw, data, words * sizeof *raw);
			roundtrip(raw, words);
			free(raw);
		}
	}
	return 0;
}
