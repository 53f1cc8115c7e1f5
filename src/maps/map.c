/* map.c - placeholder until the maps module lands: no map can exist yet, so these are
 * never reached with a real map. Replaced by the map implementation (issue 3). */
#include "../vm/vm_internal.h"

void vm_map_get(struct xbpf_map *map) { (void)map; }
void vm_map_put(struct xbpf_map *map) { (void)map; }
void *vm_map_value_base(struct xbpf_map *map) { (void)map; return NULL; }
size_t vm_map_value_size(struct xbpf_map *map) { (void)map; return 0; }
