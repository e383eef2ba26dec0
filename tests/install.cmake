# Installing and packaging (issue 15; cmake/install.cmake):
#   man_pages       every option of each tool's --help is in the OPTIONS of
#                   its man page (doc/man/<tool>.1.scd) and the other way
#                   round; the generated pages render without a warning
#   install_prefix  cmake --install into a temporary prefix: the layout,
#                   SONAME, only heic_* exported, the tools on the installed
#                   library, and tests/install/consumer.c built against it
#                   with pkg-config and with find_package(libheic)
#   deb_package     cpack's .deb installs (dpkg -i), its tools, man pages
#                   and pkg-config file work, and dpkg --purge leaves
#                   nothing; root only, skipped otherwise
# install_prefix and deb_package both run the build tree's install script
# (it writes install_manifest.txt into the tree): they never run at once.
set(_tool_files "")
foreach(_tool ${HEIC_TOOLS})
  list(APPEND _tool_files $<TARGET_FILE:${_tool}>)
endforeach()
set(_man_dir -)
if(HEIC_MAN_BUILT)
  set(_man_dir ${CMAKE_BINARY_DIR}/man)
endif()
add_test(NAME man_pages
         COMMAND ${HEIC_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/man_pages.sh ${CMAKE_SOURCE_DIR}/doc/man
                 ${_man_dir} ${_tool_files})
set_tests_properties(man_pages PROPERTIES TIMEOUT 120 LABELS "install")

set(_install_mode "")
if(HEIC_SANITIZE)
  set(_install_mode --sanitize)
endif()
add_test(NAME install_prefix
         COMMAND ${HEIC_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/install_prefix.sh ${_install_mode}
                 ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${PROJECT_VERSION} ${CMAKE_INSTALL_LIBDIR}
                 ${CMAKE_INSTALL_MANDIR} ${HEIC_MAN_BUILT} ${CMAKE_C_COMPILER} ${CMAKE_COMMAND}
                 ${HEIC_TOOLS})
set_tests_properties(install_prefix PROPERTIES
  TIMEOUT 300 LABELS "install" SKIP_RETURN_CODE ${HEIC_SKIP_CODE} RESOURCE_LOCK libheic_install)

add_test(NAME deb_package
         COMMAND ${HEIC_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/deb_package.sh ${CMAKE_BINARY_DIR}
                 ${CMAKE_CPACK_COMMAND} ${HEIC_TEST_DATA} $<TARGET_FILE:imgcmp> ${PROJECT_VERSION}
                 ${HEIC_MAN_BUILT} ${HEIC_TOOLS})
set_tests_properties(deb_package PROPERTIES
  TIMEOUT 900 LABELS "install" SKIP_RETURN_CODE ${HEIC_SKIP_CODE} RESOURCE_LOCK libheic_install)
