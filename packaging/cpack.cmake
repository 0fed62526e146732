# Debian packages with CPack (`cmake --build build --target package`, or `cpack --config build/CPackConfig.cmake`):
# one package per install component, named mysql-mmm-<component> like mysql-mmm's own Debian packages.
#   mysql-mmm-common   the configuration all three programs read (/etc/mysql-mmm/mmm.yaml), the init scripts'
#                      shared body, logrotate, /var/lib/mysql-mmm and /var/log/mysql-mmm, mmm.yaml(5)
#   mysql-mmm-monitor  mmm_mond, its unit, init script, /etc/default file, the example kill_host
#   mysql-mmm-agent    mmm_agentd, its unit, init script, /etc/default file
#   mysql-mmm-tools    mmm_control, mmm_tls_init
# Shared files get a package of their own because each daemon package and the tools need them, on one host or
# on different ones: in either daemon's package, purging that daemon would take the other's configuration.
# Maintainer scripts (packaging/deb): register the services but enable and start nothing; stop on remove; purge
# removes what the daemons wrote. Included at the end of the top-level CMakeLists.txt, after every install rule.

set(MMM_PACKAGE_MAINTAINER "mmm maintainers <mmm@example.org>" CACHE STRING
    "Maintainer field of the Debian packages (Name <address>)")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mysql-mmm)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the mmm authors")
set(CPACK_PACKAGE_CONTACT "${MMM_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_COMPONENTS_ALL common monitor agent tools)
set(CPACK_DEB_COMPONENT_INSTALL ON)
# Install rules with absolute destinations (/etc, /var) need DESTDIR staging; the rest goes below /usr.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SOURCE mysql-mmm)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Each package depends on the exact version of the packages its component DEPENDS on (below).
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMMON_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "openssl")  # mmm_tls_init
set(CPACK_DEBIAN_AGENT_PACKAGE_RECOMMENDS "mariadb-client")  # mariadb-binlog, for the binlog salvage

# Descriptions: a synopsis, then the extended text (lines under 80 columns; "." is an empty line).
set(mmm_about "mmm keeps one writable master and a set of readers available behind
virtual IPs, for a MySQL or MariaDB master-master pair with optional
replicas. It re-implements mysql-mmm 2.2 and keeps its commands, output
formats, log lines, configuration keys and agent protocol.")
set(CPACK_COMPONENT_COMMON_DESCRIPTION "MySQL/MariaDB multi-master replication manager - common files
${mmm_about}
.
This package holds what the monitor, the agent and mmm_control share: the
example configuration /etc/mysql-mmm/mmm.yaml, the body of the init
scripts, log rotation, and the log and state directories.")
set(CPACK_COMPONENT_MONITOR_DESCRIPTION "MySQL/MariaDB multi-master replication manager - monitor
${mmm_about}
.
This package holds the monitor, mmm_mond (one per cluster): it checks every
database host and moves the writer and reader roles between them through
their agents. The service is installed disabled.")
set(CPACK_COMPONENT_AGENT_DESCRIPTION "MySQL/MariaDB multi-master replication manager - agent
${mmm_about}
.
This package holds the agent, mmm_agentd (one per database host): it adds
and removes the role IPs, sets read_only and repoints replication as the
monitor asks. The service is installed disabled.")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION "MySQL/MariaDB multi-master replication manager - control tools
${mmm_about}
.
This package holds mmm_control, the command-line client of the monitor, and
mmm_tls_init, which makes the TLS certificates of a cluster.")

# Per package: /usr/share/doc/<package>/{copyright,changelog.Debian.gz} and lintian's overrides (component-only
# installs: `cmake --install` of the whole tree leaves them out), the conffiles, the maintainer scripts.
string(TIMESTAMP MMM_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)  # SOURCE_DATE_EPOCH when set
set(MMM_DEB_VERSION ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE})
set(mmm_deb_dir ${PROJECT_BINARY_DIR}/packaging)
configure_file(${CMAKE_CURRENT_LIST_DIR}/changelog.in ${mmm_deb_dir}/changelog.Debian @ONLY)
execute_process(COMMAND gzip -9n -c ${mmm_deb_dir}/changelog.Debian OUTPUT_FILE ${mmm_deb_dir}/changelog.Debian.gz
    COMMAND_ERROR_IS_FATAL ANY)

set(mmm_conffiles_common /etc/mysql-mmm/mmm.yaml /etc/logrotate.d/mysql-mmm)
set(mmm_conffiles_tools)
foreach(component common monitor agent tools)
    set(package mysql-mmm-${component})
    string(TOUPPER ${component} upper)
    install(FILES ${CMAKE_CURRENT_LIST_DIR}/copyright ${mmm_deb_dir}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component} EXCLUDE_FROM_ALL)
    install(FILES ${CMAKE_CURRENT_LIST_DIR}/lintian/${package} DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        COMPONENT ${component} EXCLUDE_FROM_ALL)

    set(control_files)
    if(component STREQUAL "monitor" OR component STREQUAL "agent")
        set(MMM_PACKAGE ${package})
        set(MMM_SERVICE ${package})
        if(component STREQUAL "monitor")
            set(MMM_DAEMON mmm_mond)
        else()
            set(MMM_DAEMON mmm_agentd)
        endif()
        set(mmm_conffiles_${component} /etc/default/${package} /etc/init.d/${package})
        foreach(script postinst prerm postrm)
            configure_file(${CMAKE_CURRENT_LIST_DIR}/deb/daemon.${script}.in ${mmm_deb_dir}/${component}/${script}
                @ONLY)
            list(APPEND control_files ${mmm_deb_dir}/${component}/${script})
        endforeach()
    elseif(component STREQUAL "common")
        configure_file(${CMAKE_CURRENT_LIST_DIR}/deb/common.postrm ${mmm_deb_dir}/common/postrm COPYONLY)
        list(APPEND control_files ${mmm_deb_dir}/common/postrm)
    endif()
    if(mmm_conffiles_${component})
        list(JOIN mmm_conffiles_${component} "\n" lines)
        file(WRITE ${mmm_deb_dir}/${component}/conffiles "${lines}\n")
        list(APPEND control_files ${mmm_deb_dir}/${component}/conffiles)
    endif()
    set(CPACK_DEBIAN_${upper}_PACKAGE_CONTROL_EXTRA ${control_files})
endforeach()

include(CPack)
cpack_add_component(common DISPLAY_NAME "common files")
cpack_add_component(monitor DISPLAY_NAME "monitor" DEPENDS common)
cpack_add_component(agent DISPLAY_NAME "agent" DEPENDS common)
cpack_add_component(tools DISPLAY_NAME "control tools" DEPENDS common)
