# Install rules and the Debian package.
#
#   cmake --install build --prefix /usr     bin/responder, share/responder/templates,
#                                           share/doc/responder/responder.conf.example,
#                                           share/man/man{5,8}, lib/systemd/system/responder.service
#   (cd build && cpack -G DEB)              transcript-responder_<version>_<arch>.deb
#
# The binary and the templates are installed by the top-level CMakeLists.txt.
include(GNUInstallDirs)

install(FILES dist/responder.conf.example
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/responder)
install(FILES dist/prometheus/responder.rules.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/responder/examples/prometheus)
install(FILES man/responder.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES man/responder.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

# The unit names /usr/bin/responder; for another prefix the installed copy
# names the binary where it really is (done at install time, so
# `cmake --install --prefix P` is honoured).
set(RESPONDER_UNIT_SRC ${CMAKE_SOURCE_DIR}/dist/responder.service)
install(CODE "
  set(_prefix \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
  file(READ \"${RESPONDER_UNIT_SRC}\" _unit)
  string(REPLACE \"/usr/bin/responder\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/responder\" _unit \"\${_unit}\")
  file(MAKE_DIRECTORY \"\${_prefix}/lib/systemd/system\")
  file(WRITE \"\${_prefix}/lib/systemd/system/responder.service\" \"\${_unit}\")
  message(STATUS \"Installing: \${_prefix}/lib/systemd/system/responder.service\")
")

# ---- Debian package ---------------------------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "transcript-responder")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "Transcript Responder maintainers <support@relay.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "answers lost-mail complaints with the relay's delivery record")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Watches a support mailbox over IMAP, matches each forwarded complaint to the relay's delivery records and replies with each recipient's status, the remote server's answer and the SMTP transcript.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
# The binary finds its templates under CMAKE_INSTALL_PREFIX (compiled in):
# a package must be configured with -DCMAKE_INSTALL_PREFIX=/usr.
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "cpack: configure with -DCMAKE_INSTALL_PREFIX=/usr before building "
                 "a .deb (this tree's binary looks in ${CMAKE_INSTALL_PREFIX}/share/responder)")
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "mail")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Runtime libraries of Debian 12 (bookworm).  dpkg-shlibdeps computes the
# same from the binary when it is available; the list is the fallback and
# what the package test checks against.
set(RESPONDER_DEB_DEPENDS
    "libc6 (>= 2.34), libetpan20, libcurl3-gnutls (>= 7.88), libssl3 (>= 3.0), libsqlite3-0 (>= 3.38), libjansson4 (>= 2.14), libinih1 (>= 55), libxml2 (>= 2.9), zlib1g, libmicrohttpd12 (>= 0.9.75), libcrypt1, adduser")
if(RESPONDER_HAVE_LIBSYSTEMD)
  string(APPEND RESPONDER_DEB_DEPENDS ", libsystemd0")
endif()
find_program(DPKG_SHLIBDEPS dpkg-shlibdeps)
if(DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${RESPONDER_DEB_DEPENDS}")
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/dist/debian/postinst
    ${CMAKE_SOURCE_DIR}/dist/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
