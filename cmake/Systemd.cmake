# Optional libsystemd for sd_notify (responder/daemon/sdnotify.c).  Without it the
# daemon speaks the notify protocol itself, so Type=notify works either way.
#   -DRESPONDER_SYSTEMD=OFF   never link libsystemd
option(RESPONDER_SYSTEMD "Use libsystemd for sd_notify when it is found" ON)
set(RESPONDER_HAVE_LIBSYSTEMD OFF)
if(RESPONDER_SYSTEMD)
  pkg_check_modules(PC_SYSTEMD QUIET IMPORTED_TARGET GLOBAL libsystemd)
  if(PC_SYSTEMD_FOUND)
    set(RESPONDER_HAVE_LIBSYSTEMD ON)
    target_compile_definitions(rdaemon PRIVATE RESPONDER_HAVE_LIBSYSTEMD)
    target_link_libraries(rdaemon PRIVATE PkgConfig::PC_SYSTEMD)
    message(STATUS "sd_notify: libsystemd ${PC_SYSTEMD_VERSION}")
  else()
    message(STATUS "sd_notify: libsystemd not found (apt-get install libsystemd-dev); "
                   "using the built-in NOTIFY_SOCKET client")
  endif()
endif()
