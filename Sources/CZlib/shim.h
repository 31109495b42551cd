#ifndef OBS_CZLIB_SHIM_H
#define OBS_CZLIB_SHIM_H
#include <zlib.h>
#endif
