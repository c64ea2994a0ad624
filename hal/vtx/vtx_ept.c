#include "vtx_priv.h"
uint64_t vtx_ept_hidden_hits;
