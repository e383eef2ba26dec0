# Installing and packaging libheic (issue 15), included by CMakeLists.txt
# once the library and the tools are defined.  `cmake --install` puts, under
# CMAKE_INSTALL_PREFIX (or --prefix), with GNUInstallDirs' names:
#
#   bin/heic-enc heic-dec heic-info hevc-enc       component tools
#   share/man/man1/<tool>.1 (scdoc found)          component tools
#   lib/libheic.so.0.1.0 and libheic.so.0          component runtime
#   share/doc/libheic/ (LICENSE, README.md)        component runtime
#   lib/libheic.so, lib/libheic.a (optional)       component dev
#   include/heic/*.h                               component dev
#   lib/pkgconfig/libheic.pc                       component dev
#   lib/cmake/libheic/ (find_package(libheic))     component dev
#
# ("lib" is GNUInstallDirs' libdir: lib/<multiarch> for the prefix /usr on
# Debian, else lib).  The libheif plugin is not part of it: it goes into
# libheif's directory, outside the prefix, only on request (the end of
# CMakeLists.txt).  CPack makes one .deb of everything (cpack -G DEB, or
# the package target).

# ---- the static library (optional) ---------------------------------------
option(HEIC_INSTALL_STATIC "Also build and install the static library libheic.a" OFF)

# What a program linking libheic.a needs besides libheic: libheic.pc's
# Libs.private and the CMake package's static target say the same.  The names are pkg-config's (de265, x265), so that an
# installed libheic needs no pkg-config module of its dependencies to be
# found: the shared library's users never link them themselves, and no
# public header includes theirs.
set(HEIC_PRIVATE_LIBS ${DE265_LIBRARIES})
if(HEIC_X265_FOUND)
  list(APPEND HEIC_PRIVATE_LIBS ${X265_LIBRARIES})
endif()
set(HEIC_PC_LIBS_PRIVATE "")
foreach(_lib ${HEIC_PRIVATE_LIBS})
  string(APPEND HEIC_PC_LIBS_PRIVATE " -l${_lib}")
endforeach()
if(CMAKE_THREAD_LIBS_INIT)
  string(APPEND HEIC_PC_LIBS_PRIVATE " ${CMAKE_THREAD_LIBS_INIT}")
endif()
string(APPEND HEIC_PC_LIBS_PRIVATE " -lm")
string(STRIP "${HEIC_PC_LIBS_PRIVATE}" HEIC_PC_LIBS_PRIVATE)

