#ifndef WEIR_CSRT_SHIM_H
#define WEIR_CSRT_SHIM_H
#include <srt/srt.h>
#endif
