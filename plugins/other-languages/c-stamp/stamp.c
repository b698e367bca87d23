/*
 * c-stamp: a Strata plugin in C (clang + wasi-libc), to show the ABI is not Rust-only.
 *
 * It reads the input ResourceList (JSON) from stdin, replaces every occurrence of the
 * placeholder @@STAMP@@ with the text "stamped-by-c", and appends an info result
 * saying how many it replaced. The placeholder has no JSON-special characters, so a
 * byte-level replacement keeps the JSON valid. The function config is ignored.
 * Build: clang --target=wasm32-wasi --sysroot=/usr -O2 -o c-stamp.wasm stamp.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char PLACEHOLDER[] = "@@STAMP@@";
static const char STAMP[] = "stamped-by-c";

int main(void) {
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) { fputs("out of memory\n", stderr); return 1; }
    for (;;) {
        if (len == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) { fputs("out of memory\n", stderr); return 1; }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, stdin);
        if (n == 0) break;
        len += n;
    }
    /* The input ends with "}\n" (or "}"): drop the closing brace to append results. */
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ')) len--;
    if (len == 0 || buf[len - 1] != '}') {
        fputs("c-stamp: input is not a JSON ResourceList\n", stderr);
        return 2;
    }
    len--;
    size_t count = 0, plen = strlen(PLACEHOLDER);
    size_t i = 0;
    while (i < len) {
        if (i + plen <= len && memcmp(buf + i, PLACEHOLDER, plen) == 0) {
            fwrite(STAMP, 1, strlen(STAMP), stdout);
            i += plen;
            count++;
        } else {
            size_t j = i + 1;
            while (j < len && buf[j] != '@') j++;
            fwrite(buf + i, 1, j - i, stdout);
            i = j;
        }
    }
    printf(",\"results\":[{\"severity\":\"info\",\"message\":\"c-stamp replaced %zu placeholder(s)\"}]}\n", count);
    free(buf);
    return 0;
}
