// libFuzzer's driver, in the runtime that `-sanitize=fuzzer` links. Declared here, not linked:
// only the fuzzer build (compiled with WEIR_FUZZING) calls it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
