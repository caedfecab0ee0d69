# `cmake --install` of the RELOAD overlay library (issue 15): one archive
# lib/libp2psip-overlay.a merged from the overlay's component libraries, the public headers
# under include/p2psip-overlay/ (p2psip/overlay/*.h and the two common/ headers they use), and
# lib/pkgconfig/p2psip-overlay.pc. A program builds with
#   c++ -std=c++20 prog.cpp $(pkg-config --cflags --libs p2psip-overlay)
# The p2psip binary installs separately (gateway/CMakeLists.txt).

# p2psip_install_overlay(API_TARGET COMPONENTS lib...) : COMPONENTS in link order (users first).
function(p2psip_install_overlay api_target)
  cmake_parse_arguments(ARG "" "" "COMPONENTS" ${ARGN})
  set(merged ${PROJECT_BINARY_DIR}/libp2psip-overlay.a)
  set(mri ${PROJECT_BINARY_DIR}/p2psip-overlay.mri)
  # An ar MRI script: one archive from the component archives (generator expressions give
  # their paths at build time).
  set(script "create ${merged}\n")
  foreach(lib ${api_target} ${ARG_COMPONENTS})
    string(APPEND script "addlib $<TARGET_FILE:${lib}>\n")
  endforeach()
  string(APPEND script "save\nend\n")
  file(GENERATE OUTPUT ${mri} CONTENT "${script}")
  set(deps ${api_target} ${ARG_COMPONENTS})
  add_custom_command(OUTPUT ${merged}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${merged}
    COMMAND sh -c "${CMAKE_AR} -M < ${mri}"
    DEPENDS ${deps} ${mri}
    COMMENT "Merging the overlay libraries into libp2psip-overlay.a"
    VERBATIM)
  add_custom_target(p2psip_overlay_archive ALL DEPENDS ${merged})

  include(GNUInstallDirs)
  install(FILES ${merged} DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/overlay/include/p2psip
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/p2psip-overlay FILES_MATCHING PATTERN "*.h"
          # enroll.h is the CLI's seam to overlay/enroll (libxml2, spdlog), not in the archive yet.
          PATTERN "enroll.h" EXCLUDE)
  install(FILES ${PROJECT_SOURCE_DIR}/common/clock.h ${PROJECT_SOURCE_DIR}/common/expected.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/p2psip-overlay/common)
  # The .pc file finds the prefix from its own place (pkg-config's ${pcfiledir}), so that
  # `cmake --install --prefix DIR` needs no reconfiguration.
  set(up "")
  string(REPLACE "/" ";" parts "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  foreach(part ${parts})
    string(APPEND up "/..")
  endforeach()
  set(PC_PREFIX "\${pcfiledir}${up}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/p2psip-overlay.pc.in
                 ${PROJECT_BINARY_DIR}/p2psip-overlay.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/p2psip-overlay.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()
