#include "service/system/memory.h"

#include <cstdlib>

#include <malloc.h>

namespace aalayer::service {

void limit_malloc_arenas() {
    if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;  // the admin's choice stands
    ::mallopt(M_ARENA_MAX, 2);
}

void return_free_memory() {
    ::malloc_trim(0);
}

}  // namespace aalayer::service
