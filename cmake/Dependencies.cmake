# Finds every library the responder links, through pkg-config, and stops with
# the name of the Debian package to install when one is missing.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

# responder_dep(<target> <pkg-config module> <debian package>)
function(responder_dep target module package)
  pkg_check_modules(PC_${target} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT PC_${target}_FOUND)
    message(FATAL_ERROR "missing dependency '${module}': apt-get install ${package}")
  endif()
  add_library(dep::${target} ALIAS PkgConfig::PC_${target})
endfunction()

responder_dep(sqlite3 sqlite3 libsqlite3-dev)
responder_dep(libpq libpq libpq-dev)
responder_dep(jansson jansson libjansson-dev)
responder_dep(inih inih libinih-dev)
responder_dep(libxml2 libxml-2.0 libxml2-dev)
responder_dep(openssl "libssl;libcrypto" libssl-dev)
responder_dep(nettle nettle nettle-dev)
responder_dep(curl libcurl libcurl4-gnutls-dev)
responder_dep(zlib zlib zlib1g-dev)
responder_dep(microhttpd libmicrohttpd libmicrohttpd-dev)

# libetpan: pkg-config's --libs output makes a non-PIE binary and lists private
# libraries (see shared/notes/libetpan-libcurl.md), so take only its cflags and
# link -letpan by name.
pkg_check_modules(PC_ETPAN QUIET libetpan)
find_library(ETPAN_LIBRARY NAMES etpan)
find_path(ETPAN_INCLUDE NAMES libetpan/libetpan.h)
if(NOT PC_ETPAN_FOUND OR NOT ETPAN_LIBRARY OR NOT ETPAN_INCLUDE)
  message(FATAL_ERROR "missing dependency 'libetpan': apt-get install libetpan-dev")
endif()
add_library(dep::etpan INTERFACE IMPORTED GLOBAL)
target_link_libraries(dep::etpan INTERFACE ${ETPAN_LIBRARY})
target_include_directories(dep::etpan INTERFACE ${ETPAN_INCLUDE})

if(RESPONDER_TESTS)
  pkg_check_modules(PC_CMOCKA QUIET IMPORTED_TARGET GLOBAL cmocka)
  if(NOT PC_CMOCKA_FOUND)
    message(FATAL_ERROR "missing dependency 'cmocka': apt-get install libcmocka-dev")
  endif()
  add_library(dep::cmocka ALIAS PkgConfig::PC_CMOCKA)
endif()
