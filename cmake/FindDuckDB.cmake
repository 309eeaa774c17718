# Finds DuckDB's C API (duckdb.h + libduckdb) for the Parquet adapter.
# A system installation wins; otherwise the copy that scripts/setup unpacks
# into <source>/.deps/duckdb (from registry packages, see
# scripts/lib/provision_duckdb.sh). Sets LSHRS_HAVE_DUCKDB, the imported target
# DuckDB::duckdb and LSHRS_DUCKDB_LIBRARY_DIR.
set(_lshrs_duckdb_local ${PROJECT_SOURCE_DIR}/.deps/duckdb)
find_path(DUCKDB_INCLUDE_DIR duckdb.h)
find_library(DUCKDB_LIBRARY duckdb)
if(NOT DUCKDB_INCLUDE_DIR OR NOT DUCKDB_LIBRARY)
  find_path(DUCKDB_INCLUDE_DIR duckdb.h PATHS ${_lshrs_duckdb_local}/include NO_DEFAULT_PATH)
  find_library(DUCKDB_LIBRARY duckdb PATHS ${_lshrs_duckdb_local}/lib NO_DEFAULT_PATH)
endif()
if(DUCKDB_INCLUDE_DIR AND DUCKDB_LIBRARY)
  set(LSHRS_HAVE_DUCKDB ON)
  get_filename_component(LSHRS_DUCKDB_LIBRARY_DIR ${DUCKDB_LIBRARY} DIRECTORY)
  if(NOT TARGET DuckDB::duckdb)
    add_library(DuckDB::duckdb SHARED IMPORTED)
    set_target_properties(DuckDB::duckdb PROPERTIES IMPORTED_LOCATION ${DUCKDB_LIBRARY}
                                                    INTERFACE_INCLUDE_DIRECTORIES ${DUCKDB_INCLUDE_DIR})
  endif()
  message(STATUS "DuckDB: ${DUCKDB_LIBRARY} (Parquet support on)")
else()
  set(LSHRS_HAVE_DUCKDB OFF)
  message(STATUS "DuckDB not found: Parquet support off (scripts/setup provisions it)")
endif()
