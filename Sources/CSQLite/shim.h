#ifndef NEUVO_CSQLITE_SHIM_H
#define NEUVO_CSQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
// Binding with it makes SQLite copy the value before the call returns.
static inline int neuvo_sqlite3_bind_text_transient(sqlite3_stmt *stmt, int index, const char *text, int length) {
    return sqlite3_bind_text(stmt, index, text, length, SQLITE_TRANSIENT);
}

static inline int neuvo_sqlite3_bind_blob_transient(sqlite3_stmt *stmt, int index, const void *blob, int length) {
    return sqlite3_bind_blob(stmt, index, blob, length, SQLITE_TRANSIENT);
}

// sqlite3_config and sqlite3_db_config are variadic: Swift cannot call them.

// Memory statistics take a global mutex on every allocation SQLite makes; Neuvo never reads them.
// Only before SQLite is initialised (before the first connection); later it returns SQLITE_MISUSE.
static inline int neuvo_sqlite3_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

// A connection's lookaside: small allocations (statement memory, records) served from a per-connection pool
// instead of malloc. Set right after opening, before anything is allocated from the default one.
static inline int neuvo_sqlite3_set_lookaside(sqlite3 *db, int slotSize, int slotCount) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_LOOKASIDE, (void *)0, slotSize, slotCount);
}

#endif
