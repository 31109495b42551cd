#include "obs_records.h"