if(HEIC_INSTALL_STATIC)
  # The same objects as libheic.so, named libheic.a beside it.  Their
  # internal symbols are hidden, which a static link ignores; a program
  # still reaches only what the headers declare.
  add_library(heic_static STATIC $<TARGET_OBJECTS:heic_objects>)
  target_include_directories(heic_static PUBLIC
    $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(heic_static PUBLIC Threads::Threads m
    $<BUILD_INTERFACE:PkgConfig::DE265>)
  if(HEIC_X265_FOUND)
    target_link_libraries(heic_static PUBLIC $<BUILD_INTERFACE:PkgConfig::X265>)
  endif()
  foreach(_lib ${HEIC_PRIVATE_LIBS})
    target_link_libraries(heic_static PUBLIC $<INSTALL_INTERFACE:${_lib}>)
  endforeach()
  set_target_properties(heic_static PROPERTIES OUTPUT_NAME heic EXPORT_NAME heic_static)
endif()

# ---- the library and its headers -----------------------------------------
install(TARGETS heic EXPORT libheic-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
if(HEIC_INSTALL_STATIC)
  install(TARGETS heic_static EXPORT libheic-static-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
endif()
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/heic DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev FILES_MATCHING PATTERN "*.h")
install(FILES ${CMAKE_SOURCE_DIR}/LICENSE ${CMAKE_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)

# ---- pkg-config ------------------------------------------------------------
# The prefix is the one of the install, which `cmake --install --prefix`
# may change after configuring: libheic.pc is made in two steps, here with
# everything but the prefix, and by the install itself with its prefix,
# straight into its place (a file in the build tree between the two would
# be shared by two installs running at once, as the tests' do).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(HEIC_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
  set(_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
else()
  set(HEIC_PC_LIBDIR "\${exec_prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(_pc_dir "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(HEIC_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(HEIC_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(HEIC_PC_PREFIX "@HEIC_PC_PREFIX@") # kept for the second step
configure_file(${CMAKE_SOURCE_DIR}/cmake/libheic.pc.in ${CMAKE_BINARY_DIR}/libheic.pc.in @ONLY)
install(CODE "
  set(HEIC_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(_pc \"\$ENV{DESTDIR}${_pc_dir}/libheic.pc\")
  message(STATUS \"Installing: \${_pc}\")
  configure_file(\"${CMAKE_BINARY_DIR}/libheic.pc.in\" \"\${_pc}\" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${_pc}\")
" COMPONENT dev)

# ---- the CMake package: find_package(libheic) -------------------------------
include(CMakePackageConfigHelpers)
set(HEIC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/libheic)
install(EXPORT libheic-targets NAMESPACE libheic:: DESTINATION ${HEIC_CMAKE_DIR}
        FILE libheic-targets.cmake COMPONENT dev)
if(HEIC_INSTALL_STATIC)
  install(EXPORT libheic-static-targets NAMESPACE libheic:: DESTINATION ${HEIC_CMAKE_DIR}
          FILE libheic-static-targets.cmake COMPONENT dev)
endif()
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/libheic-config.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/libheic-config.cmake INSTALL_DESTINATION ${HEIC_CMAKE_DIR})
# The ABI is the SONAME's, libheic.so.0: any 0.x satisfies a request for 0.y
# with x >= y, and 1.0 would be a new SONAME.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/libheic-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/libheic-config.cmake
              ${CMAKE_BINARY_DIR}/cmake/libheic-config-version.cmake
        DESTINATION ${HEIC_CMAKE_DIR} COMPONENT dev)

# ---- the tools and their man pages --------------------------------------------
set(HEIC_TOOLS heic-enc heic-dec heic-info)
if(TARGET hevc-enc)
  list(APPEND HEIC_TOOLS hevc-enc)
endif()
install(TARGETS ${HEIC_TOOLS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)

# The pages are written in scdoc's markup (doc/man/<tool>.1.scd): readable as
# they are, and scdoc (Debian: scdoc, 100 KB, no dependencies) turns them
# into roff at build time.  The test man_pages (tests/install.cmake) holds
# each page to its tool's --help.
option(HEIC_MAN_PAGES "Build and install the tools' man pages (needs scdoc)" ON)
find_program(HEIC_SCDOC scdoc)
set(HEIC_MAN_BUILT OFF)
if(HEIC_MAN_PAGES AND HEIC_SCDOC)
  set(HEIC_MAN_BUILT ON)
  set(_pages "")
  foreach(_tool ${HEIC_TOOLS})
    set(_src ${CMAKE_SOURCE_DIR}/doc/man/${_tool}.1.scd)
    set(_page ${CMAKE_BINARY_DIR}/man/${_tool}.1)
    add_custom_command(OUTPUT ${_page}
      COMMAND ${CMAKE_COMMAND} -DSCDOC=${HEIC_SCDOC} -DIN=${_src} -DOUT=${_page}
              -P ${CMAKE_SOURCE_DIR}/cmake/scdoc.cmake
      DEPENDS ${_src} ${CMAKE_SOURCE_DIR}/cmake/scdoc.cmake
      COMMENT "Generating man page ${_tool}.1" VERBATIM)
    list(APPEND _pages ${_page})
  endforeach()
  add_custom_target(man ALL DEPENDS ${_pages})
  install(FILES ${_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tools)
elseif(HEIC_MAN_PAGES)
  message(STATUS "man pages: scdoc not found (Debian: scdoc); they are neither built nor installed")
endif()

# ---- the .deb (CPack) --------------------------------------------------------
# One package, libheic, of everything above, installed under /usr.
# `cpack -G DEB --config <build>/CPackConfig.cmake` or the package target.
set(HEIC_PACKAGE_CONTACT "libheic maintainers <libheic@localhost>" CACHE STRING
    "The Maintainer field of the .deb")
set(CPACK_PACKAGE_NAME libheic)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${HEIC_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "HEIF/HEIC image library and tools with its own HEVC encoder")
set(_licence "BSD-2-Clause.")
if(HEIC_X265_FOUND)
  # libx265 is linked in: the whole build is covered by the GPL.
  set(_licence "GPL-2.0-or-later: this build links libx265 (libheic itself is\nBSD-2-Clause).")
endif()
# The long description, below the summary line.
set(CPACK_PACKAGE_DESCRIPTION "libheic reads HEIF/HEIC images (decoding HEVC through libde265) and
writes them with its own HEVC encoder, with memory accounted for on every
path.  This package holds the shared library, its headers, pkg-config file
and CMake package, and the tools heic-enc, heic-dec, heic-info and hevc-enc
with their man pages.\nLicence: ${_licence}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# CPack then installs with DESTDIR=<staging> and the prefix /usr, instead of
# the prefix <staging>/usr: libheic.pc, which records the prefix of the
# install, says /usr.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
# Depends: from the libraries the binaries link (dpkg-shlibdeps, dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A shlibs file, so that packages built against this one depend on it.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
# include(CPack) also makes a package_source target: a tarball of the
# source tree, which must not sweep up the build trees beside the sources.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\.git/" "/\\.git$" "/build[^/]*/" "/fresh-check/" "/bench/out/")
include(CPack)
