# Debian packages (docs/OPERATIONS.md, "Install and first start"): `cmake --build BUILD --target package` makes
#   mezhved      the daemon, its packaged config (/etc/mezhved, a conffile), the schemas, calendars and console pages
#                (/usr/share/mezhved), the systemd unit and the guides; maintainer scripts from deploy/debian;
#   mezhved-cli  mezhvedctl.
# Their library dependencies are the runtime packages dpkg-shlibdeps finds for the binaries, never the -dev ones.
# tools/package-test.sh installs them into a clean Debian 12 root and runs them.
include(GNUInstallDirs)

set(_debian "${PROJECT_SOURCE_DIR}/deploy/debian")

install(FILES "${_debian}/mezhved.textproto" DESTINATION /etc/mezhved COMPONENT daemon)
install(FILES "${PROJECT_SOURCE_DIR}/deploy/systemd/mezhved.service" DESTINATION /lib/systemd/system COMPONENT daemon)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/schemas/" DESTINATION ${CMAKE_INSTALL_DATADIR}/mezhved/schemas
        COMPONENT daemon FILES_MATCHING PATTERN "*.xsd" PATTERN "*.wsdl" PATTERN "*.textproto" PATTERN "*.md")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/calendars/" DESTINATION ${CMAKE_INSTALL_DATADIR}/mezhved/calendars
        COMPONENT daemon FILES_MATCHING PATTERN "*.textproto" PATTERN "*.md")
install(FILES "${PROJECT_SOURCE_DIR}/deploy/openssl-gost.cnf" DESTINATION ${CMAKE_INSTALL_DATADIR}/mezhved
        COMPONENT daemon)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/deploy/prometheus/" DESTINATION ${CMAKE_INSTALL_DATADIR}/mezhved/prometheus
        COMPONENT daemon FILES_MATCHING PATTERN "*.yml" PATTERN "*.md")
install(FILES "${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md" "${PROJECT_SOURCE_DIR}/docs/API.md"
              "${PROJECT_SOURCE_DIR}/docs/CONSOLE.md" "${PROJECT_SOURCE_DIR}/docs/MONITORING.md"
              "${PROJECT_SOURCE_DIR}/docs/SIGNATURES.md"
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT daemon)

# The conffiles: dpkg keeps an administrator's changes across upgrades and asks when both sides changed.
file(WRITE "${CMAKE_BINARY_DIR}/debian-daemon/conffiles" "/etc/mezhved/mezhved.textproto\n")
foreach(_script postinst prerm postrm)
  configure_file("${_debian}/${_script}" "${CMAKE_BINARY_DIR}/debian-daemon/${_script}" COPYONLY)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mezhved)
set(CPACK_PACKAGE_VENDOR "mezhved")
set(CPACK_PACKAGE_CONTACT "mezhved maintainers <mezhved@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL daemon cli)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(DEFINED ENV{MEZHVED_PACKAGE_RELEASE})  # a rebuild of the same version, e.g. for the upgrade test
  set(CPACK_DEBIAN_PACKAGE_RELEASE $ENV{MEZHVED_PACKAGE_RELEASE})
endif()

set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME mezhved)
set(CPACK_DEBIAN_DAEMON_DESCRIPTION
    "interagency message gateway for social services\nThe daemon mezhvedd: requests and answers between a region's agencies over gRPC and\nSOAP, validated, sealed, stored in RocksDB, delivered at least once, with deadlines\non the production calendar, a web console and metrics.")
# The GOST engine is loaded at run time (not linked), adduser makes the system user in postinst.
set(CPACK_DEBIAN_DAEMON_PACKAGE_DEPENDS "adduser, libengine-gost-openssl")
set(CPACK_DEBIAN_DAEMON_PACKAGE_RECOMMENDS "mezhved-cli")
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_EXTRA
    "${CMAKE_BINARY_DIR}/debian-daemon/conffiles;${CMAKE_BINARY_DIR}/debian-daemon/postinst;${CMAKE_BINARY_DIR}/debian-daemon/prerm;${CMAKE_BINARY_DIR}/debian-daemon/postrm")
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_CLI_PACKAGE_NAME mezhved-cli)
set(CPACK_DEBIAN_CLI_DESCRIPTION
    "operator's command line for the mezhved gateway\nmezhvedctl: queues, messages, dead letters, overdue requests, reports, the audit log,\nseals, backups and restores of the mezhved gateway.")

include(CPack)
