# install.cmake: what `cmake --install` puts where (included from the top
# CMakeLists.txt).
#
# A package is built with -DCMAKE_INSTALL_PREFIX=/usr and installed with
# DESTDIR=...; GNUInstallDirs then gives /usr/bin, /etc, /usr/share/man.
# The unit names the installed binary and configuration by absolute path, so
# it is configured here from the same variables the rules below install
# with.  That is why the configuration goes to CMAKE_INSTALL_FULL_SYSCONFDIR
# (absolute: /etc for the /usr prefix, where the relative SYSCONFDIR would
# give /usr/etc), and why relocating with `cmake --install --prefix` is not
# supported: use DESTDIR.
#
# systemd reads units, sysusers.d and tmpfiles.d from <prefix>/lib/... for
# both /usr and /usr/local, so those stay relative to the prefix (and not
# under CMAKE_INSTALL_LIBDIR, which is lib/<multiarch> on Debian).

include(GNUInstallDirs)

configure_file(${CMAKE_SOURCE_DIR}/systemd/minutesd.service
               ${CMAKE_BINARY_DIR}/systemd/minutesd.service @ONLY)

install(TARGETS minutesd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES ${CMAKE_BINARY_DIR}/systemd/minutesd.service
        DESTINATION lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/minutesd.sysusers
        DESTINATION lib/sysusers.d RENAME minutesd.conf)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/minutesd.tmpfiles
        DESTINATION lib/tmpfiles.d RENAME minutesd.conf)

# Passwords never go in the configuration (libpq reads .pgpass and service
# files), so the default 0644 is fine.
install(FILES ${CMAKE_SOURCE_DIR}/config/minutesd.json
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/minutesd)

# The migrations are compiled into the binary; these copies are for reading.
file(GLOB MINUTESD_SQL_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/sql/*.sql)
install(FILES ${MINUTESD_SQL_FILES}
        DESTINATION ${CMAKE_INSTALL_DATADIR}/minutesd/sql)

install(FILES ${CMAKE_SOURCE_DIR}/man/minutesd.8
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
