/* @NAME@: a Strata plugin (a KRM function for wasm32-wasip1) in C with wasi-libc.
 * It passes the items on unchanged and reports how large its input was, as an info
 * result: the host sends the ResourceList as one JSON object, so the result is
 * spliced in before its closing brace. Parse the JSON (e.g. with a small C JSON
 * library) to change items. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    size_t cap = 1 << 16, len = 0, n;
    char *in = malloc(cap + 1);
    if (!in) return 1;
    while ((n = fread(in + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap) {
            char *more = realloc(in, (cap *= 2) + 1);
            if (!more) return 1;
            in = more;
        }
    }
    while (len > 0 && (in[len - 1] == '\n' || in[len - 1] == ' ')) len--;
    if (len == 0 || in[len - 1] != '}') {
        fputs("@NAME@: the input is not a JSON ResourceList\n", stderr);
        return 1;
    }
    fwrite(in, 1, len - 1, stdout);
    printf(",\"results\":[{\"message\":\"@NAME@ read %zu bytes\",\"severity\":\"info\"}]}\n", len);
    return 0;
}
